"""The audit log: who changed what, from where, before and after, secrets masked; the admin
API with filters, pages and CSV; read-only in Django admin."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.platform_settings import MASK
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdvertiserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-log"
CAMPAIGN = {
    "name": "Audited",
    "bid_amount": "1.50",
    "daily_budget": "10.00",
    "start_date": "2026-03-10",
}


@pytest.fixture
def advertiser(advertiser_user):
    return AdvertiserFactory(user=advertiser_user)


def entries_for(model: str):
    return LogEntry.objects.filter(content_type__model=model).order_by("id")


def test_api_change_records_actor_ip_and_before_after(advertiser, advertiser_client):
    response = advertiser_client.post(
        "/api/v1/campaigns", CAMPAIGN, format="json", REMOTE_ADDR="203.0.113.9"
    )
    campaign_id = response.json()["data"]["id"]
    advertiser_client.patch(
        f"/api/v1/campaigns/{campaign_id}", {"bid_amount": "2.25"}, format="json"
    )
    created, updated = entries_for("campaign")
    assert created.action == LogEntry.Action.CREATE
    assert created.actor_id == advertiser.user.pk
    assert created.actor_email == advertiser.user.email
    assert created.remote_addr == "203.0.113.9"
    assert updated.changes["bid_amount"] == ["1.50", "2.25"]
    assert "updated_at" not in updated.changes


def test_secrets_are_masked(admin_user, admin_client):
    admin_client.put(
        "/api/v1/settings",
        {"stripe_secret_key": "sk_live_TOPSECRET", "site_name": "Net"},
        format="json",
    )
    admin_client.put("/api/v1/settings", {"stripe_secret_key": "sk_live_OTHER"}, format="json")
    entries = [(e.object_repr, e.changes["value"]) for e in entries_for("platformsetting")]
    assert entries == [
        ("site_name", ["None", "Net"]),
        ("stripe_secret_key", ["None", MASK]),
        ("stripe_secret_key", [MASK, MASK]),
    ]
    assert "sk_live_" not in str(list(LogEntry.objects.values_list("changes", flat=True)))

    webhook = admin_client.post(
        "/api/v1/webhooks",
        {"name": "Hook", "url": "https://hooks.example.com/x", "events": ["campaign.created"]},
        format="json",
    ).json()
    secret = webhook["secret"]
    entry = entries_for("webhook").first()
    assert entry.changes["secret"] == ["None", MASK]
    assert secret not in str(list(LogEntry.objects.values_list("changes", flat=True)))

    user = UserFactory(role=Role.PARTNER)
    issued = admin_client.post(
        "/api/v1/partner-credentials", {"user_id": user.pk}, format="json"
    ).json()
    entry = entries_for("partnercredential").first()
    assert entry.changes["secret_hash"][1] == MASK
    assert issued["api_secret"] not in str(entry.changes)
    password_change = admin_client.patch(
        f"/api/v1/users/{user.pk}", {"password": "An0ther-Strong-pass"}, format="json"
    )
    assert password_change.status_code == 200
    assert entries_for("user").last().changes["password"] == [MASK, MASK]


def test_admin_api_filters_pages_and_csv(admin_client, advertiser, advertiser_client):
    for index in range(3):
        advertiser_client.post(
            "/api/v1/campaigns", {**CAMPAIGN, "name": f"C {index}"}, format="json"
        )
    campaign_id = entries_for("campaign").first().object_id
    body = admin_client.get(URL, {"object_type": "campaign", "per_page": 2}).json()
    assert body["pagination"]["total"] == 3 and len(body["data"]) == 2
    entry = body["data"][0]
    assert set(entry) >= {"action", "actor_id", "actor_email", "ip", "changes", "timestamp"}
    by_object = admin_client.get(URL, {"object_type": "campaign", "object_id": campaign_id})
    assert [e["object_id"] for e in by_object.json()["data"]] == [campaign_id]
    by_actor = admin_client.get(URL, {"actor_id": advertiser.user.pk, "action": "create"}).json()
    assert {e["object_type"] for e in by_actor["data"]} == {"campaign"}
    none_yet = admin_client.get(URL, {"to": "2000-01-01"}).json()
    assert none_yet["data"] == []
    response = admin_client.get(URL, {"object_type": "campaign", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["id", "timestamp", "action"] and len(rows) == 4


@pytest.mark.parametrize(
    "query",
    [
        {"object_type": "nothing"},
        {"object_id": "x"},
        {"from": "2026-02-30"},
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"format": "xml"},
        {"surprise": "1"},
    ],
)
def test_bad_filters_are_422(admin_client, query):
    response = admin_client.get(URL, query)
    assert response.status_code == 422
    assert response.json()["success"] is False


def test_only_admins_read_it(advertiser_client, finance_user):
    assert advertiser_client.get(URL).status_code == 403
    assert client_for(finance_user).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401


def test_read_only_in_django_admin(admin_user, advertiser, advertiser_client):
    advertiser_client.post("/api/v1/campaigns", CAMPAIGN, format="json")
    entry = entries_for("campaign").first()
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/auditlog/logentry/").status_code == 200
    assert client.get("/admin/auditlog/logentry/", {"q": advertiser.user.email}).status_code == 200
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/auditlog/logentry/add/").status_code == 403
    client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"})
    assert LogEntry.objects.filter(pk=entry.pk).exists()
