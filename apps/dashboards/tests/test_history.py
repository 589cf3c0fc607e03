"""History tabs of campaigns, ads and zones: their owners see the changes, others get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns import services as campaign_services
from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_campaign_and_ad_history_for_their_owner():
    advertiser = AdvertiserFactory(company="Owner Co")
    campaign = CampaignFactory(advertiser=advertiser, name="Spring")
    ad = AdFactory(campaign=campaign, name="Spring banner")
    client = logged_in(advertiser.user)
    client.post(reverse("advertiser:campaign_status", args=[campaign.pk]), {"action": "activate"})
    page = client.get(reverse("advertiser:campaign_history", args=[campaign.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "History of Spring" in text and "You" in text
    assert "draft" in text and "active" in text  # status before → after
    detail = client.get(reverse("advertiser:campaign_detail", args=[campaign.pk])).content
    assert reverse("advertiser:campaign_history", args=[campaign.pk]).encode() in detail

    admin = UserFactory(role=Role.ADMIN)
    campaign_services.ad_approve(ad=ad, actor=admin)
    ad_page = client.get(reverse("advertiser:ad_history", args=[ad.pk])).content.decode()
    assert "approved" in ad_page
    assert "System" in ad_page  # changed outside a request: no actor
    assert admin.email not in ad_page

    stranger = logged_in(AdvertiserFactory(company="Stranger").user)
    assert (
        stranger.get(reverse("advertiser:campaign_history", args=[campaign.pk])).status_code == 404
    )
    assert stranger.get(reverse("advertiser:ad_history", args=[ad.pk])).status_code == 404


def test_zone_history_for_its_publisher():
    from apps.inventory.tests.factories import ZoneFactory

    zone = ZoneFactory(name="Sidebar")
    publisher_user = zone.website.publisher.user
    client = logged_in(publisher_user)
    client.post(
        reverse("publisher:zone_edit", args=[zone.pk]),
        {
            "name": "Sidebar 2",
            "type": zone.type,
            "width": zone.width,
            "height": zone.height,
            "floor_price": "0.00",
            "status": "active",
        },
    )
    page = client.get(reverse("publisher:zone_history", args=[zone.pk]))
    assert page.status_code == 200
    assert "Sidebar 2" in page.content.decode()
    other = ZoneFactory()
    assert client.get(reverse("publisher:zone_history", args=[other.pk])).status_code == 404
    assert (
        logged_in(UserFactory(role=Role.ADVERTISER))
        .get(reverse("publisher:zone_history", args=[zone.pk]))
        .status_code
        == 403
    )
