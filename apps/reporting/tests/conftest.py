"""Fixtures and helpers: events are made through the real serve and tracking endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery import counters
from apps.delivery.index import index_reset
from apps.delivery.models import GeoHourlyStat, HourlyStat
from apps.delivery.sink import events_drain, zone_requests_flush
from apps.delivery.tests.factories import CHROME_UA
from apps.inventory.tests.factories import ZoneFactory
from conftest import client_for


@pytest.fixture(autouse=True)
def _fresh_index():
    index_reset()
    counters._pending_requests.clear()  # per-process request sums from earlier tests
    yield
    index_reset()


@pytest.fixture
def browser():
    return Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")


def path_of(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.path}?{parts.query}"


def serve(browser, zone, params: dict | None = None) -> dict | None:
    return browser.get(f"/api/v1/serve/{zone.uuid}", params or {}).json()["data"]


def track(
    browser, zone, *, impressions=0, clicks=0, viewable=0, video=(), served_only=0, params=None
):
    """Serve ``impressions`` times and count each impression; the first ``clicks`` are
    clicked, the first ``viewable`` are viewable, and ``video`` quartile events are sent for
    the first impression. ``served_only`` more serves are never counted. ``params`` go to
    the serve (``country``, ``device`` … overrides). Returns click uuids."""
    index_reset()  # see ads and zones made since the last serve
    click_uuids = []
    for n in range(impressions):
        data = serve(browser, zone, params)
        assert data is not None, "nothing served"
        assert browser.get(path_of(data["ad"]["impression_url"])).status_code == 200
        if n < viewable:
            browser.get(path_of(data["ad"]["viewable_url"]))
        if n == 0:
            token = parse_qs(urlparse(data["ad"]["impression_url"]).query)["t"][0]
            for event in video:
                browser.get(f"/api/v1/track/video?t={token}&event={event}")
        if n < clicks:
            response = browser.get(path_of(data["ad"]["click_url"]))
            assert response.status_code == 302
            click_uuids.append(parse_qs(urlparse(response["Location"]).query)["adx_click"][0])
    for _ in range(served_only):
        assert serve(browser, zone, params) is not None
    return click_uuids


def convert(browser, click_uuid: str, **body) -> None:
    response = browser.post(
        "/api/v1/track/conversion",
        {"click_uuid": click_uuid, **body},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def drain() -> None:
    """What the background drainer does: events into rollups, request counters too."""
    events_drain()
    counters.counters_flush_requests()
    zone_requests_flush()


def api(user):
    return client_for(user)


@pytest.fixture
def placement():
    """An advertiser's CPM ad (2.50) on a publisher's 300x250 zone (floor 0.10, share 0.70)."""
    campaign = live_campaign(bid_amount=Decimal("2.50"))
    ad = live_ad(campaign=campaign)
    zone = ZoneFactory(width=300, height=250, floor_price=Decimal("0.10"))
    return ad, zone


@pytest.fixture
def finance():
    return UserFactory(role=Role.FINANCE)


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def put(ad, zone, hour: datetime, impressions: int, **metrics) -> HourlyStat:
    """A rollup row written directly (spend 1.00 CPM, revenue 0.70 CPM unless given)."""
    metrics.setdefault("spend_micros", impressions * 1000)
    metrics.setdefault("revenue_micros", impressions * 700)
    return HourlyStat.objects.create(
        hour=hour,
        ad_id=ad.id,
        zone_id=zone.id,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=zone.website.publisher_id,
        impressions=impressions,
        **metrics,
    )


def put_geo(ad, zone, hour: datetime, impressions: int, **fields) -> GeoHourlyStat:
    """A geo rollup row written directly (``country``, ``region``, ``device`` and metrics in
    ``fields``; spend 1.00 CPM, revenue 0.70 CPM unless given)."""
    fields.setdefault("spend_micros", impressions * 1000)
    fields.setdefault("revenue_micros", impressions * 700)
    return GeoHourlyStat.objects.create(
        hour=hour,
        ad_id=ad.id,
        zone_id=zone.id,
        campaign_id=ad.campaign_id,
        advertiser_id=ad.campaign.advertiser_id,
        publisher_id=zone.website.publisher_id,
        impressions=impressions,
        **fields,
    )
