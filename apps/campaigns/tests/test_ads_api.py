"""The ads API: creatives per type, review, events, scoping and roles."""

import pytest
from django.test import override_settings

from apps.accounts.platform_settings import settings_update
from apps.campaigns.models import Ad
from apps.campaigns.tests.conftest import VersionWatch, assert_error, events
from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory

URL = "/api/v1/ads"
SEED = {
    "name": "Banner Ad 300x250",
    "type": "banner",
    "headline": "Click Here",
    "destination_url": "https://example.com",
    "image_url": "https://cdn.example.com/banner.jpg",
    "width": 300,
    "height": 250,
}
VALID = {
    "banner": SEED,
    "text": {
        "name": "Text",
        "type": "text",
        "headline": "Great boots",
        "body": "Warm and dry.",
        "destination_url": "http://example.com/boots",
    },
    "native": {
        "name": "Native",
        "type": "native",
        "headline": "Gear up",
        "body": "30% off this week.",
        "image_url": "https://cdn.example.com/n.png",
        "call_to_action": "Shop now",
        "sponsor": "Acme",
        "destination_url": "https://example.com",
    },
    "html": {
        "name": "HTML",
        "type": "html",
        "html": "<div>Hello</div>",
        "width": 728,
        "height": 90,
        "destination_url": "https://example.com",
    },
    "video": {
        "name": "Video",
        "type": "video",
        "video_url": "https://cdn.example.com/v.mp4",
        "video_mime": "video/mp4",
        "duration_seconds": 15,
        "destination_url": "https://example.com",
    },
}


def detail(ad_id) -> str:
    return f"{URL}/{ad_id}"


@pytest.fixture
def campaign(advertiser):
    return CampaignFactory(advertiser=advertiser, status="active")


# --- Create -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_seed_payload(
    advertiser_client, advertiser, campaign, django_capture_on_commit_callbacks
):
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.post(URL, {**SEED, "campaign_id": campaign.pk}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["campaign_id"] == campaign.pk
    assert data["advertiser_id"] == advertiser.pk
    assert data["uuid"]
    assert data["type"] == "banner"
    assert (data["width"], data["height"]) == (300, 250)
    assert data["status"] == "active"
    assert data["review_status"] == "pending"
    assert data["weight"] == 100
    assert data["html"] == "" and data["video_url"] == "" and data["duration_seconds"] is None
    created = events("ad.created")
    assert len(created) == 1
    assert created[0].data == data
    assert created[0].owner == advertiser.user
    assert watch.bumped


@pytest.mark.django_db
@pytest.mark.parametrize("ad_type", list(VALID))
def test_create_every_type(advertiser_client, campaign, ad_type):
    response = advertiser_client.post(
        URL, {**VALID[ad_type], "campaign_id": campaign.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"]["type"] == ad_type


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ad_type", "drop", "path"),
    [
        ("banner", "image_url", ["body", "image_url"]),
        ("banner", "width", ["body", "width"]),
        ("text", "headline", ["body", "headline"]),
        ("native", "body", ["body", "body"]),
        ("native", "image_url", ["body", "image_url"]),
        ("html", "width", ["body", "width"]),
        ("html", "height", ["body", "height"]),
        ("html", "html", ["body", "html"]),
        ("video", "video_mime", ["body", "video_mime"]),
        ("video", "duration_seconds", ["body", "duration_seconds"]),
        ("video", "video_url", ["body", "video_url"]),
    ],
)
def test_create_type_requirements(advertiser_client, campaign, ad_type, drop, path):
    payload = {k: v for k, v in VALID[ad_type].items() if k != drop}
    response = advertiser_client.post(URL, {**payload, "campaign_id": campaign.pk}, format="json")
    assert_error(response, 422, "validation_failed", path)
    assert not Ad.objects.exists()


@pytest.mark.django_db
def test_html_ad_without_size_is_422(advertiser_client, campaign):
    payload = {k: v for k, v in VALID["html"].items() if k not in ("width", "height")}
    response = advertiser_client.post(URL, {**payload, "campaign_id": campaign.pk}, format="json")
    body = assert_error(response, 422)
    assert {tuple(d["path"]) for d in body["details"]} == {("body", "width"), ("body", "height")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"destination_url": "javascript:alert(1)"}, ["body", "destination_url"], None),
        ({"destination_url": "ftp://example.com/x"}, ["body", "destination_url"], None),
        ({"destination_url": "data:text/html,hi"}, ["body", "destination_url"], None),
        ({"destination_url": ""}, ["body", "destination_url"], None),
        ({"image_url": "javascript:alert(1)"}, ["body", "image_url"], None),
        ({"destination_url": "https://x.com/" + "a" * 2000}, ["body", "destination_url"], None),
        ({"name": "n" * 201}, ["body", "name"], "too_big"),
        ({"headline": "h" * 151}, ["body", "headline"], "too_big"),
        ({"type": "popup"}, ["body", "type"], "invalid_enum_value"),
        ({"width": 0}, ["body", "width"], "too_small"),
        ({"width": 5000}, ["body", "width"], "too_big"),
        ({"weight": 0}, ["body", "weight"], "too_small"),
        ({"weight": 1001}, ["body", "weight"], "too_big"),
        ({"status": "deleted"}, ["body", "status"], "invalid_enum_value"),
        ({"campaign_id": "abc"}, ["body", "campaign_id"], "invalid_type"),
        ({"extra": True}, ["body", "extra"], "unrecognized_keys"),
    ],
)
def test_create_validation(advertiser_client, campaign, change, path, code):
    response = advertiser_client.post(
        URL, {**SEED, "campaign_id": campaign.pk, **change}, format="json"
    )
    body = assert_error(response, 422, "validation_failed", path)
    if code:
        assert code in [d["code"] for d in body["details"]]
    assert not Ad.objects.exists()


@pytest.mark.django_db
def test_video_duration_limits(advertiser_client, campaign):
    for seconds, status in ((0, 422), (601, 422), (600, 201)):
        payload = {**VALID["video"], "duration_seconds": seconds, "campaign_id": campaign.pk}
        assert advertiser_client.post(URL, payload, format="json").status_code == status
    bad_mime = {**VALID["video"], "video_mime": "video/avi", "campaign_id": campaign.pk}
    assert_error(
        advertiser_client.post(URL, bad_mime, format="json"), 422, path=["body", "video_mime"]
    )


@pytest.mark.django_db
def test_other_advertisers_campaign_is_404(advertiser_client, advertiser, other_advertiser):
    theirs = CampaignFactory(advertiser=other_advertiser)
    response = advertiser_client.post(URL, {**SEED, "campaign_id": theirs.pk}, format="json")
    assert_error(response, 404, "not_found", ["body", "campaign_id"])
    missing = advertiser_client.post(URL, {**SEED, "campaign_id": 999999}, format="json")
    assert_error(missing, 404, path=["body", "campaign_id"])
    assert not Ad.objects.exists()


@pytest.mark.django_db
def test_deleted_campaign_is_404(advertiser_client, campaign):
    advertiser_client.delete(f"/api/v1/campaigns/{campaign.pk}")
    response = advertiser_client.post(URL, {**SEED, "campaign_id": campaign.pk}, format="json")
    assert_error(response, 404)


@pytest.mark.django_db
def test_review_status_by_advertiser_is_403(advertiser_client, campaign):
    payload = {**SEED, "campaign_id": campaign.pk, "review_status": "approved"}
    assert_error(advertiser_client.post(URL, payload, format="json"), 403, "forbidden")
    assert not Ad.objects.exists()
    ad = AdFactory(campaign=campaign)
    response = advertiser_client.put(detail(ad.pk), {"review_status": "approved"}, format="json")
    assert_error(response, 403)
    note = advertiser_client.patch(detail(ad.pk), {"review_note": "ok"}, format="json")
    assert_error(note, 403)
    ad.refresh_from_db()
    assert ad.review_status == "pending"


@pytest.mark.django_db
def test_admin_creates_approved_ad(admin_client, campaign, admin_user):
    payload = {**SEED, "campaign_id": campaign.pk, "review_status": "approved"}
    response = admin_client.post(URL, payload, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["review_status"] == "approved"
    ad = Ad.objects.get()
    assert ad.reviewed_by == admin_user and ad.reviewed_at is not None


@pytest.mark.django_db
def test_auto_approve_setting(advertiser_client, campaign):
    settings_update(values={"auto_approve_ads": True}, actor=None)
    response = advertiser_client.post(URL, {**SEED, "campaign_id": campaign.pk}, format="json")
    assert response.json()["data"]["review_status"] == "approved"


@pytest.mark.django_db
@override_settings(AUTO_APPROVE_ADS=True)
def test_auto_approve_env(advertiser_client, campaign):
    response = advertiser_client.post(URL, {**SEED, "campaign_id": campaign.pk}, format="json")
    assert response.json()["data"]["review_status"] == "approved"
    ad_id = response.json()["data"]["id"]
    edited = advertiser_client.patch(detail(ad_id), {"headline": "New"}, format="json")
    assert edited.json()["data"]["review_status"] == "approved"


# --- List and retrieve --------------------------------------------------------------------


@pytest.mark.django_db
def test_list_scoped_filtered_paginated(advertiser_client, advertiser, campaign):
    other_campaign = CampaignFactory(advertiser=advertiser)
    banner = AdFactory(campaign=campaign)
    paused = AdFactory(campaign=campaign, status="paused")
    approved = AdFactory(campaign=other_campaign, review_status="approved")
    text = AdFactory(campaign=other_campaign, type="text", width=None, height=None)
    AdFactory()  # someone else's
    AdFactory(campaign=campaign, deleted_at="2026-01-01T00:00:00Z")

    def ids(**params):
        return {a["id"] for a in advertiser_client.get(URL, params).json()["data"]}

    assert ids() == {banner.pk, paused.pk, approved.pk, text.pk}
    assert ids(campaign_id=campaign.pk) == {banner.pk, paused.pk}
    assert ids(status="paused") == {paused.pk}
    assert ids(review_status="approved") == {approved.pk}
    assert ids(type="text") == {text.pk}
    page = advertiser_client.get(URL, {"per_page": 3}).json()
    assert page["pagination"]["total"] == 4 and page["pagination"]["pages"] == 2
    assert_error(advertiser_client.get(URL, {"type": "popup"}), 422, path=["query", "type"])
    assert_error(
        advertiser_client.get(URL, {"campaign_id": "x"}), 422, path=["query", "campaign_id"]
    )


@pytest.mark.django_db
def test_ads_of_deleted_campaign_are_hidden(advertiser_client, campaign):
    ad = AdFactory(campaign=campaign)
    advertiser_client.delete(f"/api/v1/campaigns/{campaign.pk}")
    assert advertiser_client.get(URL).json()["data"] == []
    assert_error(advertiser_client.get(detail(ad.pk)), 404)


@pytest.mark.django_db
def test_retrieve(advertiser_client, other_client, campaign):
    ad = AdFactory(campaign=campaign)
    data = advertiser_client.get(detail(ad.pk)).json()["data"]
    assert data["id"] == ad.pk and data["uuid"] == str(ad.uuid)
    assert_error(other_client.get(detail(ad.pk)), 404)
    assert_error(advertiser_client.get(detail(999999)), 404)


# --- Update, review and events -------------------------------------------------------------


@pytest.mark.django_db
def test_creative_edit_sends_approved_ad_back_to_review(
    advertiser_client, campaign, django_capture_on_commit_callbacks
):
    ad = AdFactory(campaign=campaign, review_status="approved")
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.put(
            detail(ad.pk), {"image_url": "https://cdn.example.com/new.jpg"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["review_status"] == "pending"
    assert watch.bumped
    changed = events("ad.status_changed")
    assert len(changed) == 1
    assert changed[0].data == {
        "ad_id": ad.pk,
        "ad_uuid": str(ad.uuid),
        "campaign_id": campaign.pk,
        "old_status": "active",
        "new_status": "active",
        "old_review_status": "approved",
        "new_review_status": "pending",
    }


@pytest.mark.django_db
def test_non_creative_edit_keeps_approval(advertiser_client, campaign):
    ad = AdFactory(campaign=campaign, review_status="approved")
    response = advertiser_client.patch(
        detail(ad.pk), {"name": "Renamed", "weight": 500, "image_url": ad.image_url}, format="json"
    )
    data = response.json()["data"]
    assert data["review_status"] == "approved"
    assert data["name"] == "Renamed" and data["weight"] == 500
    assert not events("ad.status_changed")


@pytest.mark.django_db
def test_pause_ad_emits_status_changed_once(advertiser_client, campaign):
    ad = AdFactory(campaign=campaign)
    response = advertiser_client.patch(detail(ad.pk), {"status": "paused"}, format="json")
    assert response.json()["data"]["status"] == "paused"
    changed = events("ad.status_changed")
    assert len(changed) == 1
    assert changed[0].data["old_status"] == "active"
    assert changed[0].data["new_status"] == "paused"
    assert changed[0].data["old_review_status"] == changed[0].data["new_review_status"]
    advertiser_client.patch(detail(ad.pk), {"status": "paused"}, format="json")
    assert len(events("ad.status_changed")) == 1


@pytest.mark.django_db
def test_update_checks_merged_type_requirements(advertiser_client, campaign):
    ad = AdFactory(campaign=campaign)  # a banner
    response = advertiser_client.patch(detail(ad.pk), {"type": "video"}, format="json")
    assert_error(response, 422, path=["body", "video_url"])
    cleared = advertiser_client.patch(detail(ad.pk), {"image_url": None}, format="json")
    assert_error(cleared, 422, path=["body", "image_url"])
    bad_url = advertiser_client.patch(
        detail(ad.pk), {"destination_url": "javascript:alert(1)"}, format="json"
    )
    assert_error(bad_url, 422, path=["body", "destination_url"])
    ad.refresh_from_db()
    assert ad.type == "banner" and ad.image_url


@pytest.mark.django_db
def test_move_ad_between_campaigns(advertiser_client, advertiser, other_advertiser, campaign):
    ad = AdFactory(campaign=campaign)
    mine = CampaignFactory(advertiser=advertiser)
    theirs = CampaignFactory(advertiser=other_advertiser)
    moved = advertiser_client.patch(detail(ad.pk), {"campaign_id": mine.pk}, format="json")
    assert moved.json()["data"]["campaign_id"] == mine.pk
    refused = advertiser_client.patch(detail(ad.pk), {"campaign_id": theirs.pk}, format="json")
    assert_error(refused, 404, path=["body", "campaign_id"])


@pytest.mark.django_db
def test_admin_review_via_put(admin_client, campaign):
    ad = AdFactory(campaign=campaign)
    response = admin_client.put(
        detail(ad.pk), {"review_status": "rejected", "review_note": "Blurry"}, format="json"
    )
    data = response.json()["data"]
    assert data["review_status"] == "rejected" and data["review_note"] == "Blurry"
    changed = events("ad.status_changed")
    assert len(changed) == 1
    assert changed[0].data["new_review_status"] == "rejected"
    assert changed[0].owner == campaign.advertiser.user


@pytest.mark.django_db
def test_admin_creative_edit_keeps_review(admin_client, campaign):
    ad = AdFactory(campaign=campaign, review_status="approved")
    response = admin_client.patch(detail(ad.pk), {"headline": "Fixed typo"}, format="json")
    assert response.json()["data"]["review_status"] == "approved"


@pytest.mark.django_db
def test_approve_and_reject_endpoints(
    admin_client, advertiser_client, campaign, django_capture_on_commit_callbacks
):
    ad = AdFactory(campaign=campaign)
    assert_error(advertiser_client.post(f"{detail(ad.pk)}/approve"), 403)
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        approved = admin_client.post(f"{detail(ad.pk)}/approve")
    assert approved.status_code == 200
    assert approved.json()["data"]["review_status"] == "approved"
    assert watch.bumped
    rejected = admin_client.post(
        f"{detail(ad.pk)}/reject", {"note": "Misleading claim"}, format="json"
    )
    assert rejected.json()["data"]["review_status"] == "rejected"
    assert rejected.json()["data"]["review_note"] == "Misleading claim"
    assert [e.data["new_review_status"] for e in events("ad.status_changed")] == [
        "approved",
        "rejected",
    ]
    bad = admin_client.post(f"{detail(ad.pk)}/reject", {"note": "x" * 501}, format="json")
    assert_error(bad, 422, path=["body", "note"])
    assert_error(admin_client.post(f"{detail(999999)}/approve"), 404)


# --- Delete -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_soft_delete(advertiser_client, other_client, campaign, django_capture_on_commit_callbacks):
    ad = AdFactory(campaign=campaign)
    assert_error(other_client.delete(detail(ad.pk)), 404)
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        assert advertiser_client.delete(detail(ad.pk)).status_code == 200
    assert watch.bumped
    assert_error(advertiser_client.get(detail(ad.pk)), 404)
    ad.refresh_from_db()
    assert ad.deleted_at is not None


# --- Roles --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_401(api_client):
    ad = AdFactory()
    for response in (
        api_client.get(URL),
        api_client.post(URL, {**SEED, "campaign_id": ad.campaign_id}, format="json"),
        api_client.get(detail(ad.pk)),
        api_client.patch(detail(ad.pk), {"name": "x"}, format="json"),
        api_client.delete(detail(ad.pk)),
        api_client.post(f"{detail(ad.pk)}/approve"),
    ):
        assert_error(response, 401)


@pytest.mark.django_db
def test_publisher_is_403(publisher_client):
    ad = AdFactory()
    for response in (
        publisher_client.get(URL),
        publisher_client.post(URL, {**SEED, "campaign_id": ad.campaign_id}, format="json"),
        publisher_client.get(detail(ad.pk)),
        publisher_client.patch(detail(ad.pk), {"name": "x"}, format="json"),
        publisher_client.delete(detail(ad.pk)),
    ):
        assert_error(response, 403)


@pytest.mark.django_db
def test_finance_reads_but_cannot_write(finance_client):
    ad = AdFactory()
    assert finance_client.get(URL).json()["pagination"]["total"] == 1
    assert finance_client.get(detail(ad.pk)).status_code == 200
    for response in (
        finance_client.post(URL, {**SEED, "campaign_id": ad.campaign_id}, format="json"),
        finance_client.patch(detail(ad.pk), {"name": "x"}, format="json"),
        finance_client.delete(detail(ad.pk)),
        finance_client.post(f"{detail(ad.pk)}/approve"),
    ):
        assert_error(response, 403)


@pytest.mark.django_db
def test_partner_on_behalf(partner_client, partner_user):
    managed, unmanaged = AdvertiserFactory(), AdvertiserFactory()
    managed.managers.add(partner_user)
    ok_campaign = CampaignFactory(advertiser=managed)
    other_campaign = CampaignFactory(advertiser=unmanaged)
    created = partner_client.post(URL, {**SEED, "campaign_id": ok_campaign.pk}, format="json")
    assert created.status_code == 201
    refused = partner_client.post(URL, {**SEED, "campaign_id": other_campaign.pk}, format="json")
    assert_error(refused, 404, path=["body", "campaign_id"])
    hidden = AdFactory(campaign=other_campaign)
    assert [a["id"] for a in partner_client.get(URL).json()["data"]] == [
        created.json()["data"]["id"]
    ]
    assert_error(partner_client.get(detail(hidden.pk)), 404)
    assert_error(partner_client.post(f"{detail(created.json()['data']['id'])}/approve"), 403)


@pytest.mark.django_db
def test_admin_sees_everything(admin_client):
    AdFactory.create_batch(3)
    assert admin_client.get(URL).json()["pagination"]["total"] == 3
