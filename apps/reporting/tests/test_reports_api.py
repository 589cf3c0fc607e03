"""``reports``, ``reports/financial`` and seed 000's family, from events tracked through the
pipeline: totals, roles and scoping, CSV, query counts."""

import csv
import io
import time
from decimal import Decimal

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import ConversionGoalFactory, live_ad, live_campaign
from apps.common.tests.document import assert_documented, call
from apps.delivery import tracking
from apps.inventory.tests.factories import ZoneFactory

from .conftest import api, convert, drain, track

pytestmark = pytest.mark.django_db
FAMILY = ("overview", "hourly", "attribution", "viewability", "video")


@pytest.fixture
def network(browser):
    """Two advertisers on two publishers' zones, tracked through the pipeline.

    A: CPM 2.50, 4 impressions on zone A (2 clicks, 1 sale of 10.00, 2 viewable) and a video
    start + first quartile; B: CPM 4.00, 3 impressions on zone B, 1 click.
    """
    ad_a = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    ad_b = live_ad(campaign=live_campaign(bid_amount=Decimal("4.00")), width=728, height=90)
    zone_a = ZoneFactory(width=300, height=250, floor_price=Decimal("1.00"))
    zone_b = ZoneFactory(width=728, height=90, floor_price=Decimal("0.50"))
    goal = ConversionGoalFactory(advertiser=ad_a.campaign.advertiser, type="sale")
    clicks = track(
        browser, zone_a, impressions=4, clicks=2, viewable=2, video=("start", "firstQuartile")
    )
    convert(browser, clicks[0], value="10.00")
    track(browser, zone_b, impressions=3, clicks=1, served_only=1)
    drain()
    return {"ad_a": ad_a, "ad_b": ad_b, "zone_a": zone_a, "zone_b": zone_b, "goal": goal}


def get(user, path, **params):
    response = api(user).get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_summary_is_own_data_for_each_side(network):
    advertiser_a = network["ad_a"].campaign.advertiser.user
    mine = get(advertiser_a, "/api/v1/reports")
    assert mine["period"] == "all"
    summary = mine["summary"]
    assert (summary["total_impressions"], summary["total_clicks"]) == (4, 2)
    assert summary["total_spend"] == "0.01"  # 4 x 2,500 micros = 0.01
    assert summary["ctr"] == 50.0
    assert "total_revenue" not in summary  # the publishers' share is not the advertiser's
    assert [set(d) for d in mine["revenue_over_time"]] == [{"date", "spend"}]
    publisher_b = network["zone_b"].website.publisher.user
    earned = get(publisher_b, "/api/v1/reports")["summary"]
    assert (earned["total_impressions"], earned["total_revenue"]) == (3, "0.01")  # 8,400
    assert "total_spend" not in earned


def test_summary_and_financial_for_admin_and_finance(network, admin, finance):
    for user in (admin, finance):
        data = get(user, "/api/v1/reports/financial")
        summary = data["summary"]
        assert summary["total_impressions"] == 7
        # spend 4 x 2,500 + 3 x 4,000 = 22,000 micros; revenue 70 % = 15,400
        assert (summary["total_spend"], summary["total_revenue"]) == ("0.02", "0.02")
        assert summary["platform_revenue"] == "0.01"  # 6,600 micros
        assert data["revenue_over_time"][0]["revenue"] == "0.02"
        by_advertiser = {r["advertiser_id"]: r for r in data["per_advertiser_revenue"]}
        a = network["ad_a"].campaign.advertiser
        b = network["ad_b"].campaign.advertiser
        assert by_advertiser[a.id]["company"] == a.company
        assert (by_advertiser[a.id]["spend"], by_advertiser[b.id]["spend"]) == ("0.01", "0.01")
        assert data["per_advertiser_revenue"][0]["advertiser_id"] == b.id  # 12,000 > 10,000
        payouts = {r["publisher_id"]: r for r in data["per_publisher_payouts"]}
        assert payouts[network["zone_a"].website.publisher_id]["impressions"] == 4
        assert get(user, "/api/v1/reports")["summary"]["total_impressions"] == 7


def test_financial_is_for_admin_and_finance_only(network):
    for user in (
        network["ad_a"].campaign.advertiser.user,
        network["zone_a"].website.publisher.user,
        UserFactory(role=Role.PARTNER),
    ):
        response = api(user).get("/api/v1/reports/financial")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_overview_scoping_and_filters(network, admin):
    ad_a, ad_b = network["ad_a"], network["ad_b"]
    advertiser_a = ad_a.campaign.advertiser.user
    assert get(advertiser_a, "/api/v1/reports/overview")["totals"]["impressions"] == 4
    assert get(admin, "/api/v1/reports/overview")["totals"]["impressions"] == 7
    only_b = get(admin, "/api/v1/reports/overview", campaign_id=ad_b.campaign_id)
    assert (only_b["totals"]["impressions"], only_b["filters"]) == (
        3,
        {"campaign_id": ad_b.campaign_id},
    )
    by_zone = get(admin, "/api/v1/reports/overview", zone_id=network["zone_a"].id, ad_id=ad_a.id)
    assert by_zone["totals"]["impressions"] == 4
    client = api(advertiser_a)
    for params in (
        {"campaign_id": ad_b.campaign_id},  # another advertiser's
        {"ad_id": ad_b.id},
        {"zone_id": network["zone_a"].id},  # advertisers do not see zones
        {"campaign_id": 987654},
    ):
        assert client.get("/api/v1/reports/overview", params).status_code == 404, params
    bad = client.get("/api/v1/reports/overview", {"campaign_id": "abc"})
    assert bad.status_code == 422
    assert bad.json()["details"][0]["path"] == ["query", "campaign_id"]


def test_viewability_and_video(network):
    advertiser_a = network["ad_a"].campaign.advertiser.user
    viewability = get(advertiser_a, "/api/v1/reports/viewability")
    assert viewability["totals"] == {
        "impressions": 4,
        "viewable_impressions": 2,
        "viewable_rate": 50.0,
    }
    video = get(advertiser_a, "/api/v1/reports/video")
    assert (video["totals"]["starts"], video["totals"]["first_quartiles"]) == (1, 1)
    assert video["totals"]["completion_rate"] == 0.0
    assert [s["stage"] for s in video["funnel"]] == [
        "start",
        "firstQuartile",
        "midpoint",
        "thirdQuartile",
        "complete",
    ]
    assert video["funnel"][1]["rate"] == 100.0


def test_attribution_per_goal_with_time_to_convert(browser, network, monkeypatch):
    ad_a = network["ad_a"]
    clicks = track(browser, network["zone_a"], impressions=2, clicks=2)
    now = time.time()
    monkeypatch.setattr(tracking.time, "time", lambda: now + 90)
    convert(browser, clicks[0], value="5.00")
    monkeypatch.setattr(tracking.time, "time", lambda: now + 210)
    convert(browser, clicks[1], value="5.00")
    monkeypatch.undo()
    drain()
    data = get(ad_a.campaign.advertiser.user, "/api/v1/reports/attribution")
    (goal,) = data["goals"]
    assert (goal["goal_id"], goal["goal_name"]) == (network["goal"].id, network["goal"].name)
    assert (goal["conversions"], goal["converting_clicks"]) == (3, 3)
    assert goal["conversion_value"] == "20.00"
    assert goal["conversion_rate"] == 75.0  # 3 conversions / 4 clicks
    ttc = goal["time_to_convert"]
    assert ttc["count"] == 3
    assert 89 <= ttc["median_seconds"] <= 92
    assert 205 <= ttc["max_seconds"] <= 212
    assert ttc["min_seconds"] < 5
    assert data["totals"]["clicks"] == 4
    publisher_b = network["zone_b"].website.publisher.user
    assert get(publisher_b, "/api/v1/reports/attribution")["goals"] == []


def test_floor_report(network, admin):
    zone_a, zone_b = network["zone_a"], network["zone_b"]
    data = get(zone_b.website.publisher.user, "/api/v1/reports/floor")
    (row,) = data["zones"]
    assert row["zone_id"] == zone_b.id
    assert (row["floor_price"], row["requests"], row["fills"]) == ("0.50", 4, 4)
    assert (row["impressions"], row["avg_winning_cpm"], row["cpm_over_floor"]) == (
        3,
        "4.00",
        "3.50",
    )
    assert "spend" not in row
    everything = get(admin, "/api/v1/reports/floor")
    assert [r["zone_id"] for r in everything["zones"]] == sorted([zone_a.id, zone_b.id])
    assert everything["totals"]["requests"] == 8
    response = api(network["ad_a"].campaign.advertiser.user).get("/api/v1/reports/floor")
    assert response.status_code == 403
    other = api(zone_b.website.publisher.user).get("/api/v1/reports/floor", {"zone_id": zone_a.id})
    assert other.status_code == 404


def test_floor_report_keeps_a_deleted_zones_rows(network, admin):
    """The stats outlive the zone: no name, no floor (null, as the document says)."""
    zone_a = network["zone_a"]
    zone_id = zone_a.id
    zone_a.delete()
    response = call("GET", "/api/v1/reports/floor", user=admin)
    rows = assert_documented(response, "GET", "/api/v1/reports/floor")["data"]["zones"]
    gone = next(r for r in rows if r["zone_id"] == zone_id)
    assert (gone["zone_name"], gone["floor_price"], gone["cpm_over_floor"]) == ("", None, None)


def _csv(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return response["Content-Disposition"], list(csv.DictReader(io.StringIO(body)))


def test_every_report_as_csv(network, admin):
    ad_a = network["ad_a"]
    advertiser = api(ad_a.campaign.advertiser.user)
    disposition, rows = _csv(
        advertiser.get(f"/api/v1/analytics/campaigns/{ad_a.campaign_id}", {"format": "csv"})
    )
    assert disposition.startswith(f'attachment; filename="campaign-{ad_a.campaign_id}-')
    assert disposition.endswith('.csv"')
    assert len(rows) == 1
    assert (rows[0]["impressions"], rows[0]["spend"], rows[0]["ctr"]) == ("4", "0.01", "50.00")
    paths = ["/api/v1/reports", *(f"/api/v1/reports/{name}" for name in FAMILY)]
    for path in paths:
        disposition, rows = _csv(advertiser.get(path, {"format": "csv", "period": "today"}))
        assert 'filename="' in disposition
    disposition, rows = _csv(
        advertiser.get(
            "/api/v1/reports/overview",
            {"format": "csv", "from": "2026-03-01", "to": "2026-03-03"},
        )
    )
    assert disposition == 'attachment; filename="overview-2026-03-01-2026-03-03.csv"'
    assert [r["date"] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    _, rows = _csv(api(admin).get("/api/v1/reports/financial", {"format": "csv"}))
    assert {r["section"] for r in rows} == {"advertiser", "publisher"}
    _, rows = _csv(api(admin).get("/api/v1/reports/floor", {"format": "csv"}))
    assert {r["floor_price"] for r in rows} == {"1.00", "0.50"}


def test_csv_cells_are_never_formulas(network, admin):
    advertiser = network["ad_a"].campaign.advertiser
    advertiser.company = "=HYPERLINK(1)"
    advertiser.save()
    _, rows = _csv(api(admin).get("/api/v1/reports/financial", {"format": "csv"}))
    assert "'=HYPERLINK(1)" in {r["name"] for r in rows}


def test_format_is_checked_before_anything_else(network):
    client = api(network["ad_a"].campaign.advertiser.user)
    for path in ("/api/v1/reports", "/api/v1/reports/overview", "/api/v1/reports/hourly"):
        response = client.get(path, {"format": "xml"})
        assert response.status_code == 422
        assert response.json()["details"][0]["path"] == ["query", "format"]
    json_answer = client.get("/api/v1/reports/overview", {"format": "json"})
    assert json_answer["Content-Type"] == "application/json"
    missing = client.get("/api/v1/analytics/campaigns/987654", {"format": "csv"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"  # errors stay JSON


def test_query_counts_do_not_grow_with_data(network, admin, django_assert_max_num_queries):
    ad_a, zone_a = network["ad_a"], network["zone_a"]
    advertiser, publisher = ad_a.campaign.advertiser.user, zone_a.website.publisher.user
    cases = [
        (advertiser, f"/api/v1/analytics/campaigns/{ad_a.campaign_id}", 5),
        (advertiser, f"/api/v1/analytics/ads/{ad_a.id}", 5),
        (publisher, f"/api/v1/analytics/publishers/{zone_a.website.publisher_id}", 6),
        (publisher, f"/api/v1/analytics/zones/{zone_a.id}", 6),
        (advertiser, "/api/v1/reports", 5),
        (admin, "/api/v1/reports/financial", 6),
        (advertiser, "/api/v1/reports/overview", 5),
        (advertiser, "/api/v1/reports/hourly", 5),
        (advertiser, "/api/v1/reports/viewability", 5),
        (advertiser, "/api/v1/reports/video", 5),
        (advertiser, "/api/v1/reports/attribution", 6),
        (publisher, "/api/v1/reports/floor", 6),
        (admin, f"/api/v1/reports/overview?campaign_id={ad_a.campaign_id}", 6),
    ]
    clients = {user: api(user) for user in (advertiser, publisher, admin)}
    for client in clients.values():  # a key's first use records it; the first read builds
        client.get("/api/v1/reports")  # the rollups
    for user, path, budget in cases:  # API-key auth is one query of each budget
        with django_assert_max_num_queries(budget, info=path):
            response = clients[user].get(path)
        assert response.status_code == 200, path


def test_partner_reports_cover_managed_advertisers(network):
    partner = UserFactory(role=Role.PARTNER)
    assert get(partner, "/api/v1/reports/overview")["totals"]["impressions"] == 0
    network["ad_b"].campaign.advertiser.managers.add(partner)
    assert get(partner, "/api/v1/reports/overview")["totals"]["impressions"] == 3
