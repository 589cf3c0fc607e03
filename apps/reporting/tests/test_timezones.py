"""Days and hours in the account's time zone over UTC-hour rollups (rows inserted directly at
chosen UTC hours)."""

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdFactory
from apps.inventory.tests.factories import ZoneFactory
from apps.reporting import periods

from .conftest import api, at, put

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokyo():
    """A Tokyo advertiser's ad, a zone, and rows either side of Tokyo's midnights."""
    ad = AdFactory(campaign__advertiser__timezone="Asia/Tokyo")
    zone = ZoneFactory()
    put(ad, zone, at(2026, 3, 9, 14), 10)  # 23:00 on 9 March in Tokyo
    put(ad, zone, at(2026, 3, 9, 15), 20)  # 00:00 on 10 March in Tokyo
    put(ad, zone, at(2026, 3, 10, 14), 40)  # 23:00 on 10 March in Tokyo
    put(ad, zone, at(2026, 3, 10, 15), 80)  # 00:00 on 11 March in Tokyo
    return ad, zone


def campaign_data(client, ad, **params):
    response = client.get(f"/api/v1/analytics/campaigns/{ad.campaign_id}", params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_a_tokyo_day_runs_from_15_utc_to_15_utc(tokyo):
    ad, _ = tokyo
    client = api(ad.campaign.advertiser.user)
    day = campaign_data(client, ad, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert day["timezone"] == "Asia/Tokyo"
    assert day["stats"]["impressions"] == 60
    assert day["stats"]["spend"] == "0.06"
    utc = campaign_data(client, ad, **{"from": "2026-03-10", "to": "2026-03-10", "timezone": "UTC"})
    assert utc["stats"]["impressions"] == 120
    trend = campaign_data(client, ad, **{"from": "2026-03-09", "to": "2026-03-11"})
    assert [(d["date"], d["impressions"]) for d in trend["daily_trend"]] == [
        ("2026-03-09", 10),
        ("2026-03-10", 60),
        ("2026-03-11", 80),
    ]


def test_all_starts_on_the_first_local_day_with_data(tokyo, monkeypatch):
    ad, _ = tokyo
    monkeypatch.setattr(periods, "_now", lambda: at(2026, 3, 12, 3))
    data = campaign_data(api(ad.campaign.advertiser.user), ad)
    assert (data["period"], data["from"], data["to"]) == ("all", "2026-03-09", "2026-03-12")
    assert [d["impressions"] for d in data["daily_trend"]] == [10, 60, 80, 0]
    assert data["stats"]["impressions"] == 150


def test_today_is_the_accounts_today(tokyo, monkeypatch):
    ad, _ = tokyo
    # 16:00 UTC on 10 March is 01:00 on 11 March in Tokyo.
    monkeypatch.setattr(periods, "_now", lambda: at(2026, 3, 10, 16))
    in_tokyo = campaign_data(api(ad.campaign.advertiser.user), ad, period="today")
    assert (in_tokyo["from"], in_tokyo["stats"]["impressions"]) == ("2026-03-11", 80)
    yesterday = campaign_data(api(ad.campaign.advertiser.user), ad, period="yesterday")
    assert (yesterday["from"], yesterday["stats"]["impressions"]) == ("2026-03-10", 60)
    utc_admin = UserFactory(role=Role.ADMIN, timezone="UTC")
    in_utc = campaign_data(api(utc_admin), ad, period="today")
    assert (in_utc["from"], in_utc["timezone"]) == ("2026-03-10", "UTC")
    assert in_utc["stats"]["impressions"] == 120


def test_advertiser_zone_wins_over_the_users(tokyo):
    ad, _ = tokyo
    user = ad.campaign.advertiser.user
    user.timezone = "Europe/Paris"
    user.save()
    overview = api(user).get("/api/v1/reports/overview", {"from": "2026-03-10"})
    assert overview.json()["data"]["timezone"] == "Asia/Tokyo"


def test_hour_of_day_buckets_are_local(tokyo):
    ad, _ = tokyo
    client = api(ad.campaign.advertiser.user)
    data = client.get("/api/v1/reports/hourly", {"from": "2026-03-09", "to": "2026-03-11"}).json()[
        "data"
    ]
    hours = {h["hour"]: h["impressions"] for h in data["hours"]}
    assert len(data["hours"]) == 24
    assert (hours[23], hours[0]) == (50, 100)
    assert sum(hours.values()) == 150


def test_per_hour_buckets_follow_dst():
    ad = AdFactory(campaign__advertiser__timezone="America/New_York")
    zone = ZoneFactory()
    put(ad, zone, at(2026, 3, 8, 7), 5)  # 03:00 EDT, just after the clocks went forward
    client = api(ad.campaign.advertiser.user)
    spring = client.get(
        "/api/v1/reports/hourly", {"from": "2026-03-08", "to": "2026-03-08", "bucket": "hour"}
    ).json()["data"]
    assert len(spring["hours"]) == 23
    labels = [h["hour"] for h in spring["hours"]]
    assert labels[:3] == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",
    ]
    assert spring["hours"][2]["impressions"] == 5
    autumn = client.get(
        "/api/v1/reports/hourly", {"from": "2026-11-01", "to": "2026-11-01", "bucket": "hour"}
    ).json()["data"]
    assert len(autumn["hours"]) == 25


def test_half_hour_zones_split_days_inside_utc_hours():
    ad = AdFactory(campaign__advertiser__timezone="Asia/Kolkata")
    zone = ZoneFactory()
    put(ad, zone, at(2026, 3, 9, 18), 1)  # 23:30 on 9 March in India
    put(ad, zone, at(2026, 3, 9, 19), 2)  # 00:30 on 10 March
    data = campaign_data(
        api(ad.campaign.advertiser.user), ad, **{"from": "2026-03-10", "to": "2026-03-10"}
    )
    assert data["stats"]["impressions"] == 2


def test_publishers_read_in_their_own_zone(tokyo):
    _, zone = tokyo
    user = zone.website.publisher.user
    user.timezone = "Asia/Tokyo"
    user.save()
    data = (
        api(user)
        .get(f"/api/v1/analytics/zones/{zone.id}", {"from": "2026-03-10", "to": "2026-03-10"})
        .json()["data"]
    )
    assert data["timezone"] == "Asia/Tokyo"
    assert (data["stats"]["impressions"], data["stats"]["revenue"]) == (60, "0.04")  # 0.042
