"""Sell side: fake partners on loopback, the unified auction, deadlines, errors, the
circuit breaker, schain and consent pass-through."""

import time
from decimal import Decimal

import pytest

from apps.rtb.models import DemandPartner, PartnerHourlyStat, SupplyMapping
from apps.rtb.stats import stats_flush

from .fake_partner import FakePartner
from .support import banner_ad, our_zone, post, request_body, rtb_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake():
    partner = FakePartner()
    yield partner
    partner.close()


@pytest.fixture
def zone():
    zone = our_zone(floor_price=Decimal("0.50"))
    SupplyMapping.objects.create(source="site", external_id="site-1", zone=zone)
    return zone


def _partner(fake, **fields) -> DemandPartner:
    values = dict(name="Fake", endpoint_url=fake.url, timeout_ms=1000, all_zones=True)
    values.update(fields)
    return DemandPartner.objects.create(**values)


def _sell(client, **changes):
    body = request_body(**changes)
    started = time.monotonic()
    response = post(client, body)
    return response, (time.monotonic() - started) * 1000


def _seats(response) -> dict:
    assert response.status_code == 200, (
        response.status_code,
        response.content,
        dict(response.headers),
    )
    return {s["seat"]: s["bid"] for s in response.json()["seatbid"]}


def _stats(partner) -> PartnerHourlyStat:
    stats_flush()
    return PartnerHourlyStat.objects.get(partner=partner)


def test_a_higher_partner_bid_wins_with_every_macro_filled(client, fake, zone):
    banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    fake.price = 3.0
    partner = _partner(fake)
    seats = _seats(_sell(client, at=2)[0])
    assert list(seats) == ["partner-seat"]
    bid = seats["partner-seat"][0]
    assert bid["price"] == 3.0
    # Second price: our 2.00 + 0.01.
    assert "p=2.01" in bid["adm"] and "a=auction-1" in bid["adm"]
    assert bid["nurl"] == (
        "https://p.example/win?p=2.01&c=USD&a=auction-1&b=pbid-1&i=1&s=partner-seat&ad=pad-1"
    )
    assert bid["burl"] == "https://p.example/bill?p=2.01"
    assert "${" not in bid["adm"] + bid["nurl"] + bid["burl"]
    stat = _stats(partner)
    assert (stat.requests, stat.bids, stat.wins) == (1, 1, 1)


def test_our_higher_bid_wins_and_pays_the_partners_bid_plus_a_cent(client, fake, zone):
    from apps.rtb.notices import notice_verify

    banner_ad(rtb_campaign(bid="5.00", channels=("own",)))
    fake.price = 3.0
    _partner(fake)
    seats = _seats(_sell(client, at=2)[0])
    assert list(seats) == ["adplatform"]
    token = seats["adplatform"][0]["burl"].split("t=", 1)[1].split("&", 1)[0]
    assert notice_verify(token, max_age_seconds=60, now=time.time()).clear_micros == 3_010_000


def test_the_forwarded_request_keeps_everything_and_adds_our_schain_node(client, fake, zone):
    fake.mode = "nobid"
    _partner(fake, currency="EUR")
    from apps.rtb.models import ExchangeRate

    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"))
    consent = "CPXxRfAPXxRfAAfKABENB"
    body = dict(
        regs={
            "gdpr": 1,
            "us_privacy": "1YNN",
            "gpp": "DBABMA~CPXxRfAPXxRfAAfKABENB",
            "gpp_sid": [2],
            "ext": {"dsa": {"required": 1}},
        },
        user={"id": "user-1", "consent": consent, "ext": {"eids": [{"source": "x.example"}]}},
        source={
            "tid": "t-1",
            "schain": {
                "complete": 1,
                "ver": "1.0",
                "nodes": [{"asi": "upstream.example", "sid": "9", "hp": 1}],
            },
        },
        somefuturefield={"kept": True},
        imp=[
            {"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 0.4, "ext": {"gpid": "/home"}}
        ],
    )
    assert _sell(client, **body)[0].status_code == 204
    sent = fake.received[0]
    assert sent["regs"] == body["regs"]
    assert sent["user"] == body["user"]
    assert sent["somefuturefield"] == {"kept": True}
    assert sent["imp"][0]["ext"] == {"gpid": "/home"}
    assert sent["source"]["tid"] == "t-1"
    nodes = sent["source"]["schain"]["nodes"]
    assert nodes[0]["asi"] == "upstream.example"
    assert nodes[-1]["asi"] == "adplatform.local" and nodes[-1]["hp"] == 1
    assert sent["cur"] == ["EUR"]
    assert sent["imp"][0]["bidfloorcur"] == "EUR"
    assert sent["imp"][0]["bidfloor"] == 0.25  # the zone floor 0.50 USD, in EUR
    assert 0 < sent["tmax"] <= 1000  # the partner's timeout, within the time left
    assert fake.headers[0].get("x-openrtb-version") == "2.6"


def test_a_request_without_schain_gets_one(client, fake, zone):
    fake.mode = "nobid"
    _partner(fake)
    _sell(client)
    chain = fake.received[0]["source"]["schain"]
    assert chain["complete"] == 1 and [n["asi"] for n in chain["nodes"]] == ["adplatform.local"]


def _server_times(monkeypatch) -> list[float]:
    """Milliseconds from each request's arrival in the view to its answer (what tmax bounds;
    the test client's own time on a busy machine is not the server's)."""
    from apps.rtb import views

    times: list[float] = []
    auction = views._auction

    def timed(request, bid_request, body, arrived):
        answer = auction(request, bid_request, body, arrived)
        times.append((time.monotonic() - arrived) * 1000)
        return answer

    monkeypatch.setattr(views, "_auction", timed)
    return times


def test_a_late_partner_is_abandoned_and_we_answer_within_tmax(client, fake, zone, monkeypatch):
    banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    post(client, request_body())  # warm the index and configuration
    fake.delay = 1.0
    partner = _partner(fake, timeout_ms=2000)
    server = _server_times(monkeypatch)
    for _ in range(2):
        response, elapsed = _sell(client, tmax=200)
        assert elapsed < 1000  # never waited for the partner's answer
        assert list(_seats(response)) == ["adplatform"]
    assert len(server) == 2 and max(server) < 200
    stat = _stats(partner)
    assert stat.timeouts == 2 and stat.reasons == {"timeout": 2}


def test_the_partner_timeout_bounds_its_wait(client, fake, zone, monkeypatch):
    fake.delay = 0.3
    post(client, request_body())
    _partner(fake, timeout_ms=50)
    server = _server_times(monkeypatch)
    response, _elapsed = _sell(client, tmax=2000)
    assert response.status_code == 204
    assert server[0] < 250


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("garbage", "garbage"), ("500", "http_500"), ("redirect", "redirect"), ("drip", "timeout")],
)
def test_broken_partners_are_errors_and_never_break_the_auction(
    client, fake, zone, mode, reason, monkeypatch
):
    banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    post(client, request_body())
    fake.mode = mode  # a drip of 100 bytes over 2 s outlasts the partner's 1 s timeout
    partner = _partner(fake, timeout_ms=1000)
    server = _server_times(monkeypatch)
    response, _elapsed = _sell(client, tmax=1500)
    assert list(_seats(response)) == ["adplatform"]
    assert server[0] < 1500
    stat = _stats(partner)
    assert stat.reasons == {reason: 1}
    assert stat.errors + stat.timeouts == 1


def test_no_bid_is_counted_with_its_reason(client, fake, zone):
    fake.mode = "nobid"
    partner = _partner(fake)
    assert _sell(client)[0].status_code == 204
    stat = _stats(partner)
    assert (stat.requests, stat.no_bids, stat.errors) == (1, 1, 0)
    assert stat.reasons == {"no_bid": 1}


def test_bids_under_the_floor_lose(client, fake, zone):
    fake.price = 0.3  # the zone floor is 0.50
    partner = _partner(fake)
    assert _sell(client)[0].status_code == 204
    assert _stats(partner).reasons == {"below_floor": 1}


def test_the_circuit_breaker_opens_after_failures_and_tries_again_later(
    client, fake, zone, settings
):
    settings.RTB_BREAKER_FAILURES = 3
    settings.RTB_BREAKER_OPEN_SECONDS = 0.5
    fake.mode = "500"
    partner = _partner(fake)
    for _ in range(5):
        _sell(client)
    assert len(fake.received) == 3  # opened after three errors in a row
    stat = _stats(partner)
    assert stat.reasons == {"http_500": 3, "circuit_open": 2}
    time.sleep(0.6)
    fake.mode = "bid"
    assert list(_seats(_sell(client)[0])) == ["partner-seat"]  # the trial closes it
    assert list(_seats(_sell(client)[0])) == ["partner-seat"]
    assert len(fake.received) == 5


def test_partners_only_get_the_zones_they_are_configured_for(client, fake, zone):
    fake.mode = "nobid"
    partner = _partner(fake, all_zones=False)
    _sell(client)
    assert fake.received == []
    partner.zones.add(zone)
    _sell(client)
    assert len(fake.received) == 1


def test_unmapped_inventory_is_not_sold(client, fake, zone):
    fake.mode = "nobid"
    _partner(fake)
    _sell(client, site={"id": "somebody-else"})
    assert fake.received == []


def test_the_qps_cap_holds_back_requests(client, fake, zone, monkeypatch):
    from apps.rtb import sellside

    second = int(time.time()) + 10**6  # a second no other test counted in
    monkeypatch.setattr(sellside, "_second", lambda: second)
    fake.mode = "nobid"
    partner = _partner(fake, qps_cap=2)
    for _ in range(4):
        _sell(client)
    assert len(fake.received) == 2
    assert _stats(partner).reasons == {"no_bid": 2, "qps_capped": 2}
    monkeypatch.setattr(sellside, "_second", lambda: second + 1)
    _sell(client)
    assert len(fake.received) == 3


def test_private_partner_urls_are_refused(settings):
    from django.core.exceptions import ValidationError

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    partner = DemandPartner(name="Inside", endpoint_url="https://127.0.0.1/bid")
    with pytest.raises(ValidationError):
        partner.full_clean()
    partner = DemandPartner(name="Plain", endpoint_url="http://bidder.example/bid")
    with pytest.raises(ValidationError):
        partner.full_clean()


def test_a_partner_that_turns_private_is_not_called(client, fake, zone, settings):
    partner = _partner(fake)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    _sell(client)
    assert fake.received == []
    assert _stats(partner).reasons == {"unsafe_url": 1}
