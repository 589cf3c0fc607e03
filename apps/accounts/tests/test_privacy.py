"""GDPR: the data export holds everything about the caller and no secret; an admin erases an
account's personal data, revokes its credentials and keeps its money records."""

import json
from decimal import Decimal

import pyotp
import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from apps.accounts import mfa
from apps.accounts.models import MfaDevice, PartnerCredential, Role, User
from apps.accounts.partner_credentials import partner_credential_issue
from apps.accounts.services import api_key_create
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from apps.billing.services.wallets import deposit_record, wallet_ensure
from apps.campaigns.tests.factories import (
    AdFactory,
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)
from apps.webhooks.models import Webhook
from apps.webhooks.services import webhook_create
from conftest import client_for

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/auth/export"


@pytest.fixture
def rich_advertiser(admin_user):
    advertiser = AdvertiserFactory(company="Rich Co")
    user = advertiser.user
    campaign = CampaignFactory(advertiser=advertiser, name="Exported campaign")
    AdFactory(campaign=campaign, name="Exported ad")
    ConversionGoalFactory(advertiser=advertiser, name="Exported goal")
    wallet = wallet_ensure(advertiser=advertiser)
    deposit_record(wallet=wallet, amount=Decimal("25.00"), actor=admin_user, reference="wire-1")
    webhook = webhook_create(owner=user, url="https://hooks.example.com/h", events=["ad.created"])
    device = mfa.mfa_setup(user=user)
    codes = mfa.mfa_verify(
        request=RequestFactory().post("/"), user=user, code=pyotp.TOTP(device.secret).now()
    )
    _, raw_key = api_key_create(user=user, name="Exported key")
    return {
        "user": user,
        "secrets": [
            raw_key,
            webhook.secret,
            MfaDevice.objects.get(user=user).secret,
            user.password,
            *codes,
            *user.api_keys.values_list("key_hash", flat=True),
            *user.mfa_recovery_codes.values_list("code_hash", flat=True),
        ],
        "raw_key": raw_key,
        "totp": device.secret,
    }


def test_export_has_everything_and_no_secret(rich_advertiser):
    user = rich_advertiser["user"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rich_advertiser['raw_key']}")
    response = client.get(EXPORT)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    data = response.json()["data"]
    assert data["profile"]["email"] == user.email
    assert data["advertiser"]["company"] == "Rich Co"
    assert [c["name"] for c in data["campaigns"]] == ["Exported campaign"]
    assert [a["name"] for a in data["ads"]] == ["Exported ad"]
    assert [g["name"] for g in data["conversion_goals"]] == ["Exported goal"]
    assert data["wallets"][0]["balance"] == "25.00"
    assert [t["type"] for t in data["ledger"]] == ["deposit"]
    assert data["webhooks"][0]["url"] == "https://hooks.example.com/h"
    assert data["mfa"] == {"enabled": True, "recovery_codes_left": 10}
    assert {k["name"] for k in data["api_keys"]} == {"Exported key"}
    assert any(e["object_type"] == "user" for e in data["audit_entries"])
    text = json.dumps(data)
    for secret in rich_advertiser["secrets"]:
        assert secret not in text
    assert "secret" not in {key for item in data["webhooks"] for key in item}


def test_publisher_and_partner_exports(admin_user):
    from apps.inventory.tests.factories import ZoneFactory

    zone = ZoneFactory(name="Exported zone")
    publisher_user = zone.website.publisher.user
    data = client_for(publisher_user).get(EXPORT).json()["data"]
    assert data["publisher"]["id"] == zone.website.publisher_id
    assert [z["name"] for z in data["zones"]] == ["Exported zone"]
    assert data["campaigns"] == [] and data["advertiser"] is None

    partner = UserFactory(role=Role.PARTNER)
    credential, secret = partner_credential_issue(user_id=partner.pk, actor=admin_user)
    data = client_for(partner).get(EXPORT).json()["data"]
    assert data["partner_credentials"][0]["api_key"] == credential.api_key
    text = json.dumps(data)
    assert secret not in text and credential.secret_hash not in text


def test_admin_export_is_their_own_not_the_platform(admin_client, rich_advertiser):
    data = admin_client.get(EXPORT).json()["data"]
    assert data["campaigns"] == [] and data["wallets"] == []


def test_export_needs_authentication():
    assert APIClient().get(EXPORT).status_code == 401


def test_profile_page_download(rich_advertiser):
    client = Client()
    client.force_login(rich_advertiser["user"])
    assert b"Download my data" in client.get("/accounts/profile/").content
    response = client.get("/accounts/profile/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    text = response.content.decode()
    assert json.loads(text)["advertiser"]["company"] == "Rich Co"
    for secret in rich_advertiser["secrets"]:
        assert secret not in text


# --- Erasure ------------------------------------------------------------------------------


def test_admin_erases_personal_data_and_keeps_money(admin_client, rich_advertiser):
    user = rich_advertiser["user"]
    old_email = user.email
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {rich_advertiser['raw_key']}")
    session = Client()
    session.force_login(user)
    response = admin_client.post(f"/api/v1/users/{user.pk}/erase")
    assert response.status_code == 200, response.content
    user = User.objects.get(pk=user.pk)
    assert user.email == f"erased-{user.pk}@erased.invalid" and user.name == ""
    assert not user.is_active and user.deleted_at is not None and not user.has_usable_password()
    assert user.advertiser.company == f"Erased account {user.pk}"
    assert not MfaDevice.objects.filter(user=user).exists()
    assert not Webhook.objects.filter(owner=user).exists()
    assert key_client.get("/api/v1/auth/me").status_code == 401
    assert session.get("/advertiser/").status_code == 302  # signed out
    assert user.advertiser.wallet.transactions.count() == 1  # the ledger is kept
    from auditlog.models import LogEntry

    assert old_email not in json.dumps(list(LogEntry.objects.values("changes", "object_repr")))
    assert not LogEntry.objects.filter(actor_email=old_email).exists()
    login = APIClient().post(
        "/api/v1/auth/token", {"email": old_email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert login.status_code == 401


def test_erase_rules(admin_client, admin_user, advertiser_client, advertiser_user):
    assert admin_client.post(f"/api/v1/users/{admin_user.pk}/erase").status_code == 400
    assert admin_client.post("/api/v1/users/999999/erase").status_code == 404
    assert advertiser_client.post(f"/api/v1/users/{advertiser_user.pk}/erase").status_code == 403
    assert APIClient().post(f"/api/v1/users/{advertiser_user.pk}/erase").status_code == 401


def test_erasing_a_partner_revokes_its_credentials(admin_client, admin_user):
    partner = UserFactory(role=Role.PARTNER)
    credential, secret = partner_credential_issue(user_id=partner.pk, actor=admin_user)
    admin_client.post(f"/api/v1/users/{partner.pk}/erase")
    assert PartnerCredential.objects.get(pk=credential.pk).revoked_at is not None
    token = APIClient().post(
        "/api/auth/token", {"api_key": credential.api_key, "api_secret": secret}, format="json"
    )
    assert token.status_code == 401
