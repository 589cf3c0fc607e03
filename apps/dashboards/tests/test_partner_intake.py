"""The finishing page of a partner-made campaign: the advertiser or the partner confirms the
draft creatives, sets the bid and submits; others get 404."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Ad
from apps.campaigns.tests.factories import AdvertiserFactory
from apps.partners.services import partner_campaign_intake

pytestmark = pytest.mark.django_db

SOURCE = {
    "material": ["https://cdn.example.com/a_728x90.png", "https://cdn.example.com/clip.webm"],
    "name": "Partner launch",
    "reference_id": "ref-77",
    "target_url": "https://shop.example.com/launch",
}


@pytest.fixture
def partner():
    return UserFactory(role=Role.PARTNER, name="Agency X")


@pytest.fixture
def advertiser(partner):
    advertiser = AdvertiserFactory(company="Client Co")
    advertiser.managers.add(partner)
    return advertiser


@pytest.fixture
def intake(partner, advertiser):
    _campaign, intake, created = partner_campaign_intake(
        partner=partner, advertiser=advertiser, source=dict(SOURCE)
    )
    assert created
    return intake


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finish_url(intake) -> str:
    return f"/advertiser/campaigns/{intake.campaign_id}/finish/"


def valid_post(intake) -> dict:
    banner, video = intake.ad_ids
    return {
        "name": "Partner launch",
        "bid_amount": "2.50",
        "daily_budget": "40.00",
        "total_budget": "",
        "start_date": datetime.date.today().isoformat(),
        "end_date": "",
        f"ad_{banner}_width": "728",
        f"ad_{banner}_height": "90",
        f"ad_{video}_duration_seconds": "15",
        f"ad_{video}_video_mime": "video/webm",
    }


@pytest.mark.parametrize("who", ["advertiser", "partner"])
def test_owner_or_partner_finishes_and_submits(who, intake, advertiser, partner):
    client = logged_in(advertiser.user if who == "advertiser" else partner)
    page = client.get(finish_url(intake))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Agency X" in text and "ref-77" in text
    assert 'name="bid_amount"' in text and 'value="0.01"' not in text  # placeholder not shown
    response = client.post(finish_url(intake), valid_post(intake))
    assert response.status_code == 302
    campaign = intake.campaign
    campaign.refresh_from_db()
    intake.refresh_from_db()
    assert campaign.status == "active" and str(campaign.bid_amount) == "2.50"
    assert intake.finished_at is not None
    ads = {ad.type: ad for ad in Ad.objects.filter(campaign=campaign)}
    assert ads["banner"].status == "active" and ads["banner"].review_status == "pending"
    assert ads["video"].duration_seconds == 15 and ads["video"].video_mime == "video/webm"
    detail = client.get(f"/advertiser/campaigns/{campaign.pk}/").content.decode()
    assert "ref-77" in detail and "Finish and submit" not in detail
    # Finished: the page now sends to the campaign.
    assert client.get(finish_url(intake)).status_code == 302


def test_bad_values_are_shown_and_nothing_changes(intake, advertiser):
    client = logged_in(advertiser.user)
    data = valid_post(intake)
    banner = intake.ad_ids[0]
    data.update({"bid_amount": "", f"ad_{banner}_width": "99999"})
    response = client.post(finish_url(intake), data)
    assert response.status_code == 422
    intake.campaign.refresh_from_db()
    assert intake.campaign.status == "draft"
    assert Ad.objects.get(pk=banner).status == "paused"


def test_no_creative_means_add_an_ad_first(partner, advertiser):
    campaign, intake, _ = partner_campaign_intake(
        partner=partner,
        advertiser=advertiser,
        source={**SOURCE, "material": ["https://example.com/page"]},
    )
    client = logged_in(advertiser.user)
    page = client.get(finish_url(intake)).content.decode()
    assert "No creative could be made" in page
    assert "destination_url=https%3A%2F%2Fshop.example.com%2Flaunch" in page
    response = client.post(finish_url(intake), valid_post_fields())
    assert response.status_code == 422
    assert "Add at least one ad" in response.content.decode()
    ad_form = client.get(
        f"/advertiser/ads/new/?campaign={campaign.pk}&destination_url=https://shop.example.com/x"
    ).content.decode()
    assert "https://shop.example.com/x" in ad_form


def valid_post_fields() -> dict:
    return {
        "name": "Partner launch",
        "bid_amount": "1.00",
        "start_date": datetime.date.today().isoformat(),
    }


def test_others_get_404(intake):
    other_partner = UserFactory(role=Role.PARTNER)
    AdvertiserFactory(company="Its own client").managers.add(other_partner)
    for user in (other_partner, AdvertiserFactory(company="Someone else").user):
        assert logged_in(user).get(finish_url(intake)).status_code == 404
        assert logged_in(user).post(finish_url(intake), valid_post(intake)).status_code == 404
    assert logged_in(UserFactory(role=Role.PUBLISHER)).get(finish_url(intake)).status_code == 403
    assert Client().get(finish_url(intake)).status_code == 302  # to the login page
