"""Ingestion: raw rows and both rollups from typed events, exactly once, money shared once."""

import uuid
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.delivery.events import TrackedEvent
from apps.delivery.ingest import events_ingest, revenue_share_micros
from apps.delivery.models import (
    ClickEvent,
    ConversionEvent,
    EngagementEvent,
    GeoHourlyStat,
    HourlyStat,
    ImpressionEvent,
    InvalidEvent,
)
from apps.inventory.tests.factories import PublisherFactory

pytestmark = pytest.mark.django_db
AT = 1_796_644_800.0  # 2026-12-07 12:00 UTC


@pytest.fixture
def publisher():
    return PublisherFactory(revenue_share=Decimal("0.7000"))


def event(kind="impression", publisher_id=1, **kw) -> TrackedEvent:
    fields = dict(
        kind=kind,
        uuid=str(uuid.uuid4()),
        at=AT,
        impression_uuid=str(uuid.uuid4()),
        zone_id=10,
        ad_id=20,
        campaign_id=30,
        advertiser_id=40,
        publisher_id=publisher_id,
        country="FR",
        region="FR-IDF",
        device="desktop",
    )
    fields.update(kw)
    return TrackedEvent(**fields)


def test_each_kind_lands_in_its_table_with_where_it_was_seen(publisher):
    click_uuid = str(uuid.uuid4())
    batch = [
        event(cost_micros=2500, publisher_id=publisher.id, user_key="u1"),
        event("click", uuid=click_uuid, cost_micros=0, publisher_id=publisher.id),
        event(
            "conversion",
            publisher_id=publisher.id,
            cost_micros=1_000_000,
            click_uuid=click_uuid,
            clicked_at=AT - 60,
            goal_type="sale",
            value_micros=25_000_000,
        ),
        event("engagement", engagement="viewable", publisher_id=publisher.id),
        event(
            "invalid",
            refused_kind="click",
            reason="bot",
            ip="203.0.113.9",
            user_agent="curl",
            publisher_id=publisher.id,
        ),
    ]
    assert events_ingest(batch) == 5
    impression = ImpressionEvent.objects.get()
    assert (impression.country, impression.region, impression.device) == ("FR", "FR-IDF", "desktop")
    assert impression.revenue_micros == revenue_share_micros(2500, Decimal("0.7")) == 1750
    assert ClickEvent.objects.get().country == "FR"
    conversion = ConversionEvent.objects.get()
    assert (conversion.value_micros, str(conversion.click_uuid)) == (25_000_000, click_uuid)
    assert EngagementEvent.objects.get().kind == "viewable"
    assert InvalidEvent.objects.get().reason == "bot"
    hourly = HourlyStat.objects.get()
    assert (hourly.impressions, hourly.clicks, hourly.conversions) == (1, 1, 1)
    assert (hourly.viewable_impressions, hourly.invalid_events) == (1, 1)
    assert hourly.spend_micros == 1_002_500
    geo = GeoHourlyStat.objects.get()  # impressions, clicks and conversions only
    assert (geo.country, geo.region, geo.device) == ("FR", "FR-IDF", "desktop")
    assert (geo.impressions, geo.clicks, geo.conversions, geo.spend_micros) == (1, 1, 1, 1_002_500)
    assert geo.revenue_micros == hourly.revenue_micros


def test_a_retried_batch_counts_nothing_twice(publisher):
    batch = [event(cost_micros=1000, publisher_id=publisher.id) for _ in range(3)]
    assert events_ingest(batch[:2]) == 2
    assert events_ingest(batch) == 1  # a retried batch with one new event
    assert events_ingest(batch + batch) == 0
    assert HourlyStat.objects.aggregate(n=Sum("impressions"), s=Sum("spend_micros")) == {
        "n": 3,
        "s": 3000,
    }
    assert GeoHourlyStat.objects.aggregate(n=Sum("impressions"))["n"] == 3
    assert ImpressionEvent.objects.count() == 3


def test_rollups_split_by_hour_and_place(publisher):
    batch = [
        event(publisher_id=publisher.id),
        event(publisher_id=publisher.id, at=AT + 3600),
        event(publisher_id=publisher.id, country="US", region="", device="mobile"),
    ]
    events_ingest(batch)
    assert HourlyStat.objects.count() == 2
    assert GeoHourlyStat.objects.count() == 3
    assert set(GeoHourlyStat.objects.values_list("country", "device")) == {
        ("FR", "desktop"),
        ("US", "mobile"),
    }


def test_refused_traffic_without_a_placement_has_a_raw_row_only():
    events_ingest(
        [
            event(
                "invalid",
                refused_kind="impression",
                reason="bad_signature",
                zone_id=None,
                ad_id=None,
                campaign_id=None,
                advertiser_id=None,
                publisher_id=None,
                impression_uuid=None,
            )
        ]
    )
    assert InvalidEvent.objects.get().ad_id is None
    assert not HourlyStat.objects.exists()
