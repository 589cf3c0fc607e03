"""Black-box tests of /api/v1/api-keys: list, create, retrieve, revoke."""

import hashlib

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey
from apps.accounts.tests.factories import UserFactory
from conftest import client_for

KEYS = "/api/v1/api-keys"
ME = "/api/v1/auth/me"
KEY_FIELDS = {
    "id",
    "name",
    "key_prefix",
    "is_active",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
}


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def create_key(client: APIClient, name: str = "CI key") -> dict:
    response = client.post(KEYS, {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_create_shows_raw_key_once(advertiser_client, advertiser_user):
    body = create_key(advertiser_client, "Reporting script")
    assert body["success"] is True
    raw = body["api_key"]
    assert raw.startswith("ak_live_")
    assert raw.startswith(body["key_prefix"])
    assert body["message"]
    data = body["data"]
    assert set(data) == KEY_FIELDS
    assert data["name"] == "Reporting script"
    assert data["key_prefix"] == body["key_prefix"]
    assert data["is_active"] is True
    assert data["revoked_at"] is None
    assert data["last_used_at"] is None
    assert raw not in str(data)

    stored = ApiKey.objects.get(pk=data["id"])
    assert stored.user == advertiser_user
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == body["key_prefix"]

    assert bearer(raw).get(ME).json()["data"]["id"] == advertiser_user.pk


@pytest.mark.django_db
def test_create_default_name(advertiser_client):
    body = advertiser_client.post(KEYS, {}, format="json").json()
    assert body["data"]["name"]


@pytest.mark.django_db
def test_create_validation(advertiser_client):
    body = assert_error(advertiser_client.post(KEYS, {"name": "x" * 101}, format="json"), 422)
    assert body["details"][0]["path"] == ["body", "name"]
    assert body["details"][0]["code"] == "too_big"

    body = assert_error(
        advertiser_client.post(KEYS, {"name": "ok", "key": "ak_live_mine"}, format="json"), 422
    )
    assert body["details"][0]["code"] == "unrecognized_keys"


@pytest.mark.django_db
def test_raw_key_never_in_list_or_detail(advertiser_client):
    body = create_key(advertiser_client)
    raw = body["api_key"]
    key_id = body["data"]["id"]

    listing = advertiser_client.get(KEYS)
    assert listing.status_code == 200
    assert raw not in listing.content.decode()
    assert "key_hash" not in listing.content.decode()
    for item in listing.json()["data"]:
        assert set(item) == KEY_FIELDS

    detail = advertiser_client.get(f"{KEYS}/{key_id}")
    assert detail.status_code == 200
    assert raw not in detail.content.decode()
    assert "api_key" not in detail.json()
    assert set(detail.json()["data"]) == KEY_FIELDS
    assert detail.json()["data"]["id"] == key_id


@pytest.mark.django_db
def test_list_shows_only_own_active_keys_with_pagination(advertiser_client, advertiser_user):
    other = UserFactory()
    client_for(other)  # another user's key must not show
    create_key(advertiser_client, "one")
    create_key(advertiser_client, "two")

    response = advertiser_client.get(KEYS)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    own_ids = set(ApiKey.objects.filter(user=advertiser_user).values_list("id", flat=True))
    assert {item["id"] for item in body["data"]} == own_ids
    assert len(own_ids) == 3  # the client's own key plus two
    assert body["pagination"] == {"page": 1, "per_page": 25, "count": 3, "total": 3, "pages": 1}

    paged = advertiser_client.get(KEYS, {"per_page": 2, "page": 2}).json()
    assert paged["pagination"] == {"page": 2, "per_page": 2, "count": 1, "total": 3, "pages": 2}


@pytest.mark.django_db
def test_revoke(advertiser_client):
    body = create_key(advertiser_client)
    raw, key_id = body["api_key"], body["data"]["id"]
    assert bearer(raw).get(ME).status_code == 200

    response = advertiser_client.delete(f"{KEYS}/{key_id}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["id"] == key_id
    assert data["is_active"] is False
    assert data["revoked_at"] is not None
    assert ApiKey.objects.get(pk=key_id).revoked_at is not None

    # The revoked key no longer authenticates and leaves the list.
    assert_error(bearer(raw).get(ME), 401)
    listed = [item["id"] for item in advertiser_client.get(KEYS).json()["data"]]
    assert key_id not in listed

    # Revoking again is harmless; the key stays revoked.
    again = advertiser_client.delete(f"{KEYS}/{key_id}")
    assert again.status_code == 200
    assert again.json()["data"]["revoked_at"] == data["revoked_at"]


@pytest.mark.django_db
def test_revoking_own_current_key(advertiser_client, advertiser_user):
    current = ApiKey.objects.get(user=advertiser_user)
    assert advertiser_client.delete(f"{KEYS}/{current.pk}").status_code == 200
    assert_error(advertiser_client.get(ME), 401)


@pytest.mark.django_db
def test_other_users_key_is_404(advertiser_client):
    other = UserFactory()
    other_client = client_for(other)
    other_key = create_key(other_client)
    key_id = other_key["data"]["id"]

    assert_error(advertiser_client.get(f"{KEYS}/{key_id}"), 404, "not_found")
    assert_error(advertiser_client.delete(f"{KEYS}/{key_id}"), 404, "not_found")
    assert ApiKey.objects.get(pk=key_id).revoked_at is None
    assert bearer(other_key["api_key"]).get(ME).status_code == 200


@pytest.mark.django_db
def test_admin_cannot_reach_other_users_key_either(admin_client, advertiser_client):
    key_id = create_key(advertiser_client)["data"]["id"]
    assert_error(admin_client.get(f"{KEYS}/{key_id}"), 404)


@pytest.mark.django_db
def test_unknown_and_non_numeric_key_id(advertiser_client):
    assert_error(advertiser_client.get(f"{KEYS}/999999"), 404)
    response = advertiser_client.get(f"{KEYS}/abc")
    assert_error(response, 404)


@pytest.mark.django_db
def test_anonymous_is_401(api_client, advertiser_client):
    key_id = create_key(advertiser_client)["data"]["id"]
    for response in (
        api_client.get(KEYS),
        api_client.post(KEYS, {"name": "x"}, format="json"),
        api_client.get(f"{KEYS}/{key_id}"),
        api_client.delete(f"{KEYS}/{key_id}"),
    ):
        assert_error(response, 401)
        assert "WWW-Authenticate" in response
    assert ApiKey.objects.get(pk=key_id).revoked_at is None


@pytest.mark.django_db
def test_last_used_at_gets_set(advertiser_client):
    body = create_key(advertiser_client)
    raw, key_id = body["api_key"], body["data"]["id"]
    assert ApiKey.objects.get(pk=key_id).last_used_at is None

    assert bearer(raw).get(ME).status_code == 200
    assert ApiKey.objects.get(pk=key_id).last_used_at is not None
    detail = advertiser_client.get(f"{KEYS}/{key_id}").json()["data"]
    assert detail["last_used_at"] is not None


@pytest.mark.django_db
def test_api_key_created_with_jwt_session_works(api_client, advertiser_user):
    from apps.accounts.tests.factories import DEFAULT_PASSWORD

    pair = api_client.post(
        "/api/v1/auth/token",
        {"email": advertiser_user.email, "password": DEFAULT_PASSWORD},
        format="json",
    ).json()
    body = create_key(bearer(pair["accessToken"]))
    assert bearer(body["api_key"]).get(ME).status_code == 200


def test_keys_are_also_reachable_under_auth(advertiser_client):
    created = advertiser_client.post("/api/v1/auth/api-keys", {"name": "ci"}, format="json")
    assert created.status_code == 201
    key_id = created.json()["data"]["id"]
    listed = advertiser_client.get("/api/v1/auth/api-keys").json()["data"]
    assert key_id in [k["id"] for k in listed]
    revoked = advertiser_client.delete(f"/api/v1/auth/api-keys/{key_id}")
    assert revoked.status_code == 200
    assert revoked.json()["data"]["revoked_at"] is not None
