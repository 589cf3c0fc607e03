"""Django admin pages and actions for advertisers, campaigns, ads and goals."""

import json

import pytest
from django.test import Client

from apps.campaigns.models import Campaign
from apps.campaigns.targeting import targeting_default
from apps.campaigns.tests.conftest import VersionWatch, events
from apps.campaigns.tests.factories import (
    AdFactory,
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)

BASE = "/admin/campaigns"
ADVERTISERS = f"{BASE}/advertiser/"
CAMPAIGNS = f"{BASE}/campaign/"
ADS = f"{BASE}/ad/"
GOALS = f"{BASE}/conversiongoal/"


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", [ADVERTISERS, CAMPAIGNS, ADS, GOALS])
def test_changelists_and_pages_load(admin_web, url):
    ad = AdFactory()
    goal = ConversionGoalFactory(advertiser=ad.campaign.advertiser, campaign=ad.campaign)
    assert admin_web.get(url).status_code == 200
    assert admin_web.get(f"{url}add/").status_code == 200
    obj_id = {
        ADVERTISERS: ad.campaign.advertiser_id,
        CAMPAIGNS: ad.campaign_id,
        ADS: ad.pk,
        GOALS: goal.pk,
    }[url]
    assert admin_web.get(f"{url}{obj_id}/change/").status_code == 200


@pytest.mark.django_db
def test_non_admin_is_sent_to_login(advertiser_user):
    client = Client()
    client.force_login(advertiser_user)
    assert client.get(CAMPAIGNS).status_code == 302


@pytest.mark.django_db
def test_campaign_search_and_filters(admin_web):
    CampaignFactory(name="Findable winter", status="active", pricing_model="cpc")
    CampaignFactory(name="Hidden spring", status="draft", priority="house")
    html = admin_web.get(CAMPAIGNS, {"q": "findable"}).content.decode()
    assert "Findable winter" in html and "Hidden spring" not in html
    for params in ({"status__exact": "active"}, {"pricing_model__exact": "cpc"}):
        html = admin_web.get(CAMPAIGNS, params).content.decode()
        assert "Findable winter" in html and "Hidden spring" not in html
    html = admin_web.get(CAMPAIGNS, {"priority__exact": "house"}).content.decode()
    assert "Hidden spring" in html and "Findable winter" not in html


@pytest.mark.django_db
def test_ad_and_advertiser_filters(admin_web):
    AdFactory(name="Approved banner", review_status="approved")
    AdFactory(name="Pending text", type="text", width=None, height=None)
    html = admin_web.get(ADS, {"review_status__exact": "approved"}).content.decode()
    assert "Approved banner" in html and "Pending text" not in html
    html = admin_web.get(ADS, {"type__exact": "text"}).content.decode()
    assert "Pending text" in html and "Approved banner" not in html
    html = admin_web.get(ADS, {"status__exact": "active"}).content.decode()
    assert "Pending text" in html
    AdvertiserFactory(company="Searchable Co")
    assert "Searchable Co" in admin_web.get(ADVERTISERS, {"q": "searchable"}).content.decode()


@pytest.mark.django_db
def test_pause_and_activate_actions(admin_web, django_capture_on_commit_callbacks):
    active = CampaignFactory(status="active")
    draft = CampaignFactory(status="draft")
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            CAMPAIGNS, {"action": "pause", "_selected_action": [active.pk, draft.pk]}
        )
    assert response.status_code == 302
    active.refresh_from_db()
    draft.refresh_from_db()
    assert active.status == "paused"
    assert draft.status == "draft"  # draft → paused is not allowed; reported, not applied
    assert watch.bumped
    admin_web.post(CAMPAIGNS, {"action": "activate", "_selected_action": [active.pk, draft.pk]})
    active.refresh_from_db()
    draft.refresh_from_db()
    assert active.status == draft.status == "active"
    changes = [(e.data["from"], e.data["to"]) for e in events("campaign.status_changed")]
    assert changes[0] == ("active", "paused")
    assert sorted(changes[1:]) == [("draft", "active"), ("paused", "active")]


@pytest.mark.django_db
def test_archive_and_soft_delete_actions(admin_web):
    campaign = CampaignFactory(status="active")
    admin_web.post(CAMPAIGNS, {"action": "archive", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.status == "archived"
    admin_web.post(CAMPAIGNS, {"action": "soft_delete", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    assert campaign.deleted_at is not None
    assert len(events("campaign.deleted")) == 1


@pytest.mark.django_db
def test_approve_and_reject_actions(admin_web, admin_user):
    first, second = AdFactory(), AdFactory()
    admin_web.post(ADS, {"action": "approve", "_selected_action": [first.pk, second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.review_status == second.review_status == "approved"
    assert first.reviewed_by == admin_user
    admin_web.post(ADS, {"action": "reject", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.review_status == "rejected"
    assert [e.data["new_review_status"] for e in events("ad.status_changed")] == [
        "approved",
        "approved",
        "rejected",
    ]
    admin_web.post(ADS, {"action": "soft_delete", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.deleted_at is not None


@pytest.mark.django_db
def test_add_campaign_through_admin_emits_created(admin_web, django_capture_on_commit_callbacks):
    advertiser = AdvertiserFactory()
    form = {
        "advertiser": advertiser.pk,
        "name": "Made in admin",
        "pricing_model": "cpm",
        "bid_amount": "2.00",
        "daily_budget": "10.00",
        "total_budget": "",
        "start_date": "2026-03-10",
        "end_date": "",
        "pacing": "even",
        "priority": "standard",
        "rotation": "weighted",
        "frequency_cap_impressions": "",
        "frequency_cap_window_hours": "",
        "targeting": json.dumps(targeting_default()),
        "category": "",
        "source": "null",
        "ads-TOTAL_FORMS": "0",
        "ads-INITIAL_FORMS": "0",
    }
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(f"{CAMPAIGNS}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="Made in admin")
    assert campaign.status == "draft"
    assert [e.data["id"] for e in events("campaign.created")] == [campaign.pk]
    assert watch.bumped

    bad = {**form, "name": "Bad targeting", "targeting": json.dumps({"countries": ["XX"]})}
    response = admin_web.post(f"{CAMPAIGNS}add/", bad)
    assert response.status_code == 200  # form redisplayed with the error
    assert not Campaign.objects.filter(name="Bad targeting").exists()


@pytest.mark.django_db
def test_no_hard_delete(admin_web):
    campaign = CampaignFactory()
    assert admin_web.get(f"{CAMPAIGNS}{campaign.pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_ad_status_change_in_admin_form_emits_event(admin_web):
    ad = AdFactory(review_status="approved")
    form = {
        "campaign": ad.campaign_id,
        "name": ad.name,
        "type": ad.type,
        "headline": ad.headline,
        "body": "",
        "destination_url": ad.destination_url,
        "image_url": ad.image_url,
        "html": "",
        "video_url": "",
        "video_mime": "",
        "duration_seconds": "",
        "width": ad.width,
        "height": ad.height,
        "call_to_action": "",
        "sponsor": "",
        "status": "paused",
        "review_note": "",
        "weight": 100,
    }
    response = admin_web.post(f"{ADS}{ad.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    ad.refresh_from_db()
    assert ad.status == "paused"
    changed = events("ad.status_changed")
    assert len(changed) == 1
    assert (changed[0].data["old_status"], changed[0].data["new_status"]) == ("active", "paused")
