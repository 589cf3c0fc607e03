"""The campaigns API: CRUD, transitions, create-or-resolve, acting on behalf, roles."""

import datetime
from decimal import Decimal

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.targeting import targeting_default
from apps.campaigns.tests.conftest import VersionWatch, assert_error, events
from apps.campaigns.tests.factories import AdvertiserFactory, CampaignFactory

URL = "/api/v1/campaigns"
SEED = {
    "name": "Summer Sale",
    "bid_amount": "1.50",
    "daily_budget": "50.00",
    "start_date": "2026-03-10",
    "end_date": None,
}
OUTPUT_KEYS = {
    "id",
    "name",
    "status",
    "pricing_model",
    "bid_amount",
    "daily_budget",
    "total_budget",
    "start_date",
    "end_date",
    "pacing",
    "priority",
    "rotation",
    "channels",
    "frequency_cap",
    "targeting",
    "category",
    "source",
    "advertiser_id",
    "created_at",
    "updated_at",
}


def detail(campaign_id) -> str:
    return f"{URL}/{campaign_id}"


# --- Create -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_seed_payload(advertiser_client, advertiser, django_capture_on_commit_callbacks):
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.post(URL, SEED, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == OUTPUT_KEYS
    assert data["name"] == "Summer Sale"
    assert data["status"] == "draft"
    assert data["pricing_model"] == "cpm"
    assert data["pacing"] == "even"
    assert data["priority"] == "standard"
    assert data["bid_amount"] == "1.50"
    assert data["daily_budget"] == "50.00"
    assert data["total_budget"] is None
    assert data["start_date"] == "2026-03-10"
    assert data["end_date"] is None
    assert data["frequency_cap"] is None
    assert data["targeting"] == targeting_default()
    assert data["source"] is None
    assert data["advertiser_id"] == advertiser.pk
    created = events("campaign.created")
    assert len(created) == 1
    assert created[0].data == data
    assert created[0].owner == advertiser.user
    assert watch.bumped


@pytest.mark.django_db
def test_create_makes_profile_for_advertiser_without_one(advertiser_client, advertiser_user):
    response = advertiser_client.post(URL, SEED, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["advertiser_id"] == advertiser_user.advertiser.pk


@pytest.mark.django_db
def test_create_full_payload(advertiser_client, advertiser):
    payload = {
        **SEED,
        "status": "active",
        "pricing_model": "cpc",
        "total_budget": "1000.00",
        "end_date": "2026-04-10",
        "pacing": "asap",
        "priority": "sponsorship",
        "frequency_cap": {"impressions": 3, "window_hours": 24},
        "targeting": {"countries": ["US", "CA"], "devices": ["mobile"], "days": [4, 0]},
        "category": "outdoor",
    }
    response = advertiser_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["status"] == "active"
    assert data["pricing_model"] == "cpc"
    assert data["total_budget"] == "1000.00"
    assert data["end_date"] == "2026-04-10"
    assert data["pacing"] == "asap"
    assert data["priority"] == "sponsorship"
    assert data["frequency_cap"] == {"impressions": 3, "window_hours": 24}
    assert data["targeting"]["countries"] == ["US", "CA"]
    assert data["targeting"]["days"] == [0, 4]
    assert data["targeting"]["websites"] == {"include": [], "exclude": []}
    assert data["category"] == "outdoor"
    assert not events("campaign.status_changed")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"end_date": "2026-03-09"}, ["body", "end_date"], "end_before_start"),
        ({"bid_amount": "-1.00"}, ["body", "bid_amount"], "too_small"),
        ({"bid_amount": "0"}, ["body", "bid_amount"], "too_small"),
        ({"bid_amount": "abc"}, ["body", "bid_amount"], "invalid_type"),
        ({"bid_amount": "1.555"}, ["body", "bid_amount"], "invalid_number"),
        ({"daily_budget": "-5"}, ["body", "daily_budget"], "too_small"),
        ({"total_budget": "-0.01"}, ["body", "total_budget"], "too_small"),
        ({"name": "x" * 201}, ["body", "name"], "too_big"),
        ({"name": "ab"}, ["body", "name"], "too_small"),
        ({"name": None}, ["body", "name"], "invalid_type"),
        ({"start_date": "not-a-date"}, ["body", "start_date"], "invalid_type"),
        ({"status": "paused"}, ["body", "status"], "invalid_enum_value"),
        ({"pricing_model": "cpv"}, ["body", "pricing_model"], "invalid_enum_value"),
        ({"pacing": "fast"}, ["body", "pacing"], "invalid_enum_value"),
        ({"priority": "top"}, ["body", "priority"], "invalid_enum_value"),
        ({"frequency_cap": {"impressions": 0, "window_hours": 1}}, None, None),
        ({"frequency_cap": {"impressions": 3}}, ["body", "frequency_cap", "window_hours"], None),
        ({"frequency_cap": "3/day"}, ["body", "frequency_cap"], None),
        ({"category": "Not A Slug"}, ["body", "category"], "invalid_string"),
        ({"source": "partner"}, ["body", "source"], "invalid_type"),
        ({"source": {"reference_id": ""}}, ["body", "source", "reference_id"], None),
        ({"unexpected": 1}, ["body", "unexpected"], "unrecognized_keys"),
    ],
)
def test_create_validation(advertiser_client, advertiser, change, path, code):
    response = advertiser_client.post(URL, {**SEED, **change}, format="json")
    body = assert_error(response, 422, "validation_failed", path)
    if code is not None:
        assert code in [d["code"] for d in body["details"]], body
    assert not Campaign.objects.exists()
    assert not events("campaign.created")


@pytest.mark.django_db
def test_create_missing_required_fields(advertiser_client, advertiser):
    body = assert_error(advertiser_client.post(URL, {}, format="json"), 422)
    paths = {tuple(d["path"]) for d in body["details"]}
    assert {("body", "name"), ("body", "bid_amount"), ("body", "start_date")} <= paths


@pytest.mark.django_db
def test_create_malformed_json(advertiser_client, advertiser):
    response = advertiser_client.post(URL, "{not json", content_type="application/json")
    assert_error(response, 400)


@pytest.mark.django_db
def test_create_with_past_start_date_is_fine(advertiser_client, advertiser):
    payload = {**SEED, "start_date": "2020-01-01"}
    assert advertiser_client.post(URL, payload, format="json").status_code == 201


@pytest.mark.django_db
def test_idempotency_key_replays(advertiser_client, advertiser):
    first = advertiser_client.post(URL, SEED, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = advertiser_client.post(URL, SEED, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Campaign.objects.count() == 1
    assert len(events("campaign.created")) == 1


# --- Create-or-resolve by source ----------------------------------------------------------


@pytest.mark.django_db
def test_create_or_resolve_by_source(advertiser_client, advertiser):
    payload = {**SEED, "source": {"system": "partner-x", "reference_id": "order-1", "n": [1]}}
    first = advertiser_client.post(URL, payload, format="json")
    second = advertiser_client.post(URL, {**payload, "name": "Other name"}, format="json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert second.json()["data"]["name"] == "Summer Sale"
    assert first.json()["data"]["source"] == payload["source"]
    assert Campaign.objects.count() == 1
    assert len(events("campaign.created")) == 1


@pytest.mark.django_db
def test_source_reference_is_per_advertiser(advertiser_client, other_client, advertiser):
    payload = {**SEED, "source": {"system": "x", "reference_id": 77}}
    mine = advertiser_client.post(URL, payload, format="json")
    theirs = other_client.post(URL, payload, format="json")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["data"]["id"] != theirs.json()["data"]["id"]


@pytest.mark.django_db
def test_source_reference_free_again_after_delete(advertiser_client, advertiser):
    payload = {**SEED, "source": {"reference_id": "r-9"}}
    first = advertiser_client.post(URL, payload, format="json").json()["data"]
    assert advertiser_client.delete(detail(first["id"])).status_code == 200
    again = advertiser_client.post(URL, payload, format="json")
    assert again.status_code == 201
    assert again.json()["data"]["id"] != first["id"]


@pytest.mark.django_db
def test_resolve(advertiser_client, other_client, advertiser):
    payload = {**SEED, "source": {"system": "x", "reference_id": "abc"}}
    created = advertiser_client.post(URL, payload, format="json").json()["data"]
    found = advertiser_client.get(f"{URL}/resolve", {"reference_id": "abc"})
    assert found.status_code == 200
    assert found.json()["data"]["id"] == created["id"]
    assert_error(advertiser_client.get(f"{URL}/resolve", {"reference_id": "nope"}), 404)
    assert_error(other_client.get(f"{URL}/resolve", {"reference_id": "abc"}), 404)
    assert_error(advertiser_client.get(f"{URL}/resolve"), 422, path=["query", "reference_id"])


@pytest.mark.django_db
def test_resolve_as_admin_with_and_without_advertiser(admin_client):
    one, two = AdvertiserFactory(), AdvertiserFactory()
    a = CampaignFactory(advertiser=one, source={"reference_id": "same"}, source_reference_id="same")
    CampaignFactory(advertiser=two, source={"reference_id": "same"}, source_reference_id="same")
    ambiguous = admin_client.get(f"{URL}/resolve", {"reference_id": "same"})
    assert_error(ambiguous, 409, "ambiguous_reference_id")
    found = admin_client.get(f"{URL}/resolve", {"reference_id": "same", "advertiser_id": one.pk})
    assert found.json()["data"]["id"] == a.pk


@pytest.mark.django_db
def test_source_reference_update_conflict(advertiser_client, advertiser):
    CampaignFactory(advertiser=advertiser, source={"reference_id": "a"}, source_reference_id="a")
    other = CampaignFactory(advertiser=advertiser)
    response = advertiser_client.put(
        detail(other.pk), {"source": {"reference_id": "a"}}, format="json"
    )
    assert_error(response, 409, "duplicate_reference_id")
    ok = advertiser_client.put(detail(other.pk), {"source": {"reference_id": "b"}}, format="json")
    assert ok.status_code == 200
    other.refresh_from_db()
    assert other.source_reference_id == "b"


# --- List and retrieve --------------------------------------------------------------------


@pytest.mark.django_db
def test_list_is_scoped_and_paginated(advertiser_client, advertiser, other_advertiser):
    mine = CampaignFactory.create_batch(3, advertiser=advertiser)
    CampaignFactory.create_batch(2, advertiser=other_advertiser)
    response = advertiser_client.get(URL, {"per_page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "per_page": 2, "count": 2, "total": 3, "pages": 2}
    page2 = advertiser_client.get(URL, {"per_page": 2, "page": 2}).json()
    ids = {c["id"] for c in body["data"]} | {c["id"] for c in page2["data"]}
    assert ids == {c.pk for c in mine}


@pytest.mark.django_db
def test_list_filters(advertiser_client, advertiser):
    active = CampaignFactory(advertiser=advertiser, status="active", pricing_model="cpc")
    CampaignFactory(advertiser=advertiser, status="draft", pricing_model="cpc")
    CampaignFactory(advertiser=advertiser, status="active", pricing_model="cpm")
    data = advertiser_client.get(URL, {"status": "active", "pricing_model": "cpc"}).json()
    assert [c["id"] for c in data["data"]] == [active.pk]
    assert len(advertiser_client.get(URL, {"status": "active"}).json()["data"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"status": "running"}, ["query", "status"]),
        ({"pricing_model": "x"}, ["query", "pricing_model"]),
        ({"page": "0"}, ["query", "page"]),
        ({"per_page": "abc"}, ["query", "per_page"]),
    ],
)
def test_list_bad_query(advertiser_client, advertiser, params, path):
    assert_error(advertiser_client.get(URL, params), 422, path=path)


@pytest.mark.django_db
def test_admin_and_finance_list_all(admin_client, finance_client):
    CampaignFactory.create_batch(2)
    CampaignFactory(advertiser=AdvertiserFactory())
    for client in (admin_client, finance_client):
        assert client.get(URL).json()["pagination"]["total"] == 3


@pytest.mark.django_db
def test_admin_filters_by_advertiser(admin_client):
    one = CampaignFactory()
    CampaignFactory()
    data = admin_client.get(URL, {"advertiser_id": one.advertiser_id}).json()["data"]
    assert [c["id"] for c in data] == [one.pk]


@pytest.mark.django_db
def test_retrieve(advertiser_client, other_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    response = advertiser_client.get(detail(campaign.pk))
    assert response.status_code == 200
    assert response.json()["data"]["id"] == campaign.pk
    assert_error(other_client.get(detail(campaign.pk)), 404, "not_found")
    assert_error(advertiser_client.get(detail(999999)), 404, "not_found")


# --- Roles --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_401(api_client):
    campaign = CampaignFactory()
    for response in (
        api_client.get(URL),
        api_client.post(URL, SEED, format="json"),
        api_client.get(detail(campaign.pk)),
        api_client.put(detail(campaign.pk), {"name": "New name"}, format="json"),
        api_client.delete(detail(campaign.pk)),
        api_client.post(f"{detail(campaign.pk)}/pause"),
        api_client.get(f"{URL}/resolve", {"reference_id": "x"}),
    ):
        assert_error(response, 401)


@pytest.mark.django_db
def test_publisher_is_403(publisher_client):
    campaign = CampaignFactory()
    for response in (
        publisher_client.get(URL),
        publisher_client.post(
            URL, {**SEED, "advertiser_id": campaign.advertiser_id}, format="json"
        ),
        publisher_client.get(detail(campaign.pk)),
        publisher_client.patch(detail(campaign.pk), {"name": "New name"}, format="json"),
        publisher_client.delete(detail(campaign.pk)),
        publisher_client.post(f"{detail(campaign.pk)}/resume"),
        publisher_client.get(f"{URL}/resolve", {"reference_id": "x"}),
    ):
        assert_error(response, 403, "forbidden")


@pytest.mark.django_db
def test_finance_reads_but_cannot_write(finance_client):
    campaign = CampaignFactory(status="active")
    assert finance_client.get(detail(campaign.pk)).status_code == 200
    payload = {**SEED, "advertiser_id": campaign.advertiser_id}
    for response in (
        finance_client.post(URL, payload, format="json"),
        finance_client.put(detail(campaign.pk), {"name": "New name"}, format="json"),
        finance_client.delete(detail(campaign.pk)),
        finance_client.post(f"{detail(campaign.pk)}/pause"),
    ):
        assert_error(response, 403)
    campaign.refresh_from_db()
    assert campaign.status == "active" and campaign.deleted_at is None


# --- Acting on behalf ---------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_must_name_advertiser(admin_client):
    assert_error(
        admin_client.post(URL, SEED, format="json"),
        422,
        "validation_failed",
        ["body", "advertiser_id"],
    )
    target = AdvertiserFactory()
    response = admin_client.post(URL, {**SEED, "advertiser_id": target.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["advertiser_id"] == target.pk
    assert events("campaign.created")[0].owner == target.user
    missing = admin_client.post(URL, {**SEED, "advertiser_id": 999999}, format="json")
    assert_error(missing, 404, path=["body", "advertiser_id"])


@pytest.mark.django_db
def test_advertiser_cannot_act_for_another(advertiser_client, advertiser, other_advertiser):
    response = advertiser_client.post(
        URL, {**SEED, "advertiser_id": other_advertiser.pk}, format="json"
    )
    assert_error(response, 404)
    own = advertiser_client.post(URL, {**SEED, "advertiser_id": advertiser.pk}, format="json")
    assert own.status_code == 201
    assert not other_advertiser.campaigns.exists()


@pytest.mark.django_db
def test_partner_acts_for_managed_advertisers_only(partner_client, partner_user):
    managed, unmanaged = AdvertiserFactory(), AdvertiserFactory()
    managed.managers.add(partner_user)
    response = partner_client.post(URL, {**SEED, "advertiser_id": managed.pk}, format="json")
    assert response.status_code == 201, response.content
    campaign_id = response.json()["data"]["id"]
    assert events("campaign.created")[0].owner == managed.user

    refused = partner_client.post(URL, {**SEED, "advertiser_id": unmanaged.pk}, format="json")
    assert_error(refused, 404, path=["body", "advertiser_id"])
    assert_error(partner_client.post(URL, SEED, format="json"), 422, path=["body", "advertiser_id"])

    theirs = CampaignFactory(advertiser=unmanaged)
    listed = partner_client.get(URL).json()["data"]
    assert [c["id"] for c in listed] == [campaign_id]
    assert_error(partner_client.get(detail(theirs.pk)), 404)
    updated = partner_client.patch(detail(campaign_id), {"name": "Renamed"}, format="json")
    assert updated.json()["data"]["name"] == "Renamed"


@pytest.mark.django_db
def test_update_cannot_move_advertiser(admin_client):
    campaign = CampaignFactory()
    other = AdvertiserFactory()
    same = admin_client.put(
        detail(campaign.pk), {"advertiser_id": campaign.advertiser_id}, format="json"
    )
    assert same.status_code == 200
    moved = admin_client.put(detail(campaign.pk), {"advertiser_id": other.pk}, format="json")
    assert_error(moved, 422, path=["body", "advertiser_id"])


# --- Update and transitions ---------------------------------------------------------------


@pytest.mark.django_db
def test_update_partial(advertiser_client, advertiser, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(advertiser=advertiser, end_date=datetime.date(2026, 5, 1))
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.put(
            detail(campaign.pk),
            {"bid_amount": "2.10", "frequency_cap": {"impressions": 5, "window_hours": 12}},
            format="json",
        )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["bid_amount"] == "2.10"
    assert data["name"] == campaign.name
    assert data["end_date"] == "2026-05-01"
    assert data["frequency_cap"] == {"impressions": 5, "window_hours": 12}
    assert watch.bumped
    assert not events("campaign.status_changed")

    cleared = advertiser_client.patch(
        detail(campaign.pk), {"frequency_cap": None, "end_date": None}, format="json"
    )
    assert cleared.json()["data"]["frequency_cap"] is None
    assert cleared.json()["data"]["end_date"] is None


@pytest.mark.django_db
def test_update_end_before_existing_start(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, start_date=datetime.date(2026, 3, 10))
    response = advertiser_client.patch(
        detail(campaign.pk), {"end_date": "2026-03-01"}, format="json"
    )
    assert_error(response, 422, path=["body", "end_date"])
    campaign.refresh_from_db()
    assert campaign.end_date is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"bid_amount": "-1"}, ["body", "bid_amount"]),
        ({"name": "y" * 250}, ["body", "name"]),
        ({"status": "deleted"}, ["body", "status"]),
        ({"targeting": {"countries": ["XX"]}}, ["body", "targeting", "countries", 0]),
        ({"id": 5}, ["body", "id"]),
    ],
)
def test_update_validation(advertiser_client, advertiser, change, path):
    campaign = CampaignFactory(advertiser=advertiser)
    assert_error(advertiser_client.put(detail(campaign.pk), change, format="json"), 422, path=path)


@pytest.mark.django_db
def test_status_change_emits_event(
    advertiser_client, advertiser, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(advertiser=advertiser)
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.put(detail(campaign.pk), {"status": "active"}, format="json")
    assert response.json()["data"]["status"] == "active"
    changed = events("campaign.status_changed")
    assert len(changed) == 1
    assert changed[0].data == {"campaign_id": campaign.pk, "from": "draft", "to": "active"}
    assert changed[0].owner == advertiser.user
    assert watch.bumped
    # Same status again: no change, no event.
    advertiser_client.put(detail(campaign.pk), {"status": "active"}, format="json")
    assert len(events("campaign.status_changed")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("draft", "paused"),
        ("draft", "completed"),
        ("completed", "active"),
        ("archived", "active"),
        ("archived", "draft"),
        ("active", "draft"),
    ],
)
def test_bad_transition_is_400(advertiser_client, advertiser, start, target):
    campaign = CampaignFactory(advertiser=advertiser, status=start)
    response = advertiser_client.put(detail(campaign.pk), {"status": target}, format="json")
    assert_error(response, 400, "invalid_status_transition")
    campaign.refresh_from_db()
    assert campaign.status == start
    assert not events("campaign.status_changed")


@pytest.mark.django_db
def test_bad_transition_saves_nothing_else(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="draft")
    response = advertiser_client.put(
        detail(campaign.pk), {"status": "paused", "name": "Changed name"}, format="json"
    )
    assert_error(response, 400)
    campaign.refresh_from_db()
    assert campaign.name != "Changed name"


@pytest.mark.django_db
def test_pause_and_resume(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    paused = advertiser_client.post(f"{detail(campaign.pk)}/pause")
    assert paused.status_code == 200
    assert paused.json()["data"]["status"] == "paused"
    resumed = advertiser_client.post(f"{detail(campaign.pk)}/resume")
    assert resumed.json()["data"]["status"] == "active"
    assert [e.data["to"] for e in events("campaign.status_changed")] == ["paused", "active"]
    draft = CampaignFactory(advertiser=advertiser, status="draft")
    assert_error(advertiser_client.post(f"{detail(draft.pk)}/pause"), 400)


@pytest.mark.django_db
def test_pause_other_owner_is_404(other_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    assert_error(other_client.post(f"{detail(campaign.pk)}/pause"), 404)
    campaign.refresh_from_db()
    assert campaign.status == "active"


# --- Delete -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_soft_delete(advertiser_client, advertiser, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(advertiser=advertiser, status="active")
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.delete(detail(campaign.pk))
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert watch.bumped
    assert_error(advertiser_client.get(detail(campaign.pk)), 404)
    assert_error(advertiser_client.delete(detail(campaign.pk)), 404)
    assert advertiser_client.get(URL).json()["data"] == []
    campaign.refresh_from_db()
    assert campaign.deleted_at is not None
    deleted = events("campaign.deleted")
    assert len(deleted) == 1
    assert deleted[0].data["campaign_id"] == campaign.pk


@pytest.mark.django_db
def test_delete_other_owner_is_404(other_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    assert_error(other_client.delete(detail(campaign.pk)), 404)
    campaign.refresh_from_db()
    assert campaign.deleted_at is None


@pytest.mark.django_db
def test_money_is_two_place_string(advertiser_client, advertiser):
    CampaignFactory(advertiser=advertiser, bid_amount=Decimal("3"), daily_budget=None)
    data = advertiser_client.get(URL).json()["data"][0]
    assert data["bid_amount"] == "3.00"
    assert data["daily_budget"] is None


@pytest.mark.django_db
def test_channels_default_to_own_and_accept_rtb(advertiser_client):
    body = {
        "name": "Exchange buyer",
        "bid_amount": "2.00",
        "start_date": "2026-03-10",
        "channels": ["own", "rtb"],
    }
    response = advertiser_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["channels"] == ["own", "rtb"]
    body.update(name="Own only")
    del body["channels"]
    assert advertiser_client.post(URL, body, format="json").json()["data"]["channels"] == ["own"]
    for bad in ([], ["tv"], ["rtb", "rtb"]):
        body.update(channels=bad)
        response = advertiser_client.post(URL, body, format="json")
        assert response.status_code == 422, (bad, response.content)
        assert response.json()["details"][0]["path"][:2] == ["body", "channels"]
