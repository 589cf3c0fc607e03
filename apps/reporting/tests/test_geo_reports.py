"""``reports/geo`` and ``reports/devices``: events tracked through serve, tracking and the
drain (with the serve's ``country``/``region``/``device`` overrides), read back per role, with
filters, as CSV, in the account's time zone, and with a fixed number of queries."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdFactory, ConversionGoalFactory, live_ad, live_campaign
from apps.delivery.tests.factories import CHROME_UA
from apps.inventory.tests.factories import ZoneFactory

from .conftest import api, at, convert, drain, put_geo, track

pytestmark = pytest.mark.django_db
GEO = "/api/v1/reports/geo"
DEVICES = "/api/v1/reports/devices"


@pytest.fixture
def world(browser):
    """Advertiser A's CPM 2.50 ad on publisher A's zone, B's CPM 4.00 ad on publisher B's.

    Zone A: 3 impressions served with ``country=DE&region=DE-BY&device=mobile`` (1 click,
    which converts for 10.00), 1 with ``country=DE&device=desktop``, 3 from a US address with
    a desktop browser (1 click), 1 from a private address with ``device=tablet`` (no
    country). Zone B: 2 impressions with ``country=FR&device=mobile``.
    """
    ad_a = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    ad_b = live_ad(campaign=live_campaign(bid_amount=Decimal("4.00")), width=728, height=90)
    zone_a = ZoneFactory(width=300, height=250, floor_price=Decimal("0.10"))
    zone_b = ZoneFactory(width=728, height=90, floor_price=Decimal("0.10"))
    ConversionGoalFactory(advertiser=ad_a.campaign.advertiser, type="sale")
    bavaria = {"country": "DE", "region": "DE-BY", "device": "mobile"}
    clicks = track(browser, zone_a, impressions=3, clicks=1, params=bavaria)
    convert(browser, clicks[0], value="10.00")
    track(browser, zone_a, impressions=1, params={"country": "DE", "device": "desktop"})
    track(browser, zone_a, impressions=3, clicks=1)  # 8.8.8.8: US; Chrome on Linux: desktop
    nowhere = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="10.1.2.3")
    track(nowhere, zone_a, impressions=1, params={"device": "tablet"})
    track(browser, zone_b, impressions=2, params={"country": "FR", "device": "mobile"})
    drain()
    return {"ad_a": ad_a, "ad_b": ad_b, "zone_a": zone_a, "zone_b": zone_b}


def get(user, path, **params):
    response = api(user).get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def by(rows, *keys):
    return {tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]: row for row in rows}


def test_served_country_and_device_show_in_both_reports(world):
    """``?country=DE&device=mobile`` on the serve reaches the reports through the pipeline."""
    advertiser = world["ad_a"].campaign.advertiser.user
    geo = by(get(advertiser, GEO)["locations"], "country")
    assert (geo["DE"]["impressions"], geo["DE"]["clicks"], geo["DE"]["conversions"]) == (4, 1, 1)
    regions = by(get(advertiser, GEO, level="region")["locations"], "country", "region")
    assert regions[("DE", "DE-BY")]["impressions"] == 3
    devices = by(get(advertiser, DEVICES)["devices"], "device")
    assert (devices["mobile"]["impressions"], devices["mobile"]["clicks"]) == (3, 1)
    overview = get(advertiser, "/api/v1/reports/overview")["totals"]
    for report in (get(advertiser, GEO), get(advertiser, DEVICES)):
        for key in ("impressions", "clicks", "conversions", "spend", "conversion_value"):
            assert report["totals"][key] == overview[key], key


def test_geo_for_an_advertiser_is_its_own_sorted_with_unknown(world):
    data = get(world["ad_a"].campaign.advertiser.user, GEO)
    assert (data["period"], data["level"], data["filters"]) == ("all", "country", {})
    rows = data["locations"]
    assert [(r["country"], r["impressions"]) for r in rows] == [
        ("DE", 4),
        ("US", 3),
        ("unknown", 1),
    ]
    de = rows[0]
    assert (de["spend"], de["conversion_value"], de["ecpm"]) == ("0.01", "10.00", "2.50")
    assert (de["ctr"], de["conversion_rate"], de["ecpc"]) == (25.0, 100.0, "0.01")
    assert "revenue" not in de and "FR" not in {r["country"] for r in rows}
    totals = data["totals"]
    assert (totals["impressions"], totals["clicks"], totals["spend"]) == (8, 2, "0.02")
    assert totals["ecpm"] == "2.50"  # 20,000 micros / 8 impressions * 1000


def test_geo_by_region(world):
    data = get(world["ad_a"].campaign.advertiser.user, GEO, level="region")
    assert data["level"] == "region"
    assert [(r["country"], r["region"], r["impressions"]) for r in data["locations"]] == [
        ("DE", "DE-BY", 3),
        ("US", "unknown", 3),
        ("DE", "unknown", 1),
        ("unknown", "unknown", 1),
    ]


def test_devices_for_an_advertiser(world):
    data = get(world["ad_a"].campaign.advertiser.user, DEVICES)
    assert [(r["device"], r["impressions"], r["clicks"]) for r in data["devices"]] == [
        ("desktop", 4, 1),
        ("mobile", 3, 1),
        ("tablet", 1, 0),
    ]
    assert data["totals"]["impressions"] == 8
    assert data["devices"][0]["spend"] == "0.01"


def test_publishers_see_their_zones_and_revenue_not_spend(world):
    publisher_a = world["zone_a"].website.publisher.user
    geo = get(publisher_a, GEO)
    de = geo["locations"][0]
    assert (de["country"], de["impressions"], de["revenue"]) == ("DE", 4, "0.01")  # 7,000
    assert de["ecpm"] == "1.75"  # revenue / impressions * 1000
    for row in (*geo["locations"], geo["totals"]):
        assert "spend" not in row and "conversion_value" not in row
    publisher_b = world["zone_b"].website.publisher.user
    assert [(r["country"], r["impressions"]) for r in get(publisher_b, GEO)["locations"]] == [
        ("FR", 2)
    ]
    devices = get(publisher_b, DEVICES)
    assert [(r["device"], r["revenue"]) for r in devices["devices"]] == [("mobile", "0.01")]
    assert "spend" not in devices["totals"]


def test_admin_and_finance_see_everything_with_both_moneys(world, admin, finance):
    for user in (admin, finance):
        data = get(user, GEO)
        assert [(r["country"], r["impressions"]) for r in data["locations"]] == [
            ("DE", 4),
            ("US", 3),
            ("FR", 2),
            ("unknown", 1),
        ]
        fr = data["locations"][2]
        assert (fr["spend"], fr["revenue"], fr["ecpm"]) == ("0.01", "0.01", "4.00")
        devices = by(get(user, DEVICES)["devices"], "device")
        assert devices["mobile"]["impressions"] == 5


def test_filters_narrow_as_the_family_does(world, admin):
    ad_a, ad_b, zone_a = world["ad_a"], world["ad_b"], world["zone_a"]
    only_b = get(admin, GEO, campaign_id=ad_b.campaign_id)
    assert only_b["filters"] == {"campaign_id": ad_b.campaign_id}
    assert [r["country"] for r in only_b["locations"]] == ["FR"]
    on_zone_a = get(admin, DEVICES, zone_id=zone_a.id, ad_id=ad_a.id)
    assert on_zone_a["totals"]["impressions"] == 8
    publisher_a = world["zone_a"].website.publisher.user
    assert get(publisher_a, GEO, zone_id=zone_a.id)["totals"]["impressions"] == 8


def test_another_accounts_filter_answers_404(world):
    advertiser = api(world["ad_a"].campaign.advertiser.user)
    for path in (GEO, DEVICES):
        for params in (
            {"campaign_id": world["ad_b"].campaign_id},  # another advertiser's
            {"ad_id": world["ad_b"].id},
            {"zone_id": world["zone_a"].id},  # advertisers do not see zones
            {"campaign_id": 987654},
        ):
            response = advertiser.get(path, params)
            assert response.status_code == 404, (path, params)
            assert response.json()["code"] == "not_found"
        publisher_b = api(world["zone_b"].website.publisher.user)
        assert publisher_b.get(path, {"zone_id": world["zone_a"].id}).status_code == 404


def test_partners_read_the_advertisers_they_manage(world):
    partner = UserFactory(role=Role.PARTNER)
    assert get(partner, GEO)["locations"] == []
    world["ad_b"].campaign.advertiser.managers.add(partner)
    assert [r["country"] for r in get(partner, GEO)["locations"]] == ["FR"]


def test_anonymous_callers_get_401():
    for path in (GEO, DEVICES):
        response = Client().get(path)
        assert response.status_code == 401
        assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (GEO, {"level": "city"}, "level"),
        (GEO, {"campaign_id": "abc"}, "campaign_id"),
        (DEVICES, {"zone_id": "0"}, "zone_id"),
        (DEVICES, {"period": "forever"}, "period"),
        (DEVICES, {"from": "2026-03-10", "to": "2026-03-01"}, "from"),
        (GEO, {"timezone": "Mars/Olympus"}, "timezone"),
        (GEO, {"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_a_422_envelope(path, params, field):
    response = api(UserFactory(role=Role.ADMIN)).get(path, params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["success"], body["code"]) == (False, "validation_failed")
    assert body["details"][0]["path"] == ["query", field]


def _csv(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return response["Content-Disposition"], list(csv.DictReader(io.StringIO(body)))


def test_csv_is_the_main_table(world):
    advertiser = api(world["ad_a"].campaign.advertiser.user)
    params = {"format": "csv", "from": "2026-03-01", "to": "2026-03-03"}
    disposition, rows = _csv(advertiser.get(GEO, params))
    assert disposition == 'attachment; filename="geo-country-2026-03-01-2026-03-03.csv"'
    assert rows == []
    disposition, rows = _csv(advertiser.get(GEO, {"format": "csv"}))
    assert [(r["country"], r["impressions"], r["spend"]) for r in rows] == [
        ("DE", "4", "0.01"),
        ("US", "3", "0.01"),
        ("unknown", "1", "0.00"),
    ]
    assert list(rows[0])[:3] == ["country", "impressions", "clicks"]
    _, rows = _csv(advertiser.get(GEO, {"format": "csv", "level": "region"}))
    assert (rows[0]["country"], rows[0]["region"]) == ("DE", "DE-BY")
    publisher = api(world["zone_a"].website.publisher.user)
    disposition, rows = _csv(publisher.get(DEVICES, {"format": "csv", "period": "today"}))
    assert disposition.startswith('attachment; filename="devices-')
    assert [(r["device"], r["impressions"]) for r in rows] == [
        ("desktop", "4"),
        ("mobile", "3"),
        ("tablet", "1"),
    ]
    assert "revenue" in rows[0] and "spend" not in rows[0]


def test_days_are_the_accounts_time_zone():
    """A Tokyo day runs from 15:00 UTC the day before to 15:00 UTC."""
    ad = AdFactory(campaign__advertiser__timezone="Asia/Tokyo")
    zone = ZoneFactory()
    put_geo(ad, zone, at(2026, 3, 9, 14), 10, country="DE", device="mobile")  # 9 Mar 23:00
    put_geo(ad, zone, at(2026, 3, 9, 15), 20, country="DE", device="mobile")  # 10 Mar 00:00
    put_geo(ad, zone, at(2026, 3, 10, 14), 40, country="FR", device="desktop")  # 10 Mar 23:00
    put_geo(ad, zone, at(2026, 3, 10, 15), 80, country="FR", device="desktop")  # 11 Mar 00:00
    user = ad.campaign.advertiser.user
    day = {"from": "2026-03-10", "to": "2026-03-10"}
    geo = get(user, GEO, **day)
    assert geo["timezone"] == "Asia/Tokyo"
    assert [(r["country"], r["impressions"]) for r in geo["locations"]] == [("FR", 40), ("DE", 20)]
    in_utc = get(user, DEVICES, timezone="UTC", **day)
    assert [(r["device"], r["impressions"]) for r in in_utc["devices"]] == [
        ("desktop", 120),
    ]
    everything = get(user, GEO)
    assert (everything["period"], everything["from"]) == ("all", "2026-03-09")
    assert everything["totals"]["impressions"] == 150


def test_one_aggregate_query_whatever_the_rows(world, admin, django_assert_max_num_queries):
    ad_a, zone_a = world["ad_a"], world["zone_a"]
    for n, country in enumerate(("AT", "BE", "CH", "DK", "ES", "IT", "NL", "PL", "SE")):
        put_geo(ad_a, zone_a, at(2026, 3, 9, n), 5, country=country, device="tablet")
    advertiser, publisher = ad_a.campaign.advertiser.user, zone_a.website.publisher.user
    clients = {user: api(user) for user in (advertiser, publisher, admin)}
    for client in clients.values():  # a key's first use records it
        client.get(DEVICES)
    cases = [  # API-key auth is one query of each budget, the caller's scope another
        (advertiser, GEO, 3),
        (advertiser, f"{GEO}?level=region", 3),
        (advertiser, DEVICES, 3),
        (publisher, GEO, 2),
        (admin, DEVICES, 2),
        (admin, f"{GEO}?campaign_id={ad_a.campaign_id}", 3),
    ]
    for user, path, budget in cases:
        with django_assert_max_num_queries(budget, info=path):
            response = clients[user].get(path)
        assert response.status_code == 200, path
    assert len(clients[admin].get(GEO).json()["data"]["locations"]) == 13
