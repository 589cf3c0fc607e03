"""Black-box tests of /api/v1/settings (admin only; secrets masked and kept when masked)."""

import pytest

from apps.accounts.models import PlatformSetting, Role
from apps.accounts.platform_settings import DEFINITIONS, MASK, SECRET_KEYS, setting_get
from apps.accounts.tests.factories import UserFactory
from conftest import client_for

SETTINGS = "/api/v1/settings"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def paths(body: dict) -> list[list]:
    return [d["path"] for d in body.get("details", [])]


@pytest.mark.django_db
def test_get_defaults(admin_client):
    response = admin_client.get(SETTINGS)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == set(DEFINITIONS)
    assert data["site_name"] == "Ad Platform"
    assert data["currency"] == "USD"
    assert data["smtp_port"] == 587
    assert data["smtp_use_tls"] is True
    assert data["auto_approve_ads"] is False
    assert data["default_revenue_share"] == "0.7000"
    assert data["paypal_mode"] == "sandbox"
    # Unset secrets are empty, not masked (nothing to hide).
    for key in SECRET_KEYS:
        assert data[key] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
def test_update(admin_client, admin_user, method):
    response = getattr(admin_client, method)(
        SETTINGS,
        {
            "site_name": "My Ad Network",
            "currency": "EUR",
            "smtp_port": 2525,
            "auto_approve_ads": True,
            "default_revenue_share": "0.65",
            "minimum_payout": "100",
            "paypal_mode": "live",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["site_name"] == "My Ad Network"
    assert data["currency"] == "EUR"
    assert data["smtp_port"] == 2525
    assert data["auto_approve_ads"] is True
    assert data["default_revenue_share"] == "0.6500"
    assert data["minimum_payout"] == "100.00"
    assert data["paypal_mode"] == "live"
    # Untouched settings keep their defaults.
    assert data["support_email"] == "support@adplatform.local"

    row = PlatformSetting.objects.get(key="site_name")
    assert row.value == "My Ad Network"
    assert row.updated_by == admin_user
    assert setting_get("currency") == "EUR"
    assert setting_get("smtp_port") == 2525

    again = admin_client.get(SETTINGS).json()["data"]
    assert again == data


@pytest.mark.django_db
def test_secrets_are_masked_once_set(admin_client):
    response = admin_client.put(
        SETTINGS,
        {"smtp_password": "hunter2-smtp", "stripe_secret_key": "sk_live_abc123"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["smtp_password"] == MASK
    assert response.json()["data"]["stripe_secret_key"] == MASK
    assert "hunter2-smtp" not in response.content.decode()
    assert "sk_live_abc123" not in response.content.decode()

    got = admin_client.get(SETTINGS)
    assert got.json()["data"]["smtp_password"] == MASK
    assert got.json()["data"]["stripe_secret_key"] == MASK
    assert got.json()["data"]["paypal_client_secret"] == ""
    assert "hunter2-smtp" not in got.content.decode()
    assert "sk_live_abc123" not in got.content.decode()

    assert PlatformSetting.objects.get(key="smtp_password").value == "hunter2-smtp"
    assert setting_get("stripe_secret_key") == "sk_live_abc123"


@pytest.mark.django_db
def test_sending_mask_back_keeps_secret(admin_client):
    admin_client.put(SETTINGS, {"smtp_password": "hunter2-smtp"}, format="json")
    current = admin_client.get(SETTINGS).json()["data"]
    current["site_name"] = "Renamed"

    response = admin_client.put(SETTINGS, current, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["site_name"] == "Renamed"
    assert response.json()["data"]["smtp_password"] == MASK
    assert PlatformSetting.objects.get(key="smtp_password").value == "hunter2-smtp"
    assert setting_get("smtp_password") == "hunter2-smtp"
    # An unset secret answered as "" and sent back stays empty.
    assert setting_get("stripe_secret_key") == ""

    # A new value replaces it; an empty string clears it.
    admin_client.patch(SETTINGS, {"smtp_password": "new-secret"}, format="json")
    assert setting_get("smtp_password") == "new-secret"
    cleared = admin_client.patch(SETTINGS, {"smtp_password": ""}, format="json")
    assert cleared.json()["data"]["smtp_password"] == ""
    assert setting_get("smtp_password") == ""


@pytest.mark.django_db
def test_unknown_key(admin_client):
    body = assert_error(
        admin_client.put(SETTINGS, {"no_such_setting": 1}, format="json"), 422, "validation_failed"
    )
    assert ["body", "no_such_setting"] in paths(body)
    assert body["details"][0]["code"] == "unrecognized_keys"
    assert not PlatformSetting.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"currency": "usd"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"smtp_port": "x"}, "smtp_port"),
        ({"smtp_port": 0}, "smtp_port"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"site_url": "not a url"}, "site_url"),
        ({"support_email": "nope"}, "support_email"),
        ({"default_revenue_share": "1.5"}, "default_revenue_share"),
        ({"minimum_payout": "-1"}, "minimum_payout"),
        ({"tax_rate": "abc"}, "tax_rate"),
        ({"auto_approve_ads": "maybe"}, "auto_approve_ads"),
        ({"paypal_mode": "production"}, "paypal_mode"),
        ({"site_name": ""}, "site_name"),
        ({"invoice_prefix": "inv lower"}, "invoice_prefix"),
    ],
)
def test_bad_values(admin_client, payload, field):
    body = assert_error(admin_client.put(SETTINGS, payload, format="json"), 422)
    assert ["body", field] in paths(body)
    assert not PlatformSetting.objects.exists()


@pytest.mark.django_db
def test_one_bad_value_changes_nothing(admin_client):
    response = admin_client.put(
        SETTINGS, {"site_name": "Changed", "currency": "usd"}, format="json"
    )
    assert_error(response, 422)
    assert admin_client.get(SETTINGS).json()["data"]["site_name"] == "Ad Platform"


@pytest.mark.django_db
def test_body_must_be_object(admin_client):
    assert_error(admin_client.put(SETTINGS, [1], format="json"), 422)
    response = admin_client.put(SETTINGS, data="{oops", content_type="application/json")
    assert_error(response, 400, "malformed_json")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.FINANCE, Role.PARTNER])
def test_non_admin_forbidden(role):
    client = client_for(UserFactory(role=role))
    assert_error(client.get(SETTINGS), 403)
    assert_error(client.put(SETTINGS, {"site_name": "Hacked"}, format="json"), 403)
    assert_error(client.patch(SETTINGS, {"site_name": "Hacked"}, format="json"), 403)
    assert not PlatformSetting.objects.exists()


@pytest.mark.django_db
def test_anonymous_unauthorized(api_client):
    for response in (
        api_client.get(SETTINGS),
        api_client.put(SETTINGS, {"site_name": "Hacked"}, format="json"),
    ):
        assert_error(response, 401)
        assert "WWW-Authenticate" in response
    assert not PlatformSetting.objects.exists()
