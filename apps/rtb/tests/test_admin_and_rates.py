"""Exchange rates (table, CSV command), the admin pages and the RTB report."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.rtb.models import DemandPartner, ExchangeRate, PartnerHourlyStat, RtbHourlyStat
from apps.rtb.services import RatesError, rates_parse

pytestmark = pytest.mark.django_db


def test_rates_load_from_csv(tmp_path):
    ExchangeRate.objects.create(currency="JPY", rate=Decimal("150"))
    path = tmp_path / "rates.csv"
    path.write_text("currency,rate\n# from the bank\nEUR,0.92\ngbp, 0.79\nUSD,1\n")
    out = io.StringIO()
    call_command("rtb_rates_load", str(path), stdout=out)
    assert "Loaded 3" in out.getvalue()
    rates = dict(ExchangeRate.objects.values_list("currency", "rate"))
    assert rates["EUR"] == Decimal("0.92") and rates["GBP"] == Decimal("0.79")
    assert rates["JPY"] == Decimal("150")
    call_command("rtb_rates_load", str(path), "--replace", stdout=io.StringIO())
    assert not ExchangeRate.objects.filter(currency="JPY").exists()


@pytest.mark.parametrize(
    "text",
    ["EUR\n", "EURO,1\n", "EUR,abc\n", "EUR,-1\n", "EUR,0\n", "EUR,1\nEUR,2\n", "USD,2\n"],
)
def test_bad_rate_files_load_nothing(tmp_path, text):
    with pytest.raises(RatesError):
        rates_parse(text.splitlines(), platform_currency="USD")
    path = tmp_path / "rates.csv"
    path.write_text("GBP,0.8\n" + text)
    with pytest.raises(CommandError):
        call_command("rtb_rates_load", str(path), stdout=io.StringIO())
    assert not ExchangeRate.objects.exists()


def test_the_admin_pages_render(admin_user, client):
    client.force_login(admin_user)
    partner = DemandPartner.objects.create(name="Bidder", endpoint_url="https://bidder.example/b")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    PartnerHourlyStat.objects.create(
        hour=hour,
        partner=partner,
        requests=10,
        bids=4,
        wins=2,
        timeouts=3,
        errors=1,
        no_bids=2,
        win_micros=5_000_000,
        latency=[0, 0, 0, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        reasons={"timeout": 3, "no_bid": 2, "http_500": 1},
    )
    for url in (
        "/admin/rtb/demandpartner/",
        "/admin/rtb/demandpartner/statistics/",
        "/admin/rtb/demandpartner/statistics/?hours=168",
        "/admin/rtb/exchangerate/",
        "/admin/rtb/supplymapping/",
        "/admin/rtb/supplymapping/add/",
        "/admin/rtb/rtbhourlystat/",
        "/admin/rtb/partnerhourlystat/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/admin/rtb/demandpartner/statistics/").content.decode()
    assert "Bidder" in page and "timeout: 3" in page
    assert "<td>10</td><td>4</td><td>40.0</td>" in page  # requests, bids, bid rate


def test_the_rtb_report_shows_win_rate_and_clearing_prices(admin_client):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    RtbHourlyStat.objects.create(
        hour=hour,
        campaign_id=7,
        zone_id=0,
        advertiser_id=3,
        bids=10,
        bid_micros=30_000_000,
        wins=4,
        win_micros=9_000_000,
        losses=5,
        billed=4,
        billed_micros=9_000_000,
    )
    response = admin_client.get("/api/v1/reports/rtb", {"period": "last_7_days"})
    assert response.status_code == 200, response.content
    row = response.json()["data"]["rows"][0]
    assert row["campaign_id"] == 7
    assert (row["bids"], row["wins"], row["win_rate"]) == (10, 4, 40.0)
    assert row["average_bid_cpm"] == "3.0000"
    assert row["average_clearing_cpm"] == "2.2500"
    assert row["spend"] == "0.0090"
    csv = admin_client.get("/api/v1/reports/rtb", {"period": "last_7_days", "format": "csv"})
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode()
    assert "win_rate" in text.splitlines()[0]


def test_advertisers_see_only_their_campaigns_in_the_rtb_report(advertiser_client):
    from apps.campaigns.tests.factories import CampaignFactory

    mine = CampaignFactory(advertiser__user=advertiser_client.user)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for campaign_id, advertiser_id in ((mine.id, mine.advertiser_id), (9999, 9999)):
        RtbHourlyStat.objects.create(
            hour=hour, campaign_id=campaign_id, zone_id=0, advertiser_id=advertiser_id, bids=1
        )
    rows = advertiser_client.get("/api/v1/reports/rtb").json()["data"]["rows"]
    assert [r["campaign_id"] for r in rows] == [mine.id]


def test_publishers_may_not_read_the_rtb_report(publisher_client):
    assert publisher_client.get("/api/v1/reports/rtb").status_code == 403
