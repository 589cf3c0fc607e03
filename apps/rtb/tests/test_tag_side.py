"""Our own tag's ad requests: zones offered to demand partners compete with our ads."""

import time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from apps.audiences.tests.tcf_strings import tc_string
from apps.delivery.tests.factories import CHROME_UA
from apps.rtb.models import DemandPartner, PartnerHourlyStat
from apps.rtb.stats import stats_flush

from .fake_partner import FakePartner
from .support import banner_ad, our_zone, rtb_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake():
    partner = FakePartner()
    partner.notice_base = partner.url.rsplit("/", 1)[0]
    yield partner
    partner.close()


@pytest.fixture
def zone():
    return our_zone(floor_price=Decimal("0.50"))


def _serve(client, zone, **params):
    response = client.get(
        f"/api/v1/serve/{zone.uuid}",
        params,
        HTTP_USER_AGENT=CHROME_UA,
        REMOTE_ADDR="8.8.8.8",
        HTTP_REFERER="https://news.example/story",
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _partner(fake, zone, **fields):
    values = {"name": "Fake", "endpoint_url": fake.url, "timeout_ms": 300, **fields}
    partner = DemandPartner.objects.create(**values)
    partner.zones.add(zone)
    return partner


def _wait_for(predicate, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_a_zone_without_partners_serves_as_before(client, fake, zone):
    ad = banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    data = _serve(client, zone)
    assert data["ad"]["uuid"] == str(ad.uuid)
    assert fake.received == []


def test_a_higher_partner_bid_fills_the_zone_and_bills_once(client, fake, zone, settings):
    settings.RTB_SERVE_TMAX_MS = 1000
    banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    fake.price = 3.0
    partner = _partner(fake, zone)
    data = _serve(client, zone)
    assert data["source"] == "partner"
    ad = data["ad"]
    assert ad["type"] == "html" and (ad["width"], ad["height"]) == (300, 250)
    assert "p=2.01" in ad["html"]  # second price: our 2.00 + 0.01
    assert "${" not in ad["html"]
    assert _wait_for(lambda: any(n.startswith("/win?p=2.01") for n in fake.notices))
    pixel = urlsplit(ad["impression_url"])
    for _ in range(3):
        assert client.get(f"{pixel.path}?{pixel.query}").status_code == 200
    assert _wait_for(lambda: [n for n in fake.notices if n.startswith("/bill")] == ["/bill?p=2.01"])
    time.sleep(0.2)
    assert [n for n in fake.notices if n.startswith("/bill")] == ["/bill?p=2.01"]
    stats_flush()
    stat = PartnerHourlyStat.objects.get(partner=partner)
    assert (stat.requests, stat.bids, stat.wins, stat.impressions) == (1, 1, 1, 1)


def test_our_higher_bid_keeps_the_zone(client, fake, zone, settings):
    settings.RTB_SERVE_TMAX_MS = 1000
    ad = banner_ad(rtb_campaign(bid="5.00", channels=("own",)))
    fake.price = 3.0
    _partner(fake, zone)
    data = _serve(client, zone)
    assert data["ad"]["uuid"] == str(ad.uuid)
    assert _wait_for(lambda: any(n.startswith("/loss?r=102") for n in fake.notices))


def test_the_request_carries_the_zone_site_device_and_consent_unchanged(
    client, fake, zone, settings
):
    settings.RTB_SERVE_TMAX_MS = 1000
    fake.mode = "nobid"
    _partner(fake, zone)
    consent = tc_string(purposes=range(1, 11))  # every purpose: the user key may be shared
    assert _serve(client, zone, gdpr="1", gdpr_consent=consent, us_privacy="1YNN") is None
    sent = fake.received[0]
    assert sent["imp"][0]["banner"] == {"w": 300, "h": 250}
    assert sent["imp"][0]["tagid"] == str(zone.uuid)
    assert sent["imp"][0]["bidfloor"] == 0.5
    assert sent["site"]["id"] == str(zone.website_id)
    assert sent["site"]["page"] == "https://news.example/story"
    assert sent["device"]["ua"] == CHROME_UA
    assert sent["device"]["ip"] == "8.8.8.0"  # truncated
    assert sent["device"]["geo"]["country"] == "USA"
    assert sent["regs"] == {"gdpr": 1, "us_privacy": "1YNN"}
    assert sent["user"]["consent"] == consent and "id" in sent["user"]
    assert [n["asi"] for n in sent["source"]["schain"]["nodes"]] == ["adplatform.local"]


def test_gdpr_without_consent_shares_no_user_id(client, fake, zone, settings):
    settings.RTB_SERVE_TMAX_MS = 1000
    fake.mode = "nobid"
    _partner(fake, zone)
    _serve(client, zone, gdpr="1")
    assert "user" not in fake.received[0]
    _serve(client, zone, us_privacy="1YYN")
    assert "user" not in fake.received[1]


def test_a_slow_partner_costs_the_serve_no_more_than_the_deadline(client, fake, zone, settings):
    settings.RTB_SERVE_TMAX_MS = 150
    ad = banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    _serve(client, zone)  # warm
    fake.delay = 1.0
    _partner(fake, zone, timeout_ms=2000)
    started = time.monotonic()
    data = _serve(client, zone)
    assert data["ad"]["uuid"] == str(ad.uuid)
    assert (time.monotonic() - started) < 0.9  # the partner was abandoned, not waited for


def test_a_forged_partner_impression_is_refused(client):
    assert client.get("/openrtb/2.6/partner-impression?t=abc.def").status_code == 400
