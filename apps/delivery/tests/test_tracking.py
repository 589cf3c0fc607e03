"""The tracking pipeline end to end: serve, track, drain, and read the raw rows and rollups."""

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone

from apps.campaigns.tests.factories import ConversionGoalFactory, live_ad, live_campaign
from apps.common.models import DomainEvent
from apps.delivery import tokens
from apps.delivery.counters import StoreCounters
from apps.delivery.index import current_index
from apps.delivery.models import (
    ClickEvent,
    ConversionEvent,
    EngagementEvent,
    HourlyStat,
    ImpressionEvent,
    InvalidEvent,
)
from apps.delivery.sink import events_drain
from apps.delivery.tests.factories import CHROME_UA, path_of, served

pytestmark = pytest.mark.django_db
GIF_TYPE = "image/gif"


def totals():
    return HourlyStat.objects.aggregate(
        impressions=Sum("impressions"),
        clicks=Sum("clicks"),
        conversions=Sum("conversions"),
        spend=Sum("spend_micros"),
        revenue=Sum("revenue_micros"),
        invalid=Sum("invalid_events"),
        viewable=Sum("viewable_impressions"),
    )


def test_impression_pixel_counts_once_and_charges_cpm(browser, zone):
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    data = served(browser, zone)
    pixel = browser.get(path_of(data["ad"]["impression_url"]))
    assert pixel.status_code == 200
    assert pixel["Content-Type"] == GIF_TYPE
    browser.get(path_of(data["ad"]["impression_url"]))  # a replay
    events_drain()
    assert ImpressionEvent.objects.count() == 1
    row = ImpressionEvent.objects.get()
    assert str(row.uuid) == data["impression_uuid"]
    assert row.cost_micros == 2500  # 2.50 CPM = 0.0025 an impression
    assert row.revenue_micros == 1750  # revenue share 0.70
    assert InvalidEvent.objects.get().reason == "duplicate"
    stats = totals()
    assert (stats["impressions"], stats["spend"], stats["invalid"]) == (1, 2500, 1)
    rule = current_index().campaigns_by_id[ad.campaign_id]
    counters = StoreCounters().read([rule], user_key="x", now=timezone.now())[rule.id]
    assert counters.spend_today_micros == counters.spend_total_micros == 2500


def test_bad_tokens_always_get_the_gif_and_are_recorded(browser, zone):
    live_ad()
    data = served(browser, zone)
    good = parse_qs(urlparse(data["ad"]["impression_url"]).query)["t"][0]
    for query in ("", "?t=garbage", f"?t={good[:-3]}xyz", "?t=" + "a" * 5000):
        response = browser.get(f"/api/v1/track/impression/pixel{query}")
        assert response.status_code == 200
        assert response["Content-Type"] == GIF_TYPE
    events_drain()
    assert ImpressionEvent.objects.count() == 0
    assert sorted(InvalidEvent.objects.values_list("reason", flat=True)) == [
        "bad_signature",
        "malformed_token",
        "malformed_token",
        "missing_token",
    ]


def test_expired_token_is_refused(browser, zone, monkeypatch):
    live_ad()
    data = served(browser, zone)
    later = time.time() + 2 * 24 * 3600
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    browser.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    assert ImpressionEvent.objects.count() == 0
    assert InvalidEvent.objects.get().reason == "expired_token"


def test_user_agent_mismatch_and_bots_are_invalid(browser, zone):
    live_ad()
    data = served(browser, zone)
    other = Client(HTTP_USER_AGENT=CHROME_UA.replace("120", "121"))
    other.get(path_of(data["ad"]["impression_url"]))
    bot = Client(HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    bot.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    assert ImpressionEvent.objects.count() == 0
    assert sorted(InvalidEvent.objects.values_list("reason", flat=True)) == ["bot", "ua_mismatch"]
    assert totals()["invalid"] == 2  # reported beside valid traffic, on the ad and zone


def test_post_impression_in_seed_form(browser, zone):
    ad = live_ad()
    data = served(browser, zone)
    time.sleep(0.05)  # with Redis, serving remembers the token without waiting for the reply
    body = {
        "zone_uuid": str(zone.uuid),
        "ad_uuid": str(ad.uuid),
        "impression_uuid": data["impression_uuid"],
    }
    first = browser.post("/api/v1/track/impression", body, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["data"]["counted"] is True
    again = browser.post("/api/v1/track/impression", body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["data"] == {
        "impression_uuid": data["impression_uuid"],
        "counted": False,
        "reason": "duplicate",
    }
    unknown = browser.post(
        "/api/v1/track/impression",
        {"zone_uuid": str(zone.uuid), "ad_uuid": str(ad.uuid)},
        content_type="application/json",
        REMOTE_ADDR="81.2.69.160",  # a client this ad was never served to
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "missing_token"
    bad = browser.post("/api/v1/track/impression", "{nope", content_type="application/json")
    assert bad.status_code == 400
    events_drain()
    assert ImpressionEvent.objects.count() == 1


def test_click_redirects_only_to_the_ads_destination(browser, zone):
    live_ad(
        destination_url="https://shop.example.com/landing?x=1",
        campaign=live_campaign(pricing_model="cpc", bid_amount=Decimal("0.40")),
    )
    data = served(browser, zone)
    response = browser.get(path_of(data["ad"]["click_url"]) + "&url=https://evil.example.net")
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "shop.example.com",
        "/landing",
    )
    query = parse_qs(location.query)
    assert query["x"] == ["1"]
    click_uuid = query["adx_click"][0]
    browser.get(path_of(data["ad"]["click_url"]))  # a second click on the same impression
    events_drain()
    click = ClickEvent.objects.get()
    assert str(click.uuid) == click_uuid
    assert click.cost_micros == 400_000  # CPC charges the bid per click
    assert totals()["clicks"] == 1


def test_post_click_refuses_a_foreign_destination(browser, zone):
    ad = live_ad(destination_url="https://shop.example.com/")
    data = served(browser, zone)
    payload = {"ad_uuid": str(ad.uuid), "impression_uuid": data["impression_uuid"]}
    evil = browser.post(
        "/api/v1/track/click",
        {**payload, "destination_url": "https://evil.example.net/"},
        content_type="application/json",
    )
    assert evil.status_code == 400
    assert evil.json()["code"] == "destination_mismatch"
    ok = browser.post(
        "/api/v1/track/click",
        {**payload, "destination_url": "https://shop.example.com/"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    body = ok.json()["data"]
    assert body["redirect_url"] == f"https://shop.example.com/?adx_click={body['click_uuid']}"
    assert browser.get("/api/v1/track/click?t=forged").status_code == 400


def _click(browser, zone):
    data = served(browser, zone)
    response = browser.get(path_of(data["ad"]["click_url"]))
    return parse_qs(urlparse(response["Location"]).query)["adx_click"][0]


def test_conversion_needs_a_click_and_counts_once_per_goal(browser, zone):
    ad = live_ad(campaign=live_campaign(pricing_model="cpa", bid_amount=Decimal("12.00")))
    goal = ConversionGoalFactory(
        advertiser=ad.campaign.advertiser, type="sale", default_value=Decimal("25.00")
    )
    click_uuid = _click(browser, zone)
    first = browser.post(
        "/api/v1/track/conversion",
        {"click_uuid": click_uuid, "type": "sale", "value": "29.99"},
        content_type="application/json",
    )
    assert first.status_code == 201
    again = browser.post(
        "/api/v1/track/conversion",
        {"click_uuid": click_uuid, "type": "sale", "value": "29.99"},
        content_type="application/json",
    )
    assert again.json()["data"]["counted"] is False
    for bad, status in (
        ({"click_uuid": click_uuid, "value": "-1"}, 422),
        ({"click_uuid": click_uuid, "value": "abc"}, 422),
        ({"click_uuid": "00000000-0000-0000-0000-000000000000"}, 404),
        ({"click_uuid": "nope"}, 404),
    ):
        response = browser.post("/api/v1/track/conversion", bad, content_type="application/json")
        assert response.status_code == status, bad
    pixel = browser.get(f"/api/v1/track/conversion/pixel?goal={goal.uuid}&click={click_uuid}")
    assert pixel["Content-Type"] == GIF_TYPE  # same click and goal: not counted again
    events_drain()
    conversion = ConversionEvent.objects.get()
    assert conversion.value_micros == 29_990_000
    assert conversion.cost_micros == 12_000_000
    assert conversion.goal_id == goal.id
    assert totals()["conversions"] == 1


def test_conversion_outside_the_attribution_window(browser, zone, monkeypatch):
    ad = live_ad()
    ConversionGoalFactory(advertiser=ad.campaign.advertiser, attribution_window_days=1)
    click_uuid = _click(browser, zone)
    events_drain()  # two days on, the click is read from its raw row
    from apps.delivery import tracking

    later = time.time() + 2 * 86400
    monkeypatch.setattr(tracking.time, "time", lambda: later)
    response = browser.post(
        "/api/v1/track/conversion", {"click_uuid": click_uuid}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "outside_attribution_window"


def test_viewability_and_video_quartiles_count_once(browser, zone):
    live_ad()
    data = served(browser, zone)
    for _ in range(2):
        browser.get(path_of(data["ad"]["viewable_url"]))
    token = parse_qs(urlparse(data["ad"]["impression_url"]).query)["t"][0]
    for event in ("start", "firstQuartile", "midpoint", "midpoint", "bogus"):
        assert browser.get(f"/api/v1/track/video?t={token}&event={event}").status_code == 200
    events_drain()
    kinds = sorted(EngagementEvent.objects.values_list("kind", flat=True))
    assert kinds == ["firstQuartile", "midpoint", "start", "viewable"]
    stat = HourlyStat.objects.get()
    assert (stat.viewable_impressions, stat.video_starts, stat.video_midpoints) == (1, 1, 1)


def test_campaign_stops_at_its_daily_budget(browser, zone):
    # 10.00 CPM = 0.01 an impression; a 0.03 budget buys exactly three.
    live_ad(campaign=live_campaign(bid_amount=Decimal("10.00"), daily_budget=Decimal("0.03")))
    shown = 0
    for _ in range(6):
        data = served(browser, zone)
        if data is None:
            break
        browser.get(path_of(data["ad"]["impression_url"]))
        shown += 1
    assert shown == 3
    events_drain()
    assert totals()["spend"] == 30_000


@override_settings(FRAUD_ALERT_THRESHOLD=3)
def test_fraud_alert_once_when_a_source_trips_the_threshold(
    browser, zone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            browser.get("/api/v1/track/impression/pixel?t=forged.token")
    alerts = DomainEvent.objects.filter(event_type="fraud.alert")
    assert alerts.count() == 1
    # Addresses are truncated before they are stored (the alert is stored and sent on).
    assert alerts.get().data["ip"] == "8.8.8.0"


def test_invalid_traffic_keeps_only_the_truncated_address(zone):
    from apps.delivery.models import InvalidEvent

    for address in ("203.0.113.77", "2001:db8:1234:5678::1"):
        Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR=address).get(
            "/api/v1/track/impression/pixel?t=forged.token"
        )
    events_drain()
    assert sorted(InvalidEvent.objects.values_list("ip", flat=True)) == [
        "2001:db8:1234::",
        "203.0.113.0",
    ]


def test_seed_form_by_zone_and_ad_for_the_user_it_was_served_to(browser, zone):
    ad = live_ad()
    data = served(browser, zone)
    time.sleep(0.05)  # with Redis, serving remembers the token without waiting for the reply
    body = {"zone_uuid": str(zone.uuid), "ad_uuid": str(ad.uuid)}
    response = browser.post("/api/v1/track/impression", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["data"]["impression_uuid"] == data["impression_uuid"]
    pixel = browser.get("/api/v1/track/impression/pixel", body)  # the same serve: a replay
    assert pixel["Content-Type"] == GIF_TYPE
    click = browser.post(
        "/api/v1/track/click",
        {
            "ad_uuid": str(ad.uuid),
            "impression_uuid": data["impression_uuid"],
            "destination_url": ad.destination_url,
        },
        content_type="application/json",
    )
    assert click.status_code == 201
    events_drain()
    assert ImpressionEvent.objects.count() == 1
    assert ClickEvent.objects.count() == 1


def test_reconciliation_finds_no_drift_then_reports_tampering(browser, zone):
    from apps.delivery.reconcile import rollups_reconcile

    live_ad()
    for _ in range(3):
        data = served(browser, zone)
        browser.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    today = timezone.now().date()
    assert rollups_reconcile(day=today) == []
    HourlyStat.objects.update(impressions=99)
    drift = rollups_reconcile(day=today)
    assert len(drift) == 1
    assert drift[0]["raw"]["impressions"] == 3
    assert drift[0]["rollup"]["impressions"] == 99


def test_retention_purges_old_impressions_only(browser, zone, settings):
    from datetime import timedelta

    from apps.delivery.reconcile import raw_events_purge

    live_ad()
    data = served(browser, zone)
    browser.get(path_of(data["ad"]["impression_url"]))
    browser.get(path_of(data["ad"]["click_url"]))
    events_drain()
    settings.IMPRESSION_RETENTION_DAYS = 30
    ImpressionEvent.objects.update(occurred_at=timezone.now() - timedelta(days=31))
    assert raw_events_purge() == 1
    assert ClickEvent.objects.count() == 1
    assert totals()["impressions"] == 1  # rollups keep the history


def test_tracking_rate_limit_refuses_and_records(browser, zone):
    live_ad()
    urls = [path_of(served(browser, zone)["ad"]["impression_url"]) for _ in range(3)]
    with override_settings(RATELIMIT_PUBLIC="2/h"):
        for url in urls:
            assert browser.get(url)["Content-Type"] == GIF_TYPE
    events_drain()
    assert ImpressionEvent.objects.count() == 2
    assert list(InvalidEvent.objects.values_list("reason", flat=True)) == ["rate_limited"]
