"""Our campaigns bid on OpenRTB imps through the serving engine."""

from decimal import Decimal

import pytest

from apps.campaigns.models import Advertiser
from apps.delivery.index import index_reset
from apps.delivery.tests.factories import CHROME_UA
from apps.rtb.models import ExchangeRate, SupplyMapping

from .support import banner_ad, our_zone, post, request_body, rtb_campaign

pytestmark = pytest.mark.django_db


def _bids(response) -> list[dict]:
    assert response.status_code == 200, (response.status_code, response.content)
    body = response.json()
    return [bid for seatbid in body["seatbid"] for bid in seatbid["bid"]]


def _one(response) -> dict:
    bids = _bids(response)
    assert len(bids) == 1
    return bids[0]


def test_an_open_exchange_campaign_bids_with_every_field(client):
    campaign = rtb_campaign(bid="2.00", category="news")
    ad = banner_ad(campaign)
    response = post(client, request_body())
    body = response.json()
    assert body["id"] == "auction-1"
    assert body["cur"] == "USD"
    assert body["seatbid"][0]["seat"] == "adplatform"
    bid = _one(response)
    assert bid["impid"] == "1"
    assert bid["price"] == 2.0
    assert bid["crid"] == str(ad.uuid) and bid["adid"] == str(ad.uuid)
    assert bid["cid"] == str(campaign.id)
    assert bid["adomain"] == ["shop.example"]
    assert bid["cat"] == ["IAB12"]
    assert (bid["w"], bid["h"]) == (300, 250)
    assert bid["mtype"] == 1
    for name in ("nurl", "burl", "lurl"):
        assert "${AUCTION_PRICE}" in bid[name]
    assert "${AUCTION_LOSS}" in bid["lurl"]
    assert 'src="https://cdn.example/ad.png"' in bid["adm"]
    assert "/api/v1/track/click?t=" in bid["adm"]
    assert response["x-openrtb-version"] == "2.6"


def test_campaigns_on_the_own_channel_only_do_not_buy_the_open_exchange(client):
    banner_ad(rtb_campaign(channels=("own",)))
    assert post(client, request_body()).status_code == 204


def test_open_exchange_buyers_do_not_serve_our_own_zones(client):
    zone = our_zone()
    banner_ad(rtb_campaign(channels=("rtb",)))
    served = client.get(f"/api/v1/serve/{zone.uuid}", HTTP_USER_AGENT=CHROME_UA)
    assert served.json()["data"] is None


def test_size_comes_from_format(client):
    banner_ad(rtb_campaign(), w=728, h=90)
    imp = {"id": "1", "banner": {"format": [{"w": 300, "h": 250}, {"w": 728, "h": 90}]}}
    bid = _one(post(client, request_body(imp=[imp])))
    assert (bid["w"], bid["h"]) == (728, 90)


def test_no_bid_under_the_floor(client):
    banner_ad(rtb_campaign(bid="1.00"))
    body = request_body(imp=[{"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 1.01}])
    assert post(client, body).status_code == 204
    body["imp"][0]["bidfloor"] = 1.0
    assert _one(post(client, body))["price"] == 1.0


def test_the_floor_is_converted_from_its_currency(client):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"))  # 1 USD = 0.5 EUR
    banner_ad(rtb_campaign(bid="2.00"))
    imp = {"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 1.1, "bidfloorcur": "EUR"}
    assert post(client, request_body(imp=[imp])).status_code == 204  # 2.20 USD floor
    imp["bidfloor"] = 0.9  # 1.80 USD
    assert _one(post(client, request_body(imp=[imp])))["price"] == 2.0


def test_a_floor_in_an_unknown_currency_gets_no_bid(client):
    banner_ad(rtb_campaign())
    imp = {"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 0.1, "bidfloorcur": "XYZ"}
    assert post(client, request_body(imp=[imp])).status_code == 204


def test_the_response_currency_is_one_the_request_allows(client):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.9"))
    banner_ad(rtb_campaign(bid="2.00"))
    response = post(client, request_body(cur=["EUR"]))
    assert response.json()["cur"] == "EUR"
    assert _one(response)["price"] == 1.8
    assert post(client, request_body(cur=["JPY"])).status_code == 204  # no rate for JPY


def test_bids_compare_in_the_platform_currency(client):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.5"))
    euro = Advertiser.objects.get(pk=rtb_campaign(bid="3.00").advertiser_id)
    euro.currency = "EUR"
    euro.save()
    euro_ad = banner_ad(euro.campaigns.get())  # 3.00 EUR = 6.00 USD
    banner_ad(rtb_campaign(bid="5.00"))  # 5.00 USD
    bid = _one(post(client, request_body()))
    assert bid["crid"] == str(euro_ad.uuid)
    assert bid["price"] == 6.0


def test_bcat_badv_and_bapp_are_honoured(client):
    blocked_cat = banner_ad(rtb_campaign(bid="4.00", category="adult"))
    blocked_domain = banner_ad(
        rtb_campaign(bid="3.00"), destination_url="https://www.bad.example/x"
    )
    blocked_app = banner_ad(
        rtb_campaign(bid="2.50"),
        destination_url="https://play.google.com/store/apps/details?id=com.blocked.game",
    )
    allowed = banner_ad(rtb_campaign(bid="1.00"))
    assert _one(post(client, request_body()))["crid"] == str(blocked_cat.uuid)
    body = request_body(bcat=["IAB25"], badv=["bad.example"], bapp=["com.blocked.game"])
    assert _one(post(client, body))["crid"] == str(allowed.uuid)
    body = request_body(bcat=["IAB25"], badv=["bad.example"])
    bid = _one(post(client, body))
    assert bid["crid"] == str(blocked_app.uuid)
    assert bid["bundle"] == "com.blocked.game"
    assert _one(post(client, request_body(bcat=["IAB25"])))["crid"] == str(blocked_domain.uuid)


def test_geo_targeting_reads_device_geo_in_alpha3(client):
    banner_ad(rtb_campaign(targeting={"countries": ["DE"]}))
    assert post(client, request_body()).status_code == 204  # geo.country USA
    body = request_body(device={"ua": CHROME_UA, "geo": {"country": "DEU", "region": "BY"}})
    assert post(client, body).status_code == 200


def test_device_and_os_targeting(client):
    banner_ad(rtb_campaign(targeting={"devices": ["mobile"], "os": ["ios"]}))
    assert post(client, request_body()).status_code == 204  # desktop Chrome
    body = request_body(device={"devicetype": 4, "os": "iOS", "geo": {"country": "USA"}})
    assert post(client, body).status_code == 200


def test_bots_get_no_bid(client):
    banner_ad(rtb_campaign())
    body = request_body(device={"ua": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    response = post(client, body)
    assert response.status_code == 204


def test_a_mapped_site_buys_on_our_zone_under_its_floor(client):
    zone = our_zone(floor_price=Decimal("1.50"))
    SupplyMapping.objects.create(source="site", external_id="site-1", zone=zone)
    banner_ad(rtb_campaign(bid="1.00", channels=("own",)))
    assert post(client, request_body()).status_code == 204  # zone floor 1.50
    high = banner_ad(rtb_campaign(bid="2.00", channels=("own",)))
    banner_ad(rtb_campaign(bid="9.00", channels=("rtb",)))  # open exchange only: not here
    index_reset()
    assert _one(post(client, request_body()))["crid"] == str(high.uuid)


def test_a_mapped_tagid_picks_the_zone(client):
    small = our_zone(width=728, height=90)
    large = our_zone()
    SupplyMapping.objects.create(source="site", external_id="site-1", tagid="top", zone=small)
    SupplyMapping.objects.create(source="site", external_id="site-1", tagid="side", zone=large)
    banner_ad(rtb_campaign(channels=("own",)))
    imp = {"id": "1", "tagid": "side", "banner": {"w": 300, "h": 250}}
    assert post(client, request_body(imp=[imp])).status_code == 200
    imp["tagid"] = "top"
    assert post(client, request_body(imp=[imp])).status_code == 204  # 728x90 zone, 300x250 imp


def test_first_price_clears_at_the_bid_and_second_price_at_the_next_bid(client):
    from apps.rtb.notices import notice_verify

    banner_ad(rtb_campaign(bid="3.00"))
    banner_ad(rtb_campaign(bid="2.00"))

    def clearing(at: int) -> int:
        bid = _one(post(client, request_body(at=at)))
        token = bid["burl"].split("t=", 1)[1].split("&", 1)[0]
        return notice_verify(token, max_age_seconds=60, now=__import__("time").time())

    first = clearing(1)
    assert (first.price_micros, first.clear_micros) == (3_000_000, 3_000_000)
    second = clearing(2)
    assert (second.price_micros, second.clear_micros) == (3_000_000, 2_010_000)


def test_second_price_with_one_bidder_clears_at_the_floor_plus_a_cent(client):
    from apps.rtb.notices import notice_verify

    banner_ad(rtb_campaign(bid="3.00"))
    body = request_body(at=2, imp=[{"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 1.2}])
    bid = _one(post(client, body))
    token = notice_verify(
        bid["burl"].split("t=", 1)[1].split("&", 1)[0],
        max_age_seconds=60,
        now=__import__("time").time(),
    )
    assert token.clear_micros == 1_210_000


def test_several_imps_get_several_bids(client):
    banner_ad(rtb_campaign())
    banner_ad(rtb_campaign(), w=728, h=90)
    imps = [
        {"id": "a", "banner": {"w": 300, "h": 250}},
        {"id": "b", "banner": {"w": 728, "h": 90}},
        {"id": "c", "banner": {"w": 160, "h": 600}},
    ]
    assert sorted(b["impid"] for b in _bids(post(client, request_body(imps=None, imp=imps)))) == [
        "a",
        "b",
    ]


def test_private_deals_get_no_bid(client):
    banner_ad(rtb_campaign())
    imp = {
        "id": "1",
        "banner": {"w": 300, "h": 250},
        "pmp": {"private_auction": 1, "deals": [{"id": "d1"}]},
    }
    assert post(client, request_body(imp=[imp])).status_code == 204
    imp["pmp"]["private_auction"] = 0
    assert post(client, request_body(imp=[imp])).status_code == 200


def test_wseat_and_bseat(client):
    banner_ad(rtb_campaign())
    assert post(client, request_body(wseat=["other"])).status_code == 204
    assert post(client, request_body(bseat=["adplatform"])).status_code == 204
    assert post(client, request_body(wseat=["adplatform"])).status_code == 200


def test_video_imps_get_vast_with_the_billing_url_as_impression(client):
    import xml.etree.ElementTree as ET

    from apps.campaigns.models import AdStatus, ReviewStatus
    from apps.campaigns.tests.factories import AdFactory

    campaign = rtb_campaign()
    AdFactory(
        campaign=campaign,
        type="video",
        width=None,
        height=None,
        image_url="",
        video_url="https://cdn.example/v.mp4",
        video_mime="video/mp4",
        duration_seconds=15,
        status=AdStatus.ACTIVE,
        review_status=ReviewStatus.APPROVED,
    )
    imp = {"id": "v", "video": {"mimes": ["video/mp4"], "w": 640, "h": 480}}
    bid = _one(post(client, request_body(imp=[imp])))
    assert bid["mtype"] == 2
    root = ET.fromstring(bid["adm"])
    ns = {"v": "http://www.iab.com/VAST"}
    impression = root.find(".//v:Impression", ns).text.strip()
    assert impression == bid["burl"]
    assert root.find(".//v:MediaFile", ns).text.strip() == "https://cdn.example/v.mp4"


def test_native_imps_fill_the_requested_assets(client):
    import json

    from apps.campaigns.models import AdStatus, ReviewStatus
    from apps.campaigns.tests.factories import AdFactory

    campaign = rtb_campaign()
    AdFactory(
        campaign=campaign,
        type="native",
        width=None,
        height=None,
        headline="A fine headline that is long",
        body="Body text",
        sponsor="Acme",
        image_url="https://cdn.example/n.png",
        status=AdStatus.ACTIVE,
        review_status=ReviewStatus.APPROVED,
    )
    native_request = {
        "native": {
            "ver": "1.2",
            "assets": [
                {"id": 1, "required": 1, "title": {"len": 10}},
                {"id": 2, "required": 1, "img": {"type": 3, "w": 300, "h": 250}},
                {"id": 3, "data": {"type": 1}},
                {"id": 4, "data": {"type": 2}},
                {"id": 5, "data": {"type": 3}},  # a rating: we have none, not required
            ],
        }
    }
    imp = {"id": "n", "native": {"request": json.dumps(native_request), "ver": "1.2"}}
    bid = _one(post(client, request_body(imp=[imp])))
    assert bid["mtype"] == 4
    native = json.loads(bid["adm"])["native"]
    assets = {a["id"]: a for a in native["assets"]}
    assert assets[1]["title"]["text"] == "A fine hea"
    assert assets[2]["img"]["url"] == "https://cdn.example/n.png"
    assert assets[3]["data"]["value"] == "Acme"
    assert assets[4]["data"]["value"] == "Body text"
    assert 5 not in assets
    assert native["imptrackers"] == [bid["burl"]]
    assert "/api/v1/track/click?t=" in native["link"]["url"]
    native_request["native"]["assets"].append({"id": 6, "required": 1, "video": {}})
    imp["native"]["request"] = json.dumps(native_request)
    assert post(client, request_body(imp=[imp])).status_code == 204  # a required asset unfilled


def test_a_click_in_the_markup_goes_to_the_ads_destination(client):
    import re

    banner_ad(rtb_campaign())
    bid = _one(post(client, request_body()))
    href = re.search(r'href="([^"]+)"', bid["adm"]).group(1).replace("&amp;", "&")
    path = href.split("testserver", 1)[1]
    response = client.get(path, HTTP_USER_AGENT=CHROME_UA)
    assert response.status_code == 302
    assert response["Location"].startswith("https://shop.example/landing?adx_click=")


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("simple-banner.json", 200),
        ("expandable-creative.json", 200),
        ("mobile.json", 200),
        ("video.json", 200),
        ("pmp-with-direct-deal.json", 204),  # a private auction: we hold no deals
    ],
)
def test_the_iab_examples_get_bids_when_we_have_the_inventory(client, settings, name, status):
    import json

    from apps.campaigns.models import AdStatus, ReviewStatus
    from apps.campaigns.tests.factories import AdFactory

    from .support import EXAMPLES

    settings.RTB_DEFAULT_TMAX_MS = 5000
    campaign = rtb_campaign(bid="3.00")
    banner_ad(campaign)
    banner_ad(campaign, w=728, h=90)
    AdFactory(
        campaign=campaign,
        type="video",
        width=None,
        height=None,
        image_url="",
        video_url="https://cdn.example/v.mp4",
        video_mime="video/mp4",
        duration_seconds=15,
        status=AdStatus.ACTIVE,
        review_status=ReviewStatus.APPROVED,
    )
    raw = (EXAMPLES / "bid-request" / name).read_bytes()
    request = json.loads(raw)
    request["tmax"] = 5000  # the first request of a process builds its index
    post(client, request)
    response = post(client, raw)
    assert response.status_code == status, response.content
    if status == 200:
        body = response.json()
        assert body["id"] == request["id"]
        bid = body["seatbid"][0]["bid"][0]
        assert bid["impid"] == request["imp"][0]["id"]
        assert bid["price"] >= request["imp"][0].get("bidfloor", 0)
