"""``POST /api/auth/token`` (seed 002) and the partner pair at ``POST /api/v1/auth/token``."""

import hashlib

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.partner_credentials import partner_credential_revoke
from apps.partners.tests.conftest import TOKEN_URL

pytestmark = pytest.mark.django_db


def post(body, **extra):
    return APIClient().post(TOKEN_URL, body, format="json", **extra)


def test_exchange_answers_a_one_hour_bearer_token(credential_pair):
    credential, secret = credential_pair
    response = post({"api_key": credential.api_key, "api_secret": secret})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert response["Cache-Control"] == "no-store"
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.get("/api/v1/auth/me").json()["data"]["email"] == "partner@example.com"


def test_secret_is_stored_hashed(credential_pair):
    credential, secret = credential_pair
    credential.refresh_from_db()
    assert secret not in (credential.secret_hash, credential.api_key)
    assert credential.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"api_key": "pk_live_x"},
        {"api_secret": "x"},
        {"api_key": 5, "api_secret": "x"},
        {"api_key": "", "api_secret": ""},
        {"api_key": "pk_live_\x00", "api_secret": "x"},
        ["api_key", "api_secret"],
        "text",
    ],
)
def test_body_not_in_the_shape_is_400(body):
    response = post(body)
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid request body"


def test_a_lone_surrogate_is_400_not_a_crash():
    body = b'{"api_key": "pk_live_x", "api_secret": "\\ud800"}'
    response = APIClient().post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid request body"


def test_malformed_json_is_400():
    response = APIClient().post(TOKEN_URL, b'{"api_key": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid request body"


def test_wrong_unknown_or_revoked_credentials_are_401(credential_pair):
    credential, secret = credential_pair
    for body in (
        {"api_key": credential.api_key, "api_secret": secret + "x"},
        {"api_key": "pk_live_unknown", "api_secret": secret},
    ):
        response = post(body)
        assert response.status_code == 401
        assert response.json()["error"] == "Invalid API credentials"
    partner_credential_revoke(credential=credential)
    response = post({"api_key": credential.api_key, "api_secret": secret})
    assert response.status_code == 401
    assert response.json()["error"] == "Invalid API credentials"


def test_client_path_form_exchanges_too(credential_pair, client_advertiser):
    credential, secret = credential_pair
    response = APIClient().post(
        f"/api/clients/{client_advertiser.client_slug}/auth/token",
        {"api_key": credential.api_key, "api_secret": secret},
        format="json",
    )
    assert response.status_code == 200


@override_settings(RATELIMIT_LOGIN="3/m")
def test_failed_exchanges_are_rate_limited_successes_are_not(credential_pair):
    credential, secret = credential_pair
    good = {"api_key": credential.api_key, "api_secret": secret}
    for _ in range(5):
        assert post(good).status_code == 200
    for _ in range(3):
        assert post({**good, "api_secret": "wrong"}).status_code == 401
    response = post(good)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"]


def test_revoking_refuses_tokens_already_issued(credential_pair, partner_api):
    credential, _ = credential_pair
    assert partner_api.get("/api/v1/auth/me").status_code == 200
    partner_credential_revoke(credential=credential)
    assert partner_api.get("/api/v1/auth/me").status_code == 401


# --- /api/v1/auth/token with the pair ----------------------------------------------------


def test_v1_token_accepts_the_pair_in_the_v1_shape(credential_pair):
    credential, secret = credential_pair
    response = APIClient().post(
        "/api/v1/auth/token",
        {"api_key": credential.api_key, "api_secret": secret},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["expires_in"] == 3600
    assert body["data"]["accessToken"] == body["accessToken"]

    refreshed = APIClient().post(
        "/api/v1/auth/refresh", {"refreshToken": body["refreshToken"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["expires_in"] == 3600

    partner_credential_revoke(credential=credential)
    again = APIClient().post(
        "/api/v1/auth/refresh",
        {"refreshToken": refreshed.json()["refreshToken"]},
        format="json",
    )
    assert again.status_code == 401


def test_v1_token_pair_errors_are_in_the_v1_envelope(credential_pair):
    credential, _ = credential_pair
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token", {"api_key": credential.api_key, "api_secret": "no"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["success"] is False and response.json()["code"]
    response = client.post("/api/v1/auth/token", {"api_key": credential.api_key}, format="json")
    assert response.status_code == 422
    assert response.json()["details"][0]["path"] == ["body", "api_secret"]
    response = client.post(
        "/api/v1/auth/token",
        {"api_key": "k", "api_secret": "s", "email": "a@example.com"},
        format="json",
    )
    assert response.status_code == 422
