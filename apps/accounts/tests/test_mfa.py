"""MFA over the API: setup, verify (recovery codes once), login and token with ``mfa_code``,
single-use codes, recovery codes, rate limits, disable, and the staff enforcement setting."""

import time

import pyotp
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.models import MfaDevice, MfaRecoveryCode, Role
from apps.accounts.platform_settings import settings_update
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
LOGIN, TOKEN = "/api/v1/auth/login", "/api/v1/auth/token"


def enable_mfa(client) -> tuple[str, list[str]]:
    setup = client.post("/api/v1/auth/mfa/setup")
    assert setup.status_code == 200, setup.content
    secret = setup.json()["data"]["secret"]
    code = pyotp.TOTP(secret).now()
    verify = client.post("/api/v1/auth/mfa/verify", {"code": code}, format="json")
    assert verify.status_code == 200, verify.content
    return secret, verify.json()["data"]["recovery_codes"]


def future_code(secret: str, steps: int = 1) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def test_setup_answers_secret_uri_and_qr(advertiser_client):
    response = advertiser_client.post("/api/v1/auth/mfa/setup")
    data = response.json()["data"]
    assert response["Cache-Control"] == "no-store"
    assert data["otpauth_uri"].startswith("otpauth://totp/")
    assert data["secret"] in data["otpauth_uri"]
    assert data["qr_svg"].startswith("data:image/svg+xml")
    status = advertiser_client.get("/api/v1/auth/mfa").json()["data"]
    assert status == {
        "enabled": False,
        "pending_setup": True,
        "required": False,
        "recovery_codes_left": 0,
    }


def test_verify_turns_it_on_with_ten_recovery_codes(advertiser_client):
    _, codes = enable_mfa(advertiser_client)
    assert len(codes) == len(set(codes)) == 10
    stored = set(MfaRecoveryCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes)  # hashed
    assert advertiser_client.get("/api/v1/auth/mfa").json()["data"]["enabled"] is True
    again = advertiser_client.post("/api/v1/auth/mfa/setup")
    assert again.status_code == 409


def test_wrong_verify_code_is_400_and_verify_before_setup_is_400(advertiser_client):
    response = advertiser_client.post("/api/v1/auth/mfa/verify", {"code": "000000"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "mfa_not_set_up"
    advertiser_client.post("/api/v1/auth/mfa/setup")
    response = advertiser_client.post("/api/v1/auth/mfa/verify", {"code": "12"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_mfa_code"
    response = advertiser_client.post("/api/v1/auth/mfa/verify", {}, format="json")
    assert response.status_code == 422
    assert not MfaDevice.objects.filter(confirmed_at__isnull=False).exists()


@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_login_and_token_need_the_code(advertiser_user, url):
    secret, _ = enable_mfa(client_for(advertiser_user))
    anon = APIClient()
    creds = {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    response = anon.post(url, creds, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_required"
    wrong = anon.post(url, {**creds, "mfa_code": "123456"}, format="json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_mfa_code"
    code = future_code(secret)
    response = anon.post(url, {**creds, "mfa_code": code}, format="json")
    assert response.status_code in (200, 201), response.content
    replay = anon.post(url, {**creds, "mfa_code": code}, format="json")
    assert replay.status_code == 401 and replay.json()["code"] == "invalid_mfa_code"


def test_wrong_password_is_still_invalid_credentials(advertiser_user):
    enable_mfa(client_for(advertiser_user))
    response = APIClient().post(
        TOKEN, {"email": advertiser_user.email, "password": "nope-nope-1"}, format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_recovery_code_works_once(advertiser_user):
    _, codes = enable_mfa(client_for(advertiser_user))
    creds = {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    ok = APIClient().post(TOKEN, {**creds, "mfa_code": codes[0].upper()}, format="json")
    assert ok.status_code == 200
    again = APIClient().post(TOKEN, {**creds, "mfa_code": codes[0]}, format="json")
    assert again.status_code == 401 and again.json()["code"] == "invalid_mfa_code"
    bad = APIClient().post(TOKEN, {**creds, "mfa_code": "aaaaa-bbbbb"}, format="json")
    assert bad.status_code == 401
    status = client_for(advertiser_user).get("/api/v1/auth/mfa").json()["data"]
    assert status["recovery_codes_left"] == 9


@override_settings(RATELIMIT_MFA="3/m", RATELIMIT_LOGIN="100/m")
def test_codes_are_rate_limited_per_user(advertiser_user):
    secret, _ = enable_mfa(client_for(advertiser_user))  # the verify is the first check
    creds = {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    for _ in range(2):
        response = APIClient().post(TOKEN, {**creds, "mfa_code": "000000"}, format="json")
        assert response.status_code == 401
    response = APIClient().post(TOKEN, {**creds, "mfa_code": future_code(secret)}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_disable_needs_a_current_code(advertiser_client):
    secret, _ = enable_mfa(advertiser_client)
    url = "/api/v1/auth/mfa/disable"
    assert advertiser_client.post(url, {"code": "000000"}, format="json").status_code == 400
    assert (
        advertiser_client.post(url, {"code": future_code(secret)}, format="json").status_code == 200
    )
    assert not MfaDevice.objects.exists() and not MfaRecoveryCode.objects.exists()
    assert (
        advertiser_client.post(url, {"code": future_code(secret, 2)}, format="json").json()["code"]
        == "mfa_not_enabled"
    )


def test_mfa_endpoints_need_authentication():
    for url in ("/api/v1/auth/mfa", "/api/v1/auth/mfa/setup"):
        assert APIClient().post(url).status_code == 401


def test_staff_must_set_mfa_up_when_the_platform_requires_it(admin_user):
    settings_update(values={"mfa_required_for_staff": True}, actor=admin_user)
    finance = UserFactory(role=Role.FINANCE)
    advertiser = UserFactory(role=Role.ADVERTISER)
    for user in (admin_user, finance):
        response = APIClient().post(
            TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == 403, response.content
    response = APIClient().post(
        TOKEN, {"email": advertiser.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client = client_for(finance)
    secret, _ = enable_mfa(client)
    response = APIClient().post(
        TOKEN,
        {"email": finance.email, "password": DEFAULT_PASSWORD, "mfa_code": future_code(secret)},
        format="json",
    )
    assert response.status_code == 200
    disable = client.post(
        "/api/v1/auth/mfa/disable", {"code": future_code(secret, 2)}, format="json"
    )
    assert disable.status_code == 403
