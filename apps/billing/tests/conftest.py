"""Billing test helpers: accounts with wallets, rollup rows, a movable clock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.billing import clock
from apps.billing.models import Wallet
from apps.campaigns.tests.factories import AdFactory, AdvertiserFactory, CampaignFactory
from apps.delivery.counters import counters_record_spend
from apps.delivery.models import HourlyStat
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory
from conftest import client_for


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock_at(monkeypatch):
    """``clock_at(moment)`` makes billing's clock read ``moment``."""

    def move(moment: datetime) -> datetime:
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return move


def wallet_of(advertiser) -> Wallet:
    return Wallet.objects.get(advertiser=advertiser)


def stat(ad, zone, hour: datetime, *, impressions=0, clicks=0, spend=0, revenue=None):
    """A rollup row as the drain writes it (revenue: 70% of spend unless given), with the
    campaign's serving spend counter charged as tracking would."""
    rule = SimpleNamespace(id=ad.campaign_id, advertiser_id=ad.campaign.advertiser_id, tz=UTC)
    counters_record_spend(campaign=rule, micros=spend, now=hour)
    return HourlyStat.objects.create(
        hour=hour,
        ad_id=ad.pk,
        zone_id=zone.pk,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=zone.website.publisher_id,
        impressions=impressions,
        clicks=clicks,
        spend_micros=spend,
        revenue_micros=spend * 7 // 10 if revenue is None else revenue,
    )


@pytest.fixture
def advertiser(db):
    return AdvertiserFactory(company="Acme Outdoor")


@pytest.fixture
def other_advertiser(db):
    return AdvertiserFactory(company="Rival Corp")


@pytest.fixture
def wallet(advertiser) -> Wallet:
    return wallet_of(advertiser)


@pytest.fixture
def ad(advertiser):
    campaign = CampaignFactory(
        advertiser=advertiser, name="Winter Sale", bid_amount=Decimal("2.50")
    )
    return AdFactory(campaign=campaign)


@pytest.fixture
def publisher(db):
    return PublisherFactory(name="News Daily", revenue_share=Decimal("0.7000"))


@pytest.fixture
def zone(publisher):
    website = WebsiteFactory(publisher=publisher, name="news.example")
    return ZoneFactory(website=website, name="Sidebar", width=300, height=250)


@pytest.fixture
def finance_client(finance_user):
    return client_for(finance_user)


@pytest.fixture
def owner_client(advertiser):
    return client_for(advertiser.user)


@pytest.fixture
def rival_client(other_advertiser):
    return client_for(other_advertiser.user)


@pytest.fixture
def partner_user(db):
    return UserFactory(role=Role.PARTNER)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body
