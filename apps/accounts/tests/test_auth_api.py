"""Black-box tests of /api/v1/auth/*: signup, login, logout, JWT token and refresh."""

import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey, Role, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"

USER_FIELDS = {
    "id",
    "name",
    "email",
    "role",
    "role_id",
    "timezone",
    "is_active",
    "last_login",
    "created_at",
    "updated_at",
}
STRONG_PASSWORD = "Str0ng-pass!-xyz"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def all_keys(value) -> set[str]:
    """Every dict key anywhere in a decoded JSON document."""
    if isinstance(value, dict):
        keys = set(value)
        for item in value.values():
            keys |= all_keys(item)
        return keys
    if isinstance(value, list):
        keys = set()
        for item in value:
            keys |= all_keys(item)
        return keys
    return set()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def detail_paths(body: dict) -> list[list]:
    return [d["path"] for d in body.get("details", [])]


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra}, format="json")


def token_pair(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- Signup ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_creates_advertiser_by_default(api_client):
    response = api_client.post(
        SIGNUP,
        {"email": "Ann@Example.COM", "password": STRONG_PASSWORD, "name": "Ann"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    user = body["data"]
    assert set(user) == USER_FIELDS
    assert user["email"] == "ann@example.com"
    assert user["name"] == "Ann"
    assert user["role"] == "advertiser"
    assert user["role_id"] == Role.ADVERTISER.value
    assert user["timezone"] == "UTC"
    assert user["is_active"] is True
    assert "password" not in all_keys(body)
    assert "password_hash" not in all_keys(body)
    assert STRONG_PASSWORD not in response.content.decode()

    stored = User.objects.get(pk=user["id"])
    assert stored.role == Role.ADVERTISER
    assert stored.check_password(STRONG_PASSWORD)
    assert stored.password != STRONG_PASSWORD


@pytest.mark.django_db
def test_signup_as_publisher_with_timezone(api_client):
    response = api_client.post(
        SIGNUP,
        {
            "email": "pub@example.com",
            "password": STRONG_PASSWORD,
            "role": "publisher",
            "timezone": "Europe/Paris",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["role"] == "publisher"
    assert data["role_id"] == Role.PUBLISHER.value
    assert data["timezone"] == "Europe/Paris"


@pytest.mark.django_db
def test_signup_then_login_works(api_client):
    api_client.post(
        SIGNUP, {"email": "new@example.com", "password": STRONG_PASSWORD}, format="json"
    )
    response = login(api_client, "new@example.com", STRONG_PASSWORD)
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_signup_duplicate_email_conflicts(api_client, email):
    UserFactory(email="taken@example.com")
    response = api_client.post(SIGNUP, {"email": email, "password": STRONG_PASSWORD}, format="json")
    assert_error(response, 409)
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["123", "qwerty123", "12345678901"])
def test_signup_weak_password(api_client, password):
    response = api_client.post(
        SIGNUP, {"email": "weak@example.com", "password": password}, format="json"
    )
    body = assert_error(response, 422, "validation_failed")
    assert ["body", "password"] in detail_paths(body)
    assert password not in body["error"]
    assert not User.objects.filter(email="weak@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superhero", "admin", "finance", "partner", 1])
def test_signup_refuses_unknown_or_privileged_role(api_client, role):
    response = api_client.post(
        SIGNUP,
        {"email": "role@example.com", "password": STRONG_PASSWORD, "role": role},
        format="json",
    )
    body = assert_error(response, 422, "validation_failed")
    assert ["body", "role"] in detail_paths(body)
    assert not User.objects.filter(email="role@example.com").exists()


@pytest.mark.django_db
def test_signup_unknown_field(api_client):
    response = api_client.post(
        SIGNUP,
        {"email": "x@example.com", "password": STRONG_PASSWORD, "is_admin": True},
        format="json",
    )
    body = assert_error(response, 422, "validation_failed")
    entries = [d for d in body["details"] if d["path"] == ["body", "is_admin"]]
    assert entries and entries[0]["code"] == "unrecognized_keys"
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.django_db
def test_signup_missing_and_invalid_fields(api_client):
    response = api_client.post(SIGNUP, {"email": "not-an-email"}, format="json")
    body = assert_error(response, 422, "validation_failed")
    by_path = {tuple(d["path"]): d for d in body["details"]}
    assert by_path[("body", "email")]["code"] == "invalid_string"
    assert by_path[("body", "password")]["code"] == "required"


@pytest.mark.django_db
def test_signup_unknown_timezone(api_client):
    response = api_client.post(
        SIGNUP,
        {"email": "tz@example.com", "password": STRONG_PASSWORD, "timezone": "Mars/Olympus"},
        format="json",
    )
    body = assert_error(response, 422)
    assert ["body", "timezone"] in detail_paths(body)


@pytest.mark.django_db
def test_signup_malformed_json(api_client):
    response = api_client.post(SIGNUP, data='{"email": "a@b.c",', content_type="application/json")
    assert_error(response, 400, "malformed_json")


@pytest.mark.django_db
def test_signup_body_must_be_an_object(api_client):
    response = api_client.post(SIGNUP, data="[1, 2]", content_type="application/json")
    assert_error(response, 422, "validation_failed")


# --- Login (API key) ------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_returns_api_key_once_and_stores_only_hash(api_client, advertiser_user):
    response = login(api_client, advertiser_user.email, name="My App Key")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"success", "api_key", "key_prefix", "message"}
    assert body["success"] is True
    raw = body["api_key"]
    assert raw.startswith("ak_live_")
    assert len(raw) > len("ak_live_") + 16
    assert raw.startswith(body["key_prefix"])
    assert body["key_prefix"] != raw
    assert body["message"]

    digest = hashlib.sha256(raw.encode()).hexdigest()
    api_key = ApiKey.objects.get(key_hash=digest)
    assert api_key.user == advertiser_user
    assert api_key.name == "My App Key"
    assert api_key.prefix == body["key_prefix"]
    # The raw key itself is nowhere in the table.
    for row in ApiKey.objects.values():
        assert raw not in {str(v) for v in row.values()}

    advertiser_user.refresh_from_db()
    assert advertiser_user.last_login is not None


@pytest.mark.django_db
def test_login_key_works_as_bearer(api_client, advertiser_user):
    raw = login(api_client, advertiser_user.email).json()["api_key"]
    response = bearer(raw).get(ME)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == advertiser_user.pk
    assert data["email"] == advertiser_user.email
    assert "password" not in all_keys(response.json())


@pytest.mark.django_db
def test_login_is_case_insensitive_on_email(api_client):
    user = UserFactory(email="mixed@example.com")
    response = login(api_client, "MIXED@Example.com")
    assert response.status_code == 201
    assert bearer(response.json()["api_key"]).get(ME).json()["data"]["id"] == user.pk


@pytest.mark.django_db
def test_each_login_issues_a_distinct_key(api_client, advertiser_user):
    first = login(api_client, advertiser_user.email).json()["api_key"]
    second = login(api_client, advertiser_user.email).json()["api_key"]
    assert first != second
    assert bearer(first).get(ME).status_code == 200
    assert bearer(second).get(ME).status_code == 200


@pytest.mark.django_db
def test_login_wrong_password(api_client, advertiser_user):
    response = login(api_client, advertiser_user.email, "Wrong-password-1")
    assert_error(response, 401)
    assert not ApiKey.objects.filter(user=advertiser_user).exists()


@pytest.mark.django_db
def test_login_unknown_email(api_client):
    assert_error(login(api_client, "nobody@example.com"), 401)


@pytest.mark.django_db
def test_login_inactive_user_refused(api_client):
    user = UserFactory(is_active=False)
    assert_error(login(api_client, user.email), 401)


@pytest.mark.django_db
def test_login_soft_deleted_user_refused(api_client):
    user = UserFactory(deleted_at=timezone.now())
    assert_error(login(api_client, user.email), 401)


@pytest.mark.django_db
def test_login_validation(api_client):
    response = api_client.post(LOGIN, {"email": "a@example.com"}, format="json")
    body = assert_error(response, 422, "validation_failed")
    assert ["body", "password"] in detail_paths(body)


@pytest.mark.django_db
def test_login_malformed_json(api_client):
    response = api_client.post(LOGIN, data="{not json", content_type="application/json")
    assert_error(response, 400, "malformed_json")


# --- Logout ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_revokes_the_presented_api_key(api_client, advertiser_user):
    raw = login(api_client, advertiser_user.email).json()["api_key"]
    other = login(api_client, advertiser_user.email).json()["api_key"]
    client = bearer(raw)
    response = client.post(LOGOUT)
    assert response.status_code == 200, response.content
    assert response.json()["success"] is True

    key = ApiKey.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert key.revoked_at is not None
    after = client.get(ME)
    assert_error(after, 401)
    assert "WWW-Authenticate" in after
    # Only the presented key is revoked.
    assert bearer(other).get(ME).status_code == 200


@pytest.mark.django_db
def test_logout_requires_authentication(api_client):
    assert_error(api_client.post(LOGOUT), 401)


# --- JWT ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_issues_jwt_pair(api_client, advertiser_user):
    response = api_client.post(
        TOKEN, {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["expires_in"] == 900
    assert body["accessToken"] and body["refreshToken"]
    assert body["accessToken"] != body["refreshToken"]
    assert not body["accessToken"].startswith("ak_")

    me = bearer(body["accessToken"]).get(ME)
    assert me.status_code == 200
    assert me.json()["data"]["id"] == advertiser_user.pk


@pytest.mark.django_db
def test_token_wrong_password(api_client, advertiser_user):
    response = api_client.post(
        TOKEN, {"email": advertiser_user.email, "password": "nope-nope-nope"}, format="json"
    )
    assert_error(response, 401)


@pytest.mark.django_db
def test_token_unknown_field(api_client, advertiser_user):
    response = api_client.post(
        TOKEN,
        {"email": advertiser_user.email, "password": DEFAULT_PASSWORD, "scope": "admin"},
        format="json",
    )
    body = assert_error(response, 422)
    assert any(d["code"] == "unrecognized_keys" for d in body["details"])


@pytest.mark.django_db
def test_refresh_token_is_not_an_access_token(api_client, advertiser_user):
    pair = token_pair(api_client, advertiser_user.email)
    assert_error(bearer(pair["refreshToken"]).get(ME), 401)


@pytest.mark.django_db
def test_refresh_rotates_and_old_refresh_token_is_refused(api_client, advertiser_user):
    pair = token_pair(api_client, advertiser_user.email)

    response = api_client.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["expires_in"] == 900
    assert new["refreshToken"] != pair["refreshToken"]
    assert new["accessToken"] != pair["accessToken"]
    assert bearer(new["accessToken"]).get(ME).status_code == 200

    # Reusing the rotated refresh token is refused.
    reuse = api_client.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
    assert_error(reuse, 401)

    # The new refresh token works (and rotates in turn).
    again = api_client.post(REFRESH, {"refresh": new["refreshToken"]}, format="json")
    assert again.status_code == 200
    assert bearer(again.json()["accessToken"]).get(ME).status_code == 200


@pytest.mark.django_db
def test_refresh_garbage_and_missing(api_client):
    assert_error(api_client.post(REFRESH, {"refreshToken": "garbage"}, format="json"), 401)
    body = assert_error(api_client.post(REFRESH, {}, format="json"), 422)
    assert ["body", "refreshToken"] in detail_paths(body)


@pytest.mark.django_db
def test_refresh_refused_for_soft_deleted_user(api_client, advertiser_user):
    pair = token_pair(api_client, advertiser_user.email)
    User.objects.filter(pk=advertiser_user.pk).update(deleted_at=timezone.now())
    response = api_client.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
    assert_error(response, 401)


@pytest.mark.django_db
def test_logout_with_jwt_revokes_access_token(api_client, advertiser_user):
    pair = token_pair(api_client, advertiser_user.email)
    client = bearer(pair["accessToken"])
    assert client.get(ME).status_code == 200
    response = client.post(LOGOUT)
    assert response.status_code == 200, response.content
    after = client.get(ME)
    assert_error(after, 401)
    assert "WWW-Authenticate" in after


@pytest.mark.django_db
def test_logout_blacklists_given_refresh_token(api_client, advertiser_user):
    pair = token_pair(api_client, advertiser_user.email)
    response = bearer(pair["accessToken"]).post(
        LOGOUT, {"refreshToken": pair["refreshToken"]}, format="json"
    )
    assert response.status_code == 200, response.content
    refreshed = api_client.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json")
    assert_error(refreshed, 401)


@pytest.mark.django_db
def test_logout_cannot_blacklist_another_users_refresh_token(api_client, advertiser_user):
    victim = UserFactory()
    victim_pair = token_pair(api_client, victim.email)
    own = token_pair(api_client, advertiser_user.email)
    bearer(own["accessToken"]).post(
        LOGOUT, {"refreshToken": victim_pair["refreshToken"]}, format="json"
    )
    response = api_client.post(
        REFRESH, {"refreshToken": victim_pair["refreshToken"]}, format="json"
    )
    assert response.status_code == 200


# --- Credentials of deleted users, garbage tokens -----------------------------------------------


@pytest.mark.django_db
def test_soft_deleted_users_key_stops_working(api_client, admin_client, advertiser_user):
    raw = login(api_client, advertiser_user.email).json()["api_key"]
    client = bearer(raw)
    assert client.get(ME).status_code == 200
    response = admin_client.delete(f"/api/v1/users/{advertiser_user.pk}")
    assert response.status_code == 200, response.content
    assert_error(client.get(ME), 401)


@pytest.mark.django_db
def test_soft_deleted_flag_alone_blocks_key_and_jwt(api_client, advertiser_user):
    """Even if a key were not revoked, a user with ``deleted_at`` set cannot authenticate."""
    raw = login(api_client, advertiser_user.email).json()["api_key"]
    access = token_pair(api_client, advertiser_user.email)["accessToken"]
    User.objects.filter(pk=advertiser_user.pk).update(deleted_at=timezone.now())
    assert ApiKey.objects.filter(user=advertiser_user, revoked_at__isnull=True).exists()
    assert_error(bearer(raw).get(ME), 401)
    assert_error(bearer(access).get(ME), 401)


@pytest.mark.django_db
def test_deactivated_users_key_stops_working(api_client, advertiser_user):
    raw = login(api_client, advertiser_user.email).json()["api_key"]
    User.objects.filter(pk=advertiser_user.pk).update(is_active=False)
    assert_error(bearer(raw).get(ME), 401)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer ak_live_0000000000000000000000000000000000000000",
        "Bearer ak_",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl",
        "Bearer two parts",
        "Bearer",
    ],
)
def test_garbage_bearer_tokens_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_me_without_credentials(api_client):
    response = api_client.get(ME)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_password_change_revokes_refresh_tokens_and_keys(api_client, admin_client):
    user = UserFactory()
    pair = token_pair(api_client, user.email)
    raw = login(api_client, user.email).json()["api_key"]
    response = admin_client.patch(
        f"/api/v1/users/{user.pk}", {"password": "Brand-new-Pass-77"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert_error(
        api_client.post(REFRESH, {"refreshToken": pair["refreshToken"]}, format="json"), 401
    )
    assert_error(bearer(raw).get(ME), 401)
    assert token_pair(api_client, user.email, "Brand-new-Pass-77")["accessToken"]


@pytest.mark.django_db
def test_token_refused_for_inactive_user(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(
        TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert_error(response, 401)
