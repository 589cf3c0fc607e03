"""Black-box tests of /api/v1/users (admin only; soft delete; no password ever answered)."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey, Role, User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import client_for

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "Another-Str0ng-pass"
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


def all_keys(value) -> set[str]:
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


def assert_no_password(response) -> None:
    body = response.json()
    keys = all_keys(body)
    assert "password" not in keys
    assert "password_hash" not in keys
    text = response.content.decode()
    assert "md5$" not in text and "pbkdf2" not in text and "argon2" not in text


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def can_login(email: str, password: str) -> bool:
    response = APIClient().post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code in (201, 401), response.content
    return response.status_code == 201


# --- List -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_users_with_pagination(admin_client, admin_user):
    UserFactory.create_batch(4)
    response = admin_client.get(USERS)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["pagination"] == {"page": 1, "per_page": 25, "count": 5, "total": 5, "pages": 1}
    assert len(body["data"]) == 5
    assert body["data"][0]["id"] == admin_user.pk
    for item in body["data"]:
        assert set(item) == USER_FIELDS
    assert_no_password(response)


@pytest.mark.django_db
def test_list_pages(admin_client):
    UserFactory.create_batch(6)  # 7 users with the admin
    body = admin_client.get(USERS, {"page": 2, "per_page": 3}).json()
    assert body["pagination"] == {"page": 2, "per_page": 3, "count": 3, "total": 7, "pages": 3}
    last = admin_client.get(USERS, {"page": 3, "per_page": 3}).json()
    assert last["pagination"]["count"] == 1
    beyond = admin_client.get(USERS, {"page": 9, "per_page": 3}).json()
    assert beyond["data"] == []
    assert beyond["pagination"]["count"] == 0
    assert beyond["pagination"]["total"] == 7


@pytest.mark.django_db
def test_per_page_is_capped_at_100(admin_client):
    User.objects.bulk_create(
        [User(email=f"bulk{i}@example.com", role=Role.ADVERTISER) for i in range(104)]
    )
    body = admin_client.get(USERS, {"per_page": 500}).json()
    assert body["pagination"]["per_page"] == 100
    assert body["pagination"]["count"] == 100
    assert len(body["data"]) == 100
    assert body["pagination"]["total"] == 105
    assert body["pagination"]["pages"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"per_page": "many"}, "per_page"),
        ({"page": 0}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"role": "wizard"}, "role"),
    ],
)
def test_bad_query_parameters(admin_client, params, field):
    body = assert_error(admin_client.get(USERS, params), 422, "validation_failed")
    assert ["query", field] in [d["path"] for d in body["details"]]


@pytest.mark.django_db
def test_list_filters_by_role_and_search(admin_client):
    UserFactory(email="pub.one@example.com", role=Role.PUBLISHER, name="Paula")
    UserFactory(email="adv.one@example.com", role=Role.ADVERTISER, name="Arthur")
    publishers = admin_client.get(USERS, {"role": "publisher"}).json()["data"]
    assert [u["email"] for u in publishers] == ["pub.one@example.com"]
    found = admin_client.get(USERS, {"search": "arth"}).json()["data"]
    assert [u["email"] for u in found] == ["adv.one@example.com"]
    by_email = admin_client.get(USERS, {"search": "pub.one"}).json()["data"]
    assert [u["email"] for u in by_email] == ["pub.one@example.com"]


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_with_role_name(admin_client):
    response = admin_client.post(
        USERS,
        {"name": "Jane", "email": "Jane@Example.com", "password": NEW_PASSWORD, "role": "finance"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == USER_FIELDS
    assert data["email"] == "jane@example.com"
    assert data["role"] == "finance"
    assert data["role_id"] == Role.FINANCE.value
    assert_no_password(response)
    assert NEW_PASSWORD not in response.content.decode()
    assert User.objects.get(pk=data["id"]).role == Role.FINANCE
    assert can_login("jane@example.com", NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_create_with_role_id(admin_client, role):
    response = admin_client.post(
        USERS,
        {"email": f"r{role.value}@example.com", "password": NEW_PASSWORD, "role_id": role.value},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["role_id"] == role.value
    assert data["role"] == role.label
    assert User.objects.get(pk=data["id"]).role == role


@pytest.mark.django_db
def test_create_with_agreeing_role_and_role_id(admin_client):
    response = admin_client.post(
        USERS,
        {"email": "both@example.com", "password": NEW_PASSWORD, "role": "publisher", "role_id": 3},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"]["role"] == "publisher"


@pytest.mark.django_db
def test_create_with_disagreeing_role_and_role_id(admin_client):
    response = admin_client.post(
        USERS,
        {"email": "both@example.com", "password": NEW_PASSWORD, "role": "admin", "role_id": 2},
        format="json",
    )
    body = assert_error(response, 422, "validation_failed")
    assert any(d["path"][0] == "body" and "role" in d["path"][1] for d in body["details"])
    assert not User.objects.filter(email="both@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "norole@example.com", "password": NEW_PASSWORD}, "role"),
        ({"email": "bad@example.com", "password": NEW_PASSWORD, "role": "wizard"}, "role"),
        ({"email": "bad@example.com", "password": NEW_PASSWORD, "role_id": 99}, "role_id"),
        ({"email": "not-an-email", "password": NEW_PASSWORD, "role": "admin"}, "email"),
        ({"email": "weak@example.com", "password": "123", "role": "admin"}, "password"),
        ({"email": "nopw@example.com", "role": "admin"}, "password"),
        (
            {"email": "x@example.com", "password": NEW_PASSWORD, "role": "admin", "extra": 1},
            "extra",
        ),
        (
            {
                "email": "tz@example.com",
                "password": NEW_PASSWORD,
                "role": "admin",
                "timezone": "Nowhere/Land",
            },
            "timezone",
        ),
    ],
)
def test_create_validation(admin_client, payload, field):
    body = assert_error(admin_client.post(USERS, payload, format="json"), 422)
    assert ["body", field] in [d["path"] for d in body["details"]]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_create_duplicate_email(admin_client, advertiser_user):
    response = admin_client.post(
        USERS,
        {"email": advertiser_user.email.upper(), "password": NEW_PASSWORD, "role": "publisher"},
        format="json",
    )
    assert_error(response, 409)


# --- Retrieve / update ----------------------------------------------------------------------


@pytest.mark.django_db
def test_retrieve(admin_client, publisher_user):
    response = admin_client.get(f"{USERS}/{publisher_user.pk}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == USER_FIELDS
    assert data["id"] == publisher_user.pk
    assert data["role"] == "publisher"
    assert_no_password(response)


@pytest.mark.django_db
def test_update_without_password_keeps_it(admin_client, advertiser_user):
    response = admin_client.put(
        f"{USERS}/{advertiser_user.pk}",
        {"name": "Renamed", "timezone": "America/New_York"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["name"] == "Renamed"
    assert data["timezone"] == "America/New_York"
    assert_no_password(response)
    assert can_login(advertiser_user.email, DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_update_with_blank_password_keeps_it(admin_client, advertiser_user):
    response = admin_client.patch(
        f"{USERS}/{advertiser_user.pk}", {"password": "", "name": "B"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert can_login(advertiser_user.email, DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_update_with_password_changes_it_and_revokes_keys(admin_client, advertiser_user):
    old_client = client_for(advertiser_user)
    response = admin_client.put(
        f"{USERS}/{advertiser_user.pk}", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert_no_password(response)
    assert NEW_PASSWORD not in response.content.decode()
    assert can_login(advertiser_user.email, NEW_PASSWORD)
    assert not can_login(advertiser_user.email, DEFAULT_PASSWORD)
    assert old_client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.django_db
def test_update_weak_password_refused(admin_client, advertiser_user):
    response = admin_client.put(f"{USERS}/{advertiser_user.pk}", {"password": "1"}, format="json")
    body = assert_error(response, 422)
    assert ["body", "password"] in [d["path"] for d in body["details"]]
    assert can_login(advertiser_user.email, DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_update_role_by_name_or_id(admin_client, advertiser_user):
    response = admin_client.patch(
        f"{USERS}/{advertiser_user.pk}", {"role": "publisher"}, format="json"
    )
    assert response.json()["data"]["role_id"] == Role.PUBLISHER.value
    response = admin_client.patch(f"{USERS}/{advertiser_user.pk}", {"role_id": 4}, format="json")
    assert response.json()["data"]["role"] == "finance"
    advertiser_user.refresh_from_db()
    assert advertiser_user.role == Role.FINANCE

    response = admin_client.patch(
        f"{USERS}/{advertiser_user.pk}", {"role": "admin", "role_id": 3}, format="json"
    )
    assert_error(response, 422)
    advertiser_user.refresh_from_db()
    assert advertiser_user.role == Role.FINANCE


@pytest.mark.django_db
def test_update_duplicate_email(admin_client, advertiser_user, publisher_user):
    response = admin_client.put(
        f"{USERS}/{advertiser_user.pk}", {"email": publisher_user.email.upper()}, format="json"
    )
    assert_error(response, 409)
    advertiser_user.refresh_from_db()
    assert advertiser_user.email != publisher_user.email


@pytest.mark.django_db
def test_update_own_email_unchanged_is_fine(admin_client, advertiser_user):
    response = admin_client.put(
        f"{USERS}/{advertiser_user.pk}", {"email": advertiser_user.email}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_update_unknown_field(admin_client, advertiser_user):
    response = admin_client.put(
        f"{USERS}/{advertiser_user.pk}", {"password_hash": "md5$x$y"}, format="json"
    )
    body = assert_error(response, 422)
    assert body["details"][0]["code"] == "unrecognized_keys"


@pytest.mark.django_db
def test_admin_cannot_demote_self(admin_client, admin_user):
    response = admin_client.put(f"{USERS}/{admin_user.pk}", {"role": "advertiser"}, format="json")
    assert_error(response, 400)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


# --- Delete ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_soft_delete(admin_client, advertiser_user):
    user_client = client_for(advertiser_user)
    response = admin_client.delete(f"{USERS}/{advertiser_user.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["success"] is True

    assert_error(admin_client.get(f"{USERS}/{advertiser_user.pk}"), 404)
    listed = [u["id"] for u in admin_client.get(USERS).json()["data"]]
    assert advertiser_user.pk not in listed

    row = User.objects.get(pk=advertiser_user.pk)
    assert row.deleted_at is not None
    assert row.is_active is False
    assert not ApiKey.objects.filter(user=row, revoked_at__isnull=True).exists()
    assert user_client.get("/api/v1/auth/me").status_code == 401
    assert not can_login(advertiser_user.email, DEFAULT_PASSWORD)

    with_deleted = admin_client.get(USERS, {"include_deleted": "true"}).json()["data"]
    assert advertiser_user.pk in [u["id"] for u in with_deleted]

    # A deleted user is gone for updates and repeated deletes too.
    assert_error(admin_client.delete(f"{USERS}/{advertiser_user.pk}"), 404)
    assert_error(
        admin_client.put(f"{USERS}/{advertiser_user.pk}", {"name": "x"}, format="json"), 404
    )


@pytest.mark.django_db
def test_cannot_delete_self(admin_client, admin_user):
    response = admin_client.delete(f"{USERS}/{admin_user.pk}")
    assert_error(response, 400, "cannot_delete_self")
    admin_user.refresh_from_db()
    assert admin_user.deleted_at is None
    assert admin_client.get("/api/v1/auth/me").status_code == 200


# --- Access control, unknown ids ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.FINANCE, Role.PARTNER])
def test_non_admin_roles_forbidden(role, advertiser_user):
    client = client_for(UserFactory(role=role))
    target = advertiser_user.pk
    responses = [
        client.get(USERS),
        client.post(
            USERS,
            {"email": "x@example.com", "password": NEW_PASSWORD, "role": "admin"},
            format="json",
        ),
        client.get(f"{USERS}/{target}"),
        client.put(f"{USERS}/{target}", {"role": "admin"}, format="json"),
        client.patch(f"{USERS}/{target}", {"name": "x"}, format="json"),
        client.delete(f"{USERS}/{target}"),
    ]
    for response in responses:
        assert_error(response, 403)
    assert not User.objects.filter(email="x@example.com").exists()
    advertiser_user.refresh_from_db()
    assert advertiser_user.deleted_at is None


@pytest.mark.django_db
def test_anonymous_is_401(api_client, advertiser_user):
    for response in (
        api_client.get(USERS),
        api_client.post(USERS, {}, format="json"),
        api_client.get(f"{USERS}/{advertiser_user.pk}"),
        api_client.put(f"{USERS}/{advertiser_user.pk}", {}, format="json"),
        api_client.delete(f"{USERS}/{advertiser_user.pk}"),
    ):
        assert_error(response, 401)
        assert "WWW-Authenticate" in response


@pytest.mark.django_db
def test_unknown_id_is_404(admin_client):
    assert_error(admin_client.get(f"{USERS}/999999"), 404, "not_found")
    assert_error(admin_client.put(f"{USERS}/999999", {"name": "x"}, format="json"), 404)
    assert_error(admin_client.delete(f"{USERS}/999999"), 404)


@pytest.mark.django_db
@pytest.mark.parametrize("path", [f"{USERS}/abc", f"{USERS}/1.5", f"{USERS}/-1", f"{USERS}/1/x"])
def test_non_numeric_id_is_json_404(admin_client, path):
    assert_error(admin_client.get(path), 404, "not_found")


@pytest.mark.django_db
def test_deactivating_a_user_revokes_access(admin_client, advertiser_user):
    user_client = client_for(advertiser_user)
    response = admin_client.patch(
        f"{USERS}/{advertiser_user.pk}", {"is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["is_active"] is False
    assert user_client.get("/api/v1/auth/me").status_code == 401
    assert not can_login(advertiser_user.email, DEFAULT_PASSWORD)
    # Still listed (deactivated, not deleted).
    assert advertiser_user.pk in [u["id"] for u in admin_client.get(USERS).json()["data"]]
