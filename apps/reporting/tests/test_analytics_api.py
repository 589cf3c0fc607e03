"""Seed 001's analytics: numbers tracked through serve → pixel/click/conversion → drain read
back to the cent, scoping and roles."""

from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import ConversionGoalFactory, live_ad, live_campaign
from apps.inventory.tests.factories import ZoneFactory

from .conftest import api, convert, drain, track

pytestmark = pytest.mark.django_db

STATS_KEYS = {
    "impressions",
    "clicks",
    "ctr",
    "conversions",
    "conversion_rate",
    "ecpm",
    "ecpc",
    "viewable_impressions",
    "viewable_rate",
    "invalid_events",
}


def _tracked(browser, placement):
    """7 impressions at 2.50 CPM, 2 clicks, 3 viewable, one 29.99 sale."""
    ad, zone = placement
    ConversionGoalFactory(advertiser=ad.campaign.advertiser, type="sale")
    clicks = track(browser, zone, impressions=7, clicks=2, viewable=3)
    convert(browser, clicks[0], type="sale", value="29.99")
    drain()
    return ad, zone


def test_campaign_analytics_equal_what_was_tracked(browser, placement):
    ad, _ = _tracked(browser, placement)
    response = api(ad.campaign.advertiser.user).get(f"/api/v1/analytics/campaigns/{ad.campaign_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["campaign_id"] == ad.campaign_id
    assert data["period"] == "all"
    assert data["timezone"] == "UTC"
    assert data["from"] == data["to"] == date.today().isoformat()
    stats = data["stats"]
    assert set(stats) == STATS_KEYS | {"spend", "conversion_value"}  # no publisher revenue
    assert (stats["impressions"], stats["clicks"], stats["conversions"]) == (7, 2, 1)
    # 7 x 2,500 micros = 0.0175 -> "0.02" (half-even, once); 2/7 = 28.571.. % -> 28.57
    assert stats["spend"] == "0.02"
    assert stats["ctr"] == 28.57
    assert stats["conversion_rate"] == 50.0
    assert stats["conversion_value"] == "29.99"
    assert stats["ecpm"] == "2.50"  # 17,500 micros / 7 x 1000
    assert stats["ecpc"] == "0.01"  # 0.00875
    assert (stats["viewable_impressions"], stats["viewable_rate"]) == (3, 42.86)
    assert stats["invalid_events"] == 0
    assert len(data["daily_trend"]) == 1
    day = data["daily_trend"][0]
    assert day["date"] == data["from"]
    assert (day["impressions"], day["clicks"], day["spend"]) == (7, 2, "0.02")


def test_ad_analytics_and_a_second_ad_kept_apart(browser, placement):
    ad, _ = _tracked(browser, placement)
    other = live_ad(campaign=ad.campaign, width=728, height=90)
    track(browser, ZoneFactory(width=728, height=90), impressions=2)
    drain()
    client = api(ad.campaign.advertiser.user)
    first = client.get(f"/api/v1/analytics/ads/{ad.id}").json()["data"]
    second = client.get(f"/api/v1/analytics/ads/{other.id}").json()["data"]
    assert first["ad_id"] == ad.id
    assert (first["stats"]["impressions"], second["stats"]["impressions"]) == (7, 2)
    campaign = client.get(f"/api/v1/analytics/campaigns/{ad.campaign_id}").json()["data"]
    assert campaign["stats"]["impressions"] == 9
    assert campaign["stats"]["spend"] == "0.02"  # 9 x 2,500 = 0.0225 -> 0.02


def test_publisher_and_zone_analytics_show_revenue_and_fill(browser, placement):
    _, zone = _tracked(browser, placement)
    track(browser, zone, served_only=1)  # served, never counted: a fill but no impression
    drain()
    publisher = zone.website.publisher
    client = api(publisher.user)
    for path in (
        f"/api/v1/analytics/publishers/{publisher.id}",
        f"/api/v1/publishers/{publisher.id}/analytics",
    ):
        data = client.get(path).json()["data"]
        assert data["publisher_id"] == publisher.id
        stats = data["stats"]
        assert "spend" not in stats
        # 7 x 1,750 micros (70 % of 2,500) = 0.01225 -> "0.01"; eCPM on revenue = 1.75
        assert (stats["revenue"], stats["ecpm"]) == ("0.01", "1.75")
        assert (stats["requests"], stats["fills"], stats["fill_rate"]) == (8, 8, 100.0)
    zone_data = client.get(f"/api/v1/analytics/zones/{zone.id}").json()["data"]
    assert zone_data["zone_id"] == zone.id
    assert zone_data["stats"]["impressions"] == 7
    assert zone_data["daily_trend"][0]["requests"] == 8


def test_admin_and_finance_see_spend_and_revenue(browser, placement, admin, finance):
    ad, zone = _tracked(browser, placement)
    for user in (admin, finance):
        client = api(user)
        campaign = client.get(f"/api/v1/analytics/campaigns/{ad.campaign_id}").json()["data"]
        assert list(campaign["stats"]).index("spend") < list(campaign["stats"]).index("revenue")
        assert (campaign["stats"]["spend"], campaign["stats"]["revenue"]) == ("0.02", "0.01")
        zone_data = client.get(f"/api/v1/analytics/zones/{zone.id}").json()["data"]
        assert zone_data["stats"]["ecpm"] == "1.75"  # publisher views: eCPM on revenue


def test_periods(browser, placement):
    ad, _ = _tracked(browser, placement)
    client = api(ad.campaign.advertiser.user)
    url = f"/api/v1/analytics/campaigns/{ad.campaign_id}"
    today = client.get(url, {"period": "today"}).json()["data"]
    assert today["stats"]["impressions"] == 7
    yesterday = client.get(url, {"period": "yesterday"}).json()["data"]
    assert yesterday["stats"]["impressions"] == 0
    assert [d["impressions"] for d in yesterday["daily_trend"]] == [0]
    week = client.get(url, {"period": "last_7_days"}).json()["data"]
    assert len(week["daily_trend"]) == 7
    assert [d["impressions"] for d in week["daily_trend"]] == [0] * 6 + [7]
    month = client.get(url, {"period": "last_30_days"}).json()["data"]
    assert len(month["daily_trend"]) == 30
    assert month["stats"]["clicks"] == 2


def test_other_accounts_ids_answer_404(browser, placement):
    ad, zone = _tracked(browser, placement)
    stranger = UserFactory(role=Role.ADVERTISER)
    client = api(stranger)
    for path in (f"/api/v1/analytics/campaigns/{ad.campaign_id}", f"/api/v1/analytics/ads/{ad.id}"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    other_publisher = api(UserFactory(role=Role.PUBLISHER))
    publisher_id = zone.website.publisher_id
    for path in (
        f"/api/v1/analytics/publishers/{publisher_id}",
        f"/api/v1/publishers/{publisher_id}/analytics",
        f"/api/v1/analytics/zones/{zone.id}",
    ):
        assert other_publisher.get(path).status_code == 404
    assert client.get("/api/v1/analytics/campaigns/999999").status_code == 404


def test_roles_advertiser_and_publisher_sides(browser, placement):
    ad, zone = _tracked(browser, placement)
    advertiser = api(ad.campaign.advertiser.user)
    publisher = api(zone.website.publisher.user)
    for path in (
        f"/api/v1/analytics/publishers/{zone.website.publisher_id}",
        f"/api/v1/analytics/zones/{zone.id}",
    ):
        response = advertiser.get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    for path in (f"/api/v1/analytics/campaigns/{ad.campaign_id}", f"/api/v1/analytics/ads/{ad.id}"):
        assert publisher.get(path).status_code == 403


def test_partner_reads_the_advertisers_it_manages(browser, placement):
    ad, _ = _tracked(browser, placement)
    partner = UserFactory(role=Role.PARTNER, timezone="America/New_York")
    url = f"/api/v1/analytics/campaigns/{ad.campaign_id}"
    assert api(partner).get(url).status_code == 404
    ad.campaign.advertiser.managers.add(partner)
    data = api(partner).get(url).json()["data"]
    assert data["stats"]["impressions"] == 7
    assert data["timezone"] == "UTC"  # the advertiser's zone, not the partner's


def test_unauthenticated_is_401(api_client, placement):
    ad, _ = placement
    response = api_client.get(f"/api/v1/analytics/campaigns/{ad.campaign_id}")
    assert response.status_code == 401


def test_non_numeric_ids_are_json_404(placement):
    ad, _ = placement
    client = api(ad.campaign.advertiser.user)
    for path in ("/api/v1/analytics/campaigns/abc", "/api/v1/analytics/ads/1e3"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"period": "fortnight"}, "period", "invalid_enum_value"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "from", "end_before_start"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "too_big"),
        ({"from": "10/03/2026"}, "from", "invalid_type"),
        ({"to": "2026-03-01"}, "from", "required"),
        ({"from": "1999-12-31", "to": "2000-01-01"}, "from", "out_of_range"),
        ({"timezone": "Mars/Olympus"}, "timezone", "invalid_enum_value"),
        ({"format": "xml"}, "format", "invalid_enum_value"),
    ],
)
def test_bad_query_is_422_in_the_envelope(placement, params, field, code):
    ad, _ = placement
    client = api(ad.campaign.advertiser.user)
    response = client.get(f"/api/v1/analytics/campaigns/{ad.campaign_id}", params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["success"] is False
    assert body["code"] == "validation_failed"
    assert body["details"][0]["path"] == ["query", field]
    assert body["details"][0]["code"] == code


def test_range_limit_is_a_setting(placement, settings):
    ad, _ = placement
    client = api(ad.campaign.advertiser.user)
    url = f"/api/v1/analytics/campaigns/{ad.campaign_id}"
    settings.REPORT_MAX_DAYS = 7
    too_long = client.get(url, {"from": "2026-03-01", "to": "2026-03-08"})
    assert too_long.status_code == 422
    assert too_long.json()["details"][0]["maximum"] == 7
    ok = client.get(url, {"from": "2026-03-02", "to": "2026-03-08"}).json()["data"]
    assert (ok["period"], ok["from"], ok["to"]) == ("custom", "2026-03-02", "2026-03-08")
    assert len(ok["daily_trend"]) == 7


def test_a_cpc_campaign_charges_per_click_to_the_cent(browser):
    ad = live_ad(campaign=live_campaign(pricing_model="cpc", bid_amount=Decimal("0.35")))
    zone = ZoneFactory(width=300, height=250, floor_price=Decimal("0"))
    track(browser, zone, impressions=9, clicks=3)
    drain()
    stats = api(ad.campaign.advertiser.user).get(f"/api/v1/analytics/ads/{ad.id}").json()
    stats = stats["data"]["stats"]
    assert (stats["spend"], stats["ecpc"], stats["ctr"]) == ("1.05", "0.35", 33.33)
    assert stats["ecpm"] == "116.67"  # 1.05 / 9 x 1000 = 116.666..
