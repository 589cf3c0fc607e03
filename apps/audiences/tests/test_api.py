"""The audiences API: scoping (owner, other advertiser, admin, anonymous), bad input, list
uploads, lookalikes, the consent ledger and settings, and end-user privacy."""

import hashlib
import io

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.audiences.models import PrivacyRequest
from apps.audiences.services import segment_create
from apps.campaigns.tests.factories import AdvertiserFactory, live_campaign
from apps.delivery.context import user_key_of
from apps.delivery.store import hot_store
from apps.inventory.tests.factories import WebsiteFactory, ZoneFactory
from conftest import client_for

from .tcf_strings import ALL_PURPOSES, tc_string

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    advertiser = AdvertiserFactory()
    return advertiser, client_for(advertiser.user)


@pytest.fixture
def other():
    advertiser = AdvertiserFactory()
    return advertiser, client_for(advertiser.user)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_segment_crud_as_owner(owner):
    _, client = owner
    created = client.post("/api/v1/segments", {"name": "Cart abandoners"}, format="json")
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["ttl_days"] == 90 and data["size"] == 0 and data["uuid"]
    assert data["pixel_url"].endswith(f"/api/v1/track/segment/{data['uuid']}/pixel")
    hot_store().segments_add([(user_key_of("a"), data["id"], 3600)])
    detail = client.get(f"/api/v1/segments/{data['id']}").json()["data"]
    assert detail["size"] == 1 and detail["last_update"]
    listed = client.get("/api/v1/segments").json()
    assert listed["pagination"]["total"] == 1 and listed["data"][0]["size"] == 1
    updated = client.patch(f"/api/v1/segments/{data['id']}", {"ttl_days": 30}, format="json")
    assert updated.json()["data"]["ttl_days"] == 30
    assert client.delete(f"/api/v1/segments/{data['id']}").status_code == 200
    assert client.get(f"/api/v1/segments/{data['id']}").status_code == 404


def test_another_advertisers_segment_is_404_and_admins_see_all(owner, other, admin_client):
    advertiser, _ = owner
    segment = segment_create(advertiser=advertiser, name="Mine")
    _, intruder = other
    for method in ("get", "patch", "delete"):
        response = getattr(intruder, method)(
            f"/api/v1/segments/{segment.pk}", {"name": "x"}, format="json"
        )
        assert response.status_code == 404
    assert intruder.get("/api/v1/segments").json()["pagination"]["total"] == 0
    assert admin_client.get(f"/api/v1/segments/{segment.pk}").status_code == 200
    made = admin_client.post(
        "/api/v1/segments", {"name": "For them", "advertiser_id": advertiser.pk}, format="json"
    )
    assert made.status_code == 201 and made.json()["data"]["advertiser_id"] == advertiser.pk


def test_anonymous_is_401_and_publishers_403(api_client, publisher_client):
    assert api_client.get("/api/v1/segments").status_code == 401
    assert api_client.get("/api/v1/audiences").status_code == 401
    assert api_client.post("/api/v1/consent", {}, format="json").status_code == 401
    assert publisher_client.get("/api/v1/segments").status_code == 403


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, ["body", "name"]),
        ({"name": "x", "ttl_days": 0}, ["body", "ttl_days"]),
        ({"name": "x", "ttl_days": 1000}, ["body", "ttl_days"]),
        ({"name": "x", "colour": "red"}, ["body", "colour"]),
    ],
)
def test_bad_segment_input_is_422(owner, body, path):
    response = owner[1].post("/api/v1/segments", body, format="json")
    assert response.status_code == 422
    assert response.json()["details"][0]["path"] == path


def test_campaign_targeting_names_only_the_advertisers_own_segments(owner, other):
    advertiser, client = owner
    mine = segment_create(advertiser=advertiser, name="Mine")
    theirs = segment_create(advertiser=other[0], name="Theirs")
    campaign = live_campaign(advertiser=advertiser)
    ok = client.patch(
        f"/api/v1/campaigns/{campaign.pk}",
        {"targeting": {"segments": {"include": [mine.pk]}}},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["data"]["targeting"]["segments"] == {"include": [mine.pk], "exclude": []}
    for key in ("include", "exclude"):
        refused = client.patch(
            f"/api/v1/campaigns/{campaign.pk}",
            {"targeting": {"segments": {key: [theirs.pk]}}},
            format="json",
        )
        assert refused.status_code == 422
        assert refused.json()["details"][0]["path"] == ["body", "targeting", "segments", key]
    created = client.post(
        "/api/v1/campaigns",
        {
            "name": "New",
            "bid_amount": "1.00",
            "start_date": str(timezone.now().date()),
            "targeting": {"segments": {"include": [999999]}},
        },
        format="json",
    )
    assert created.status_code == 422


def test_rule_audiences(owner, other):
    advertiser, client = owner
    mine = live_campaign(advertiser=advertiser)
    theirs = live_campaign(advertiser=other[0])
    body = {
        "name": "Clickers",
        "type": "rules",
        "rules": {"lookback_days": 14, "rules": [{"event": "click", "campaigns": [mine.pk]}]},
    }
    created = client.post("/api/v1/audiences", body, format="json")
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["segment"]["source"] == "rules" and data["segment"]["ttl_days"] == 14
    body["rules"]["rules"][0]["campaigns"] = [theirs.pk]
    assert client.post("/api/v1/audiences", body, format="json").status_code == 422
    bad = client.post(
        "/api/v1/audiences",
        {"name": "x", "type": "rules", "rules": {"rules": [{"event": "visit"}]}},
        format="json",
    )
    assert bad.status_code == 422
    assert (
        client.post("/api/v1/audiences", {"name": "x", "type": "rules"}, format="json").status_code
        == 422
    )
    assert other[1].get(f"/api/v1/audiences/{data['id']}").status_code == 404


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the upload's processing) before answering."""
    from contextlib import contextmanager

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def test_list_upload_keeps_good_rows_and_reports_bad_ones(owner, on_commit):
    _, client = owner
    audience = client.post(
        "/api/v1/audiences", {"name": "CRM", "type": "list"}, format="json"
    ).json()["data"]
    rows = [
        "id,op",
        sha("ann@example.com"),
        f"{sha('bob@example.com')},add",
        "plain@example.com",  # not hashed: refused
        f"{sha('carl@example.com')},delete",  # unknown op
        f"{sha('dora@example.com').upper()}",  # upper case digests are fine
        "\rab\rcd,add",  # a stray carriage return: this row is refused, not the upload
    ]
    with on_commit():
        upload = client.post(
            f"/api/v1/audiences/{audience['id']}/uploads",
            {"file": io.BytesIO("\n".join(rows).encode()), "mode": "append"},
            format="multipart",
        )
    assert upload.status_code == 202, upload.json()
    result = client.get(
        f"/api/v1/audiences/{audience['id']}/uploads/{upload.json()['data']['id']}"
    ).json()["data"]
    assert result["status"] == "done" and result["progress"] == 1.0
    assert (result["rows_accepted"], result["rows_rejected"], result["rows_added"]) == (3, 3, 3)
    assert [e["line"] for e in result["errors"]] == [4, 5, 7]
    assert "SHA-256" in result["errors"][0]["reason"]
    segment_id = audience["segment_id"]
    assert segment_id in hot_store().segments_of(user_key_of(sha("ann@example.com")))
    # NDJSON as the raw body: remove one, add one.
    ndjson = (
        f'{{"id": "{sha("ann@example.com")}", "op": "remove"}}\n'
        f'{{"id": "{sha("eve@example.com")}"}}\n'
        "{broken\n"
    )
    with on_commit():
        raw = client.generic(
            "POST",
            f"/api/v1/audiences/{audience['id']}/uploads?mode=append",
            ndjson.encode(),
            content_type="application/x-ndjson",
        )
    assert raw.status_code == 202
    uploads = f"/api/v1/audiences/{audience['id']}/uploads"
    assert client.get(f"{uploads}/{raw.json()['data']['id']}").json()["data"]["rows_rejected"] == 1
    assert segment_id not in hot_store().segments_of(user_key_of(sha("ann@example.com")))
    assert hot_store().segment_stats([segment_id])[segment_id][0] == 3
    # Replace: the segment becomes exactly the added rows.
    with on_commit():
        replaced = client.post(
            uploads,
            {"file": io.BytesIO(sha("zed@example.com").encode()), "mode": "replace"},
            format="multipart",
        )
    replaced = client.get(f"{uploads}/{replaced.json()['data']['id']}").json()["data"]
    assert replaced["rows_removed"] == 3
    assert hot_store().segment_stats([segment_id])[segment_id][0] == 1
    assert (
        client.get(f"/api/v1/audiences/{audience['id']}/uploads").json()["pagination"]["total"] == 3
    )


def test_uploads_only_for_list_audiences(owner):
    client = owner[1]
    segment_audience = client.post(
        "/api/v1/audiences",
        {"name": "R", "type": "rules", "rules": {"rules": [{"event": "impression"}]}},
        format="json",
    ).json()["data"]
    response = client.post(
        f"/api/v1/audiences/{segment_audience['id']}/uploads",
        {"file": io.BytesIO(b"x")},
        format="multipart",
    )
    assert response.status_code == 422


def _impressions(rows):
    """Raw impressions: (user key, zone) pairs."""
    import uuid

    from apps.delivery.models import ImpressionEvent

    ImpressionEvent.objects.bulk_create(
        ImpressionEvent(
            uuid=uuid.uuid4(),
            occurred_at=timezone.now(),
            impression_uuid=uuid.uuid4(),
            zone_id=zone.pk,
            ad_id=1,
            campaign_id=1,
            advertiser_id=1,
            publisher_id=zone.website.publisher_id,
            user_key=key,
        )
        for key, zone in rows
    )


def test_lookalike_estimate_and_build(owner, django_capture_on_commit_callbacks):
    advertiser, client = owner
    sports, news = ZoneFactory(website__category="sports"), ZoneFactory(website__category="news")
    seed = segment_create(advertiser=advertiser, name="Buyers")
    hot_store().segments_add([("seed-1", seed.pk, 3600), ("seed-2", seed.pk, 3600)])
    _impressions(
        [
            *[("seed-1", sports), ("seed-1", sports), ("seed-2", sports), ("seed-2", news)],
            *[("fan-1", sports), ("fan-2", sports), ("fan-2", sports)],
            *[("reader-1", news), ("reader-2", news)],
        ]
    )
    estimate = client.post(
        "/api/v1/audiences/lookalike-estimate",
        {"seed_segment_id": seed.pk, "similarity_threshold": "0.8"},
        format="json",
    )
    assert estimate.status_code == 200
    data = estimate.json()["data"]
    assert (data["seed_size"], data["seed_with_behaviour"], data["candidates"]) == (2, 2, 6)
    assert data["sample_matches"] == 2 and data["estimated_size"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/audiences",
            {
                "name": "Like buyers",
                "type": "lookalike",
                "seed_segment_id": seed.pk,
                "similarity_threshold": "0.8",
            },
            format="json",
        )
    assert created.status_code == 201
    audience = client.get(f"/api/v1/audiences/{created.json()['data']['id']}").json()["data"]
    assert audience["status"] == "ready" and audience["estimated_size"] == 2
    members = set(hot_store().segment_members(audience["segment_id"], count=100)[1])
    assert members == {"fan-1", "fan-2"}
    theirs = segment_create(advertiser=AdvertiserFactory(), name="Theirs")
    refused = client.post(
        "/api/v1/audiences",
        {"name": "x", "type": "lookalike", "seed_segment_id": theirs.pk},
        format="json",
    )
    assert refused.status_code == 422


def test_consent_settings_and_ledger(publisher_client, admin_client):
    mine = WebsiteFactory(publisher__user=publisher_client.user)
    theirs = WebsiteFactory()
    url = f"/api/v1/websites/{mine.pk}/consent-settings"
    assert publisher_client.get(url).json()["data"]["gdpr_applies"] == "country"
    updated = publisher_client.put(
        url, {"gdpr_applies": "always", "vendor_id": 42, "without_consent": "none"}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["data"]["vendor_id"] == 42
    bad = publisher_client.put(url, {"without_consent": "maybe"}, format="json")
    assert bad.status_code == 422
    assert publisher_client.get(f"/api/v1/websites/{theirs.pk}/consent-settings").status_code == 404
    posted = publisher_client.post(
        "/api/v1/consent",
        {
            "website_id": mine.pk,
            "user_key": "visitor-9",
            "gdpr": 1,
            "gdpr_consent": tc_string(purposes=ALL_PURPOSES, vendors=(42,)),
        },
        format="json",
    )
    assert posted.status_code == 201
    record = posted.json()["data"]
    assert record["tcf_valid"] and record["vendor_consent"] and record["personalised"]
    assert record["user_key"] == user_key_of("visitor-9")
    invalid = publisher_client.post(
        "/api/v1/consent",
        {"website_id": mine.pk, "gdpr": 1, "gdpr_consent": "broken!", "gpp": "nope"},
        format="json",
    )
    assert invalid.status_code == 201
    assert invalid.json()["data"]["tcf_valid"] is False
    assert invalid.json()["data"]["gpp_valid"] is False
    assert invalid.json()["data"]["personalised"] is False
    assert (
        publisher_client.post(
            "/api/v1/consent", {"website_id": theirs.pk, "gdpr": 1}, format="json"
        ).status_code
        == 404
    )
    assert publisher_client.get("/api/v1/consent").json()["pagination"]["total"] == 2
    assert (
        admin_client.get("/api/v1/consent", {"website_id": mine.pk}).json()["pagination"]["total"]
        == 2
    )
    assert admin_client.get("/api/v1/consent/stats").status_code == 200
    assert publisher_client.get("/api/v1/consent/stats").status_code == 403


def test_end_user_export_and_erasure_for_admins(admin_client, advertiser_client, owner):
    from apps.audiences.models import ConsentRecord
    from apps.delivery.store import frequency_key

    advertiser, _ = owner
    segment = segment_create(advertiser=advertiser, name="S")
    key = user_key_of("person")
    capped = live_campaign(
        advertiser=advertiser, frequency_cap_impressions=3, frequency_cap_window_hours=1
    )
    hot_store().segments_add([(key, segment.pk, 3600)])
    hot_store().add([(frequency_key(capped.pk, key), 2, 3600)])
    ConsentRecord.objects.create(
        recorded_at=timezone.now(),
        source="api",
        user_key=key,
        user_key_allowed=True,
        personalised=True,
        measurement=True,
    )
    _impressions([(key, ZoneFactory())])
    assert advertiser_client.get(f"/api/v1/privacy/users/{key}").status_code == 403
    exported = admin_client.get(f"/api/v1/privacy/users/{key}").json()["data"]
    assert [s["segment_id"] for s in exported["segments"]] == [segment.pk]
    assert exported["frequency_counters"] == [{"campaign_id": capped.pk, "impressions": 2}]
    assert len(exported["consent_records"]) == 1 and exported["impressions"]["count"] == 1
    by_visitor = admin_client.get("/api/v1/privacy/users/person", {"id_type": "visitor_id"})
    assert by_visitor.json()["data"]["user_key"] == key
    erased = admin_client.delete(f"/api/v1/privacy/users/{key}").json()["data"]
    assert erased["segments_left"] == [segment.pk] and erased["consent_records_deleted"] == 1
    assert erased["impressions_unkeyed"] == 1
    after = admin_client.get(f"/api/v1/privacy/users/{key}").json()["data"]
    assert after["segments"] == [] and after["consent_records"] == []
    assert after["frequency_counters"] in ([], [{"campaign_id": capped.pk, "impressions": 0}])
    assert after["impressions"]["count"] == 0
    assert list(PrivacyRequest.objects.values_list("action", flat=True).order_by("id")) == [
        "export",
        "export",
        "erase",
        "export",
    ]
    assert UserFactory(role=Role.ADMIN)  # more admins change nothing
