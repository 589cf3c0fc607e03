"""Win, billing and loss notices: every macro, billing exactly once through the pipeline."""

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.delivery.models import HourlyStat, ImpressionEvent
from apps.delivery.sink import events_drain
from apps.delivery.store import hot_store, spend_total_key
from apps.rtb.models import ExchangeRate, RtbHourlyStat
from apps.rtb.notices import (
    MACROS,
    NoticeToken,
    macros_substitute,
    notice_sign,
    notice_verify,
    price_text,
)
from apps.rtb.stats import stats_flush

from .support import banner_ad, post, request_body, rtb_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_store():
    hot_store().clear()
    yield
    hot_store().clear()


def _bid(client, **changes) -> dict:
    response = post(client, request_body(**changes))
    assert response.status_code == 200, response.content
    return response.json()["seatbid"][0]["bid"][0]


def _exchange_fills(url: str, **values) -> str:
    """What an exchange does with a notice URL: substitute the macros, then call it."""
    defaults = {
        "AUCTION_ID": "auction-1",
        "AUCTION_SEAT_ID": "adplatform",
        "AUCTION_CURRENCY": "USD",
        "AUCTION_MIN_TO_WIN": "1.5",
        "AUCTION_LOSS": "102",
    }
    defaults.update(values)
    return macros_substitute(url, defaults)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_every_macro_is_substituted():
    text = "&".join(f"{m.lower()}=${{{m}}}" for m in MACROS)
    values = {m: f"v-{i}" for i, m in enumerate(MACROS)}
    values["AUCTION_ID"] = "a b&c"
    out = macros_substitute(text, values)
    assert "${" not in out
    query = parse_qs(out)
    for macro in MACROS:
        assert query[macro.lower()] == [values[macro]]


def test_base64_macros_and_missing_values():
    assert macros_substitute("${AUCTION_PRICE:B64}", {"AUCTION_PRICE": "1.5"}) == "MS41"
    assert macros_substitute("p=${AUCTION_LOSS}", {}) == "p="
    assert macros_substitute("no macros", {}) == "no macros"


def test_price_text():
    assert price_text(2_500_000) == "2.5"
    assert price_text(31_000) == "0.031"
    assert price_text(3_000_000) == "3"


def test_a_forged_or_stale_notice_is_refused(client):
    token = NoticeToken(
        auction_id="a",
        bid_id="b",
        imp_id="1",
        seat="s",
        zone_id=0,
        ad_id=1,
        ad_uuid="u",
        campaign_id=1,
        advertiser_id=1,
        publisher_id=0,
        price_micros=1,
        clear_micros=1,
        currency="USD",
        user_key="",
        issued_at=int(time.time()) - 10**6,
    )
    signed = notice_sign(token)
    with pytest.raises(Exception, match="expired"):
        notice_verify(signed, max_age_seconds=60, now=time.time())
    assert client.get(f"/openrtb/2.6/billing?t={signed}").status_code == 400
    tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    response = client.get(f"/openrtb/2.6/billing?t={tampered}")
    assert response.status_code == 400
    assert response.json()["nbr"] == 2


def test_billing_records_the_impression_and_spend_once_at_the_clearing_price(client):
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    bid = _bid(client, at=1)
    burl = _exchange_fills(
        bid["burl"],
        AUCTION_PRICE="2.2",
        AUCTION_BID_ID=bid["id"],
        AUCTION_IMP_ID="1",
        AUCTION_AD_ID=bid["adid"],
    )
    for _ in range(3):  # a replayed burl, and the markup's own pixel, count nothing more
        response = client.get(_path(burl))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
    assert client.get(_path(bid["burl"])).status_code == 200  # unsubstituted copy: same bid
    assert hot_store().read([spend_total_key(campaign.id)])[0] == {
        spend_total_key(campaign.id): 2200
    }
    events_drain()
    rows = list(ImpressionEvent.objects.all())
    assert len(rows) == 1
    assert rows[0].cost_micros == 2200 and rows[0].channel == "rtb"
    assert rows[0].zone_id == 0 and rows[0].publisher_id == 0
    stat = HourlyStat.objects.get()
    assert (stat.impressions, stat.spend_micros) == (1, 2200)


def test_the_exchanges_price_is_never_above_our_bid(client):
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    bid = _bid(client)
    client.get(_path(_exchange_fills(bid["burl"], AUCTION_PRICE="99")))
    assert hot_store().read([spend_total_key(campaign.id)])[0][spend_total_key(campaign.id)] == 3000


def test_without_auction_price_the_second_price_rule_is_charged(client):
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    banner_ad(rtb_campaign(bid="2.00"))
    bid = _bid(client, at=2)
    assert bid["price"] == 3.0
    client.get(_path(bid["burl"]))  # the exchange left ${AUCTION_PRICE}
    key = spend_total_key(campaign.id)
    assert hot_store().read([key])[0][key] == 2010  # (2.00 + 0.01) / 1000


def test_auction_price_in_another_currency_is_converted(client):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"))
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    bid = _bid(client)
    client.get(_path(_exchange_fills(bid["burl"], AUCTION_PRICE="1", AUCTION_CURRENCY="EUR")))
    key = spend_total_key(campaign.id)
    assert hot_store().read([key])[0][key] == 2000  # 1 EUR = 2 USD CPM


def test_an_advertiser_in_another_currency_is_charged_in_it(client):
    from apps.campaigns.models import Advertiser

    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"))
    campaign = rtb_campaign(bid="1.00")  # 1 EUR = 2 USD
    Advertiser.objects.filter(pk=campaign.advertiser_id).update(currency="EUR")
    banner_ad(campaign)
    bid = _bid(client)
    assert bid["price"] == 2.0
    client.get(_path(bid["burl"]))
    key = spend_total_key(campaign.id)
    assert hot_store().read([key])[0][key] == 1000  # 1 EUR CPM, in EUR micros


def test_mismatched_ids_are_refused(client):
    banner_ad(rtb_campaign())
    bid = _bid(client)
    forged = _exchange_fills(bid["burl"], AUCTION_ID="another-auction")
    assert client.get(_path(forged)).status_code == 400


def test_test_auctions_bill_nothing(client):
    campaign = rtb_campaign()
    banner_ad(campaign)
    bid = _bid(client, test=1)
    client.get(_path(bid["burl"]))
    assert hot_store().read([spend_total_key(campaign.id)])[0] == {}


def test_wins_losses_and_billing_feed_the_win_rate(client):
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    won = _bid(client)
    lost = _bid(client)
    _bid(client)  # no notice at all
    for _ in range(2):
        client.get(_path(_exchange_fills(won["nurl"], AUCTION_PRICE="2.5")))
        client.get(_path(_exchange_fills(lost["lurl"], AUCTION_LOSS="102")))
    client.get(_path(_exchange_fills(won["burl"], AUCTION_PRICE="2.5")))
    stats_flush()
    stat = RtbHourlyStat.objects.get(campaign_id=campaign.id)
    assert (stat.bids, stat.wins, stat.losses, stat.billed) == (3, 1, 1, 1)
    assert stat.win_micros == 2_500_000 and stat.billed_micros == 2_500_000
    assert stat.bid_micros == 9_000_000


def test_frequency_caps_count_by_user_id(client):
    campaign = rtb_campaign(frequency_cap_impressions=1, frequency_cap_window_hours=24)
    banner_ad(campaign)
    bid = _bid(client)
    client.get(_path(bid["burl"]))
    assert post(client, request_body()).status_code == 204  # user-1 saw it
    assert post(client, request_body(user={"id": "user-2"})).status_code == 200


def test_gdpr_without_consent_means_no_user_key(client):
    campaign = rtb_campaign(frequency_cap_impressions=1, frequency_cap_window_hours=24)
    banner_ad(campaign)
    gdpr = {"regs": {"gdpr": 1}}
    for _ in range(2):  # no user key: the cap cannot apply, and nothing counts toward it
        bid = _bid(client, **gdpr)
        client.get(_path(bid["burl"]))
    with_consent = {
        "regs": {"gdpr": 1},
        "user": {"id": "user-1", "consent": "CPXxRfAPXxRfAAfKABENB"},
    }
    bid = _bid(client, **with_consent)
    client.get(_path(bid["burl"]))
    assert post(client, request_body(**with_consent)).status_code == 204


def test_statistics_survive_a_failed_write(monkeypatch):
    from apps.rtb import stats

    stats.count_ours(campaign_id=1, advertiser_id=1, zone_id=0, bids=2)

    def down(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(stats, "_write", down)
    with pytest.raises(RuntimeError):
        stats.stats_flush()
    monkeypatch.undo()
    stats.stats_flush()
    assert RtbHourlyStat.objects.get(campaign_id=1).bids == 2


def test_the_exchanges_price_is_never_below_the_floor(client):
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    body = request_body(imp=[{"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 1.5}])
    response = post(client, body)
    bid = response.json()["seatbid"][0]["bid"][0]
    client.get(_path(_exchange_fills(bid["burl"], AUCTION_PRICE="0")))  # forged
    key = spend_total_key(campaign.id)
    assert hot_store().read([key])[0][key] == 1500


def test_a_store_outage_is_a_503_and_the_retry_counts_once(client, monkeypatch):
    from apps.delivery.store.base import HotStore  # noqa: F401 - the seam being failed

    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    bid = _bid(client)
    store = hot_store()

    def down(*args, **kwargs):
        raise ConnectionError("store down")

    monkeypatch.setattr(store, "record", down)
    response = client.get(_path(bid["burl"]))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    monkeypatch.undo()
    for _ in range(2):
        assert client.get(_path(bid["burl"])).status_code == 200
    key = spend_total_key(campaign.id)
    assert hot_store().read([key])[0][key] == 3000
