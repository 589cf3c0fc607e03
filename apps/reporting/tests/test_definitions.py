"""One definition each of ad request, fill and impression, read the same way by every report
and page: an impression proves a filled request, so impressions <= fills <= requests for every
zone and hour, even where the serve counters missed requests (the iframe and image variants,
an unflushed counter)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.delivery.models import ZoneHourlyStat
from apps.inventory.tests.factories import ZoneFactory
from apps.reporting.rollups import rollups_refresh
from apps.reporting.selectors import request_counts

from .conftest import api, put

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "counted, impressions, expected",
    [
        (
            (
                10,
                8,
            ),
            6,
            (10, 8),
        ),  # the counters saw everything
        ((1, 1), 4, (4, 4)),  # three requests only the impressions prove
        ((0, 0), 17, (17, 17)),  # a zone served by the iframe only
        ((10, 10), 17, (17, 17)),  # the network overview's "10 of 10 beside 17"
        ((5, 0), 0, (5, 0)),  # unfilled requests stay unfilled
    ],
)
def test_request_counts(counted, impressions, expected):
    assert request_counts(*counted, impressions) == expected


def hour_ago(hours: int):
    return timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)


def test_every_report_agrees_on_requests_fills_and_impressions(placement, admin):
    ad, zone = placement
    other = ZoneFactory(website=zone.website, width=300, height=250)
    publisher = zone.website.publisher.user
    old, recent = hour_ago(30), hour_ago(0)
    for hour in (old, recent):  # one read from the rollups, one from the live rows
        put(ad, zone, hour, 4)
        ZoneHourlyStat.objects.create(
            hour=hour, zone_id=zone.pk, publisher_id=zone.website.publisher_id, requests=1, fills=1
        )
        put(ad, other, hour, 3)  # no counted requests at all (the iframe tag)
        ZoneHourlyStat.objects.create(
            hour=hour, zone_id=zone.pk + 10_000, publisher_id=0, requests=5, fills=0
        )
    rollups_refresh(full=True)

    floor = api(publisher).get("/api/v1/reports/floor?period=last_7_days").json()["data"]
    rows = {row["zone_id"]: row for row in floor["zones"]}
    assert (rows[zone.pk]["requests"], rows[zone.pk]["fills"]) == (8, 8)
    assert (rows[other.pk]["requests"], rows[other.pk]["fills"]) == (6, 6)
    assert rows[zone.pk]["impressions"] == 8 and rows[other.pk]["impressions"] == 6
    assert (floor["totals"]["requests"], floor["totals"]["fills"]) == (14, 14)

    publisher_id = zone.website.publisher_id
    stats = api(publisher).get(f"/api/v1/analytics/publishers/{publisher_id}?period=last_7_days")
    stats = stats.json()["data"]["stats"]
    assert (stats["requests"], stats["fills"], stats["impressions"]) == (14, 14, 14)
    zone_stats = api(publisher).get(f"/api/v1/analytics/zones/{zone.pk}?period=last_7_days")
    zone_stats = zone_stats.json()["data"]["stats"]
    assert (zone_stats["requests"], zone_stats["fills"], zone_stats["impressions"]) == (8, 8, 8)

    # The network overview counts the other publisher's unfilled requests too.
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(admin)
    trend = client.get(reverse("staff:home"), {"period": "last_7_days"}).context["trend_totals"]
    assert (trend["requests"], trend["fills"], trend["impressions"]) == (24, 14, 14)
    for day in client.get(reverse("staff:home")).context["traffic_chart"]["datasets"][0]["data"]:
        assert day >= 0
