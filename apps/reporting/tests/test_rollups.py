"""The per-scope rollups: every report answers the same with and without them, late events
reach them, and a failed build never breaks a report."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdFactory
from apps.delivery.models import HourlyStat, ZoneHourlyStat
from apps.inventory.tests.factories import ZoneFactory
from apps.reporting import rollups
from apps.reporting.models import RollupState, ScopeHourlyStat

from .conftest import api, put

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
TOP = NOW.replace(minute=0)


@pytest.fixture
def history():
    """Two advertisers (A has two campaigns) on two publishers' zones, rows every 5 hours for
    four days up to the current hour, video and conversions on some."""
    ad_a1 = AdFactory()
    ad_a2 = AdFactory(campaign__advertiser=ad_a1.campaign.advertiser)
    ad_b = AdFactory()
    zone_p = ZoneFactory()
    zone_p2 = ZoneFactory(website=zone_p.website)
    zone_q = ZoneFactory()
    placements = [(ad_a1, zone_p), (ad_a2, zone_p2), (ad_b, zone_q), (ad_a1, zone_q)]
    for n, hours_back in enumerate(range(0, 96, 5)):
        hour = TOP - timedelta(hours=hours_back)
        for k, (ad, zone) in enumerate(placements):
            put(
                ad,
                zone,
                hour,
                impressions=7 + n + 3 * k,
                clicks=(n + k) % 3,
                conversions=(n + k) % 2,
                conversion_value_micros=1_234_567 * ((n + k) % 2),
                viewable_impressions=3 + n,
                video_starts=k,
                video_completes=k // 2,
                invalid_events=n % 2,
                spend_micros=(7 + n + 3 * k) * 2_345,
                revenue_micros=(7 + n + 3 * k) * 1_641,
            )
            ZoneHourlyStat.objects.get_or_create(
                hour=hour,
                zone_id=zone.id,
                defaults={
                    "publisher_id": zone.website.publisher_id,
                    "requests": 20 + n,
                    "fills": 10 + n,
                },
            )
    return {
        "ad_a1": ad_a1,
        "ad_b": ad_b,
        "zone_p": zone_p,
        "zone_q": zone_q,
        "admin": UserFactory(role=Role.ADMIN),
    }


def _cases(h):
    advertiser = h["ad_a1"].campaign.advertiser.user
    publisher = h["zone_p"].website.publisher.user
    campaign, ad, zone = h["ad_a1"].campaign_id, h["ad_a1"].id, h["zone_p"].id
    publisher_id = h["zone_p"].website.publisher_id
    paths = {
        advertiser: [
            f"/api/v1/analytics/campaigns/{campaign}",
            f"/api/v1/analytics/ads/{ad}",
            "/api/v1/reports",
            "/api/v1/reports/overview",
            f"/api/v1/reports/overview?campaign_id={campaign}",
            "/api/v1/reports/hourly",
            "/api/v1/reports/hourly?bucket=hour&period=last_7_days",
            "/api/v1/reports/viewability",
            "/api/v1/reports/video",
            "/api/v1/reports/attribution",
        ],
        publisher: [
            f"/api/v1/analytics/publishers/{publisher_id}",
            f"/api/v1/analytics/zones/{zone}",
            "/api/v1/reports",
            "/api/v1/reports/overview",
            f"/api/v1/reports/overview?zone_id={zone}",
            "/api/v1/reports/floor",
        ],
        h["admin"]: [
            "/api/v1/reports",
            "/api/v1/reports/financial",
            f"/api/v1/reports/overview?campaign_id={campaign}&zone_id={h['zone_q'].id}",
            f"/api/v1/reports/overview?publisher_id={publisher_id}",
            "/api/v1/reports/floor",
            f"/api/v1/analytics/campaigns/{h['ad_b'].campaign_id}",
        ],
    }
    for user, user_paths in paths.items():
        for path in user_paths:
            for period in ("", "period=today", "period=yesterday", "period=last_7_days"):
                joiner = "&" if "?" in path else "?"
                yield user, f"{path}{joiner}{period}" if period else path


def _answers(history, settings, enabled: bool) -> dict:
    settings.REPORT_ROLLUPS = enabled
    clients = {}
    answers = {}
    for user, path in _cases(history):
        client = clients.setdefault(user, api(user))
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        answers[(user.id, path)] = json.dumps(response.json(), sort_keys=True)
    return answers


def test_every_report_answers_the_same_from_the_rollups(history, settings):
    live = _answers(history, settings, enabled=False)
    assert not ScopeHourlyStat.objects.exists()
    rolled = _answers(history, settings, enabled=True)
    state = RollupState.objects.get()
    assert state.built_until == rollups.rollups_horizon(datetime.now(UTC))
    assert ScopeHourlyStat.objects.filter(scope="platform").count() > 10
    assert live == rolled


def test_recent_hours_are_always_exact(history):
    ad = history["ad_a1"]
    client = api(ad.campaign.advertiser.user)
    url = f"/api/v1/analytics/ads/{ad.id}"
    before = client.get(url).json()["data"]["stats"]["impressions"]
    HourlyStat.objects.filter(ad_id=ad.id, hour=TOP).update(impressions=10_000)
    after = client.get(url).json()["data"]["stats"]["impressions"]
    assert after > before + 9_000


def test_a_late_event_reaches_the_rollups_on_the_next_refresh(history, monkeypatch):
    ad = history["ad_a1"]
    client = api(ad.campaign.advertiser.user)
    url = f"/api/v1/analytics/campaigns/{ad.campaign_id}"
    monkeypatch.setattr(rollups, "_now", lambda: NOW)
    first = client.get(url).json()["data"]["stats"]["impressions"]
    late = HourlyStat.objects.filter(ad_id=ad.id, hour=TOP - timedelta(hours=5)).first()
    late.impressions += 500
    late.save()
    assert client.get(url).json()["data"]["stats"]["impressions"] == first  # not yet
    monkeypatch.setattr(rollups, "_now", lambda: NOW + timedelta(seconds=901))
    assert client.get(url).json()["data"]["stats"]["impressions"] == first + 500
    # Older than the refresh window: only a rebuild from a date picks it up.
    old = HourlyStat.objects.filter(ad_id=ad.id, hour=TOP - timedelta(hours=75)).first()
    old.impressions += 40
    old.save()
    monkeypatch.setattr(rollups, "_now", lambda: NOW + timedelta(seconds=1900))
    assert client.get(url).json()["data"]["stats"]["impressions"] == first + 500
    since = (old.hour - timedelta(days=1)).date().isoformat()
    call_command("reporting_rollups", "--since", since, stdout=io.StringIO())
    assert client.get(url).json()["data"]["stats"]["impressions"] == first + 540


def test_a_failed_build_still_answers_exactly(history, monkeypatch, settings):
    ad = history["ad_a1"]
    url = f"/api/v1/analytics/campaigns/{ad.campaign_id}"
    settings.REPORT_ROLLUPS = False
    expected = api(ad.campaign.advertiser.user).get(url).json()
    settings.REPORT_ROLLUPS = True

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(rollups, "rollups_build", broken)
    response = api(ad.campaign.advertiser.user).get(url)
    assert response.status_code == 200
    assert response.json() == expected
    assert not RollupState.objects.filter(built_until__isnull=False).exists()


def test_a_build_in_another_process_leaves_the_old_boundary(history):
    cache.add(rollups.LOCK_KEY, "busy", timeout=60)
    assert rollups.rollups_boundary() is None
    cache.delete(rollups.LOCK_KEY)
    assert rollups.rollups_boundary() == rollups.rollups_horizon(datetime.now(UTC))


def test_the_command_builds_everything(history):
    call_command("reporting_rollups", "--all", stdout=io.StringIO())
    horizon = rollups.rollups_horizon(datetime.now(UTC))
    total = sum(HourlyStat.objects.filter(hour__lt=horizon).values_list("impressions", flat=True))
    platform = ScopeHourlyStat.objects.filter(scope="platform").values_list(
        "impressions", flat=True
    )
    assert sum(platform) == total


def test_admin_pages_and_rebuild_action(history, client):
    admin_user = history["admin"]
    client.force_login(admin_user)
    assert client.get("/admin/reporting/scopehourlystat/").status_code == 200
    rollups.rollups_refresh()
    state = RollupState.objects.get()
    page = client.get("/admin/reporting/rollupstate/")
    assert page.status_code == 200
    response = client.post(
        "/admin/reporting/rollupstate/",
        {"action": "rebuild", "_selected_action": [state.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Report rollups built until" in response.content
