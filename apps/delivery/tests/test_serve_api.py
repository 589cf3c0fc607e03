"""API tests of the public serve endpoint (a plain Django view)."""

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.services.campaigns import campaign_pause
from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery.counters import charge_for, counters_record_spend
from apps.delivery.index import current_index, index_reset
from apps.delivery.store import hot_store
from apps.delivery.tests.factories import CHROME_UA
from apps.delivery.tokens import TokenError, token_verify
from apps.inventory.tests.factories import ZoneFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
AD_KEYS = {
    "uuid",
    "type",
    "width",
    "height",
    "headline",
    "body",
    "image_url",
    "html",
    "vast_url",
    "click_url",
    "impression_url",
}


@pytest.fixture
def zone():
    return ZoneFactory(width=300, height=250, floor_price=Decimal("0.10"))


def serve(client, zone, **params):
    return client.get(f"/api/v1/serve/{zone.uuid}", params)


def test_serves_the_contract_shape(browser, zone):
    ad = live_ad()
    response = serve(browser, zone)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["zone_uuid"] == str(zone.uuid)
    assert data["impression_uuid"]
    assert set(data["ad"]) >= AD_KEYS
    assert data["ad"]["uuid"] == str(ad.uuid)
    assert (data["ad"]["width"], data["ad"]["height"]) == (300, 250)
    assert "destination_url" not in data["ad"]


def test_tracking_urls_are_signed_and_expire(browser, zone):
    ad = live_ad()
    data = serve(browser, zone).json()["data"]
    raw = parse_qs(urlparse(data["ad"]["impression_url"]).query)["t"][0]
    token = token_verify(raw, max_age_seconds=3600)
    assert token.impression_uuid == data["impression_uuid"]
    assert (token.ad_id, token.zone_id, token.campaign_id) == (ad.id, zone.id, ad.campaign_id)
    assert token.bid_micros == 1_500_000
    with pytest.raises(TokenError, match="bad_signature"):
        token_verify(raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB"), max_age_seconds=3600)
    with pytest.raises(TokenError, match="expired_token"):
        token_verify(raw, max_age_seconds=3600, now=time.time() + 3601)
    click = parse_qs(urlparse(data["ad"]["click_url"]).query)["t"][0]
    assert click == raw


def test_unknown_and_malformed_zones_are_404(browser):
    for path in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", "%27%3B--"):
        response = browser.get(f"/api/v1/serve/{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_nothing_eligible_is_data_null(browser, zone):
    assert serve(browser, zone).json() == {"success": True, "data": None}


def test_paused_zone_and_pending_publisher_answer_null(browser, zone):
    live_ad()
    zone.status = "paused"
    zone.save()
    assert serve(browser, zone).json()["data"] is None
    other = ZoneFactory(width=300, height=250, website__publisher__status="pending")
    index_reset()
    assert serve(browser, other).json()["data"] is None


def test_only_matching_type_and_size(browser, zone):
    live_ad(width=728, height=90)
    live_ad(type="text", width=None, height=None, image_url="")
    assert serve(browser, zone).json()["data"] is None


def test_unapproved_paused_and_draft_do_not_serve(browser, zone):
    live_ad(review_status="pending")
    live_ad(status="paused")
    live_ad(campaign=live_campaign(status="draft"))
    assert serve(browser, zone).json()["data"] is None


def test_known_bots_get_nothing(zone):
    live_ad()
    bot = Client(
        HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    )
    assert serve(bot, zone).json()["data"] is None
    assert serve(Client(HTTP_USER_AGENT=""), zone).json()["data"] is None


def test_query_parameters_override_the_request(browser, zone):
    live_ad(campaign=live_campaign(targeting={"countries": ["DE"], "devices": ["mobile"]}))
    assert serve(browser, zone).json()["data"] is None
    assert serve(browser, zone, country="DE").json()["data"] is None
    assert serve(browser, zone, country="de", device="mobile").json()["data"] is not None


def test_a_region_must_belong_to_the_country(browser, zone):
    live_ad(campaign=live_campaign(targeting={"regions": ["US-CA"]}))
    assert serve(browser, zone, country="DE", region="US-CA").json()["data"] is None
    assert serve(browser, zone, country="US", region="US-CA").json()["data"] is not None


def test_geo_from_the_client_address(zone):
    live_ad(campaign=live_campaign(targeting={"countries": ["US"]}))
    us = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    gb = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="81.2.69.160")
    assert serve(us, zone).json()["data"] is not None
    assert serve(gb, zone).json()["data"] is None


def test_spoofed_forwarding_headers_are_ignored_unless_trusted(zone):
    live_ad(campaign=live_campaign(targeting={"countries": ["US"]}))
    spoof = Client(
        HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="81.2.69.160", HTTP_X_FORWARDED_FOR="8.8.8.8"
    )
    assert serve(spoof, zone).json()["data"] is None
    proxied = Client(
        HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="8.8.8.8"
    )
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert serve(proxied, zone).json()["data"] is not None


def test_absurd_input_never_500s(browser, zone):
    live_ad()
    weird = {
        "device": "x" * 5000,
        "country": "ZZZZ",
        "region": "<script>",
        "browser": "\x00",
        "os": "../../etc",
        "uid": "u" * 10_000,
        "seed": "s" * 500,
        "debug": "1",
    }
    assert serve(browser, zone, **weird).status_code == 200
    huge = Client(HTTP_USER_AGENT="Mozilla/5.0 " + "A" * 100_000)
    assert serve(huge, zone).status_code == 200


def test_method_and_preflight(browser, zone):
    assert browser.post(f"/api/v1/serve/{zone.uuid}").status_code == 405
    options = browser.options(f"/api/v1/serve/{zone.uuid}")
    assert options.status_code == 204
    assert options["Access-Control-Allow-Origin"] == "*"


def test_warm_decision_makes_no_database_query(browser, zone, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.common.models import SharedCounter, SharedEntry

    live_ad(campaign=live_campaign(frequency_cap_impressions=5, frequency_cap_window_hours=1))
    assert serve(browser, zone).json()["data"] is not None  # builds the index
    settings.INVENTORY_CHECK_SECONDS = 3600  # as served: a thread reads the version
    with CaptureQueriesContext(connection) as queries:
        assert serve(browser, zone).json()["data"] is not None
    # Nothing but the hot store's own counters and served tokens (the embedded default keeps
    # them in the database; with Redis there is no SQL at all).
    store_tables = (SharedCounter._meta.db_table, SharedEntry._meta.db_table)
    other = [q["sql"] for q in queries if not any(t in q["sql"] for t in store_tables)]
    assert other == []
    assert len(queries) == (3 if settings.HOT_STORE == "sql" else 0)


def test_inventory_change_rebuilds_the_index(browser, zone, django_capture_on_commit_callbacks):
    ad = live_ad()
    assert serve(browser, zone).json()["data"]["ad"]["uuid"] == str(ad.uuid)
    version = current_index().version
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=ad.campaign)
    assert current_index().version != version
    assert serve(browser, zone).json()["data"] is None


@pytest.mark.django_db(transaction=True)
def test_inventory_change_is_applied_in_the_background(browser, zone, settings):
    settings.INVENTORY_REBUILD_IN_BACKGROUND = True
    settings.INVENTORY_CHECK_SECONDS = 0.05
    ad = live_ad()
    assert serve(browser, zone).json()["data"]["ad"]["uuid"] == str(ad.uuid)
    old = current_index()
    campaign_pause(campaign=ad.campaign)  # commits: the change is logged
    assert current_index() is old  # requests keep the index they have …
    deadline = time.monotonic() + 10
    while current_index() is old and time.monotonic() < deadline:
        time.sleep(0.02)
    assert current_index().version > old.version  # … until the thread swaps the next one in
    assert serve(browser, zone).json()["data"] is None


def test_highest_bid_wins_and_priority_first(browser, zone):
    live_ad(campaign=live_campaign(bid_amount=Decimal("1.00")))
    rich = live_ad(campaign=live_campaign(bid_amount=Decimal("4.00")))
    assert serve(browser, zone).json()["data"]["ad"]["uuid"] == str(rich.uuid)
    sponsor = live_ad(campaign=live_campaign(bid_amount=Decimal("0.20"), priority="sponsorship"))
    index_reset()
    assert serve(browser, zone).json()["data"]["ad"]["uuid"] == str(sponsor.uuid)


def test_floor_price_filters_low_bids(browser):
    zone = ZoneFactory(width=300, height=250, floor_price=Decimal("2.00"))
    live_ad(campaign=live_campaign(bid_amount=Decimal("1.99")))
    assert serve(browser, zone).json()["data"] is None


def test_publisher_blocks_and_placement_lists(browser, zone):
    blocked = live_ad(campaign=live_campaign(category="gambling"))
    publisher = zone.website.publisher
    publisher.blocked_categories = ["gambling"]
    publisher.save()
    assert serve(browser, zone).json()["data"] is None
    publisher.blocked_categories = []
    publisher.blocked_advertiser_ids = [blocked.campaign.advertiser_id]
    publisher.save()
    index_reset()
    assert serve(browser, zone).json()["data"] is None
    publisher.blocked_advertiser_ids = []
    publisher.save()
    index_reset()
    assert serve(browser, zone).json()["data"] is not None
    campaign = blocked.campaign
    for targeting in (
        {"zones": {"include": [], "exclude": [zone.id]}},
        {"websites": {"include": [], "exclude": [zone.website_id]}},
        {"zones": {"include": [zone.id + 1000], "exclude": []}},
        {"categories": ["sports"]},
    ):
        campaign.targeting = targeting
        campaign.save()
        index_reset()
        assert serve(browser, zone).json()["data"] is None, targeting


def test_budget_stop_reads_the_counters(browser, zone):
    ad = live_ad(campaign=live_campaign(daily_budget=Decimal("1.00"), bid_amount=Decimal("2.00")))
    assert serve(browser, zone).json()["data"] is not None
    rule = current_index().ads_by_id[ad.id].campaign
    # A 2.00 CPM impression costs 0.002: at 0.998 spent one more fits the 1.00 budget exactly.
    counters_record_spend(campaign=rule, micros=998_000, now=timezone.now())
    assert serve(browser, zone).json()["data"] is not None
    counters_record_spend(campaign=rule, micros=1000, now=timezone.now())
    assert serve(browser, zone).json()["data"] is None


def test_frequency_cap_per_user(browser, zone):
    ad = live_ad(campaign=live_campaign(frequency_cap_impressions=2, frequency_cap_window_hours=24))
    rule = current_index().ads_by_id[ad.id].campaign
    data = serve(browser, zone, uid="reader-1").json()["data"]
    token = token_verify(
        parse_qs(urlparse(data["ad"]["impression_url"]).query)["t"][0], max_age_seconds=60
    )
    for _ in range(2):  # two impressions tracked for this user
        hot_store().add(
            charge_for(rule, spend_micros=0, at=time.time(), user_key=token.user_key).adds()
        )
    assert serve(browser, zone, uid="reader-1").json()["data"] is None
    assert serve(browser, zone, uid="reader-2").json()["data"] is not None


def test_seed_makes_the_tie_break_reproducible(browser, zone):
    campaign = live_campaign()
    ads = [live_ad(campaign=campaign) for _ in range(5)]
    picks = {serve(browser, zone, seed="42").json()["data"]["ad"]["uuid"] for _ in range(5)}
    assert len(picks) == 1
    assert picks <= {str(a.uuid) for a in ads}


@override_settings(RATELIMIT_PUBLIC="2/h")
def test_public_rate_limit(browser, zone):
    assert serve(browser, zone).status_code == 200
    assert serve(browser, zone).status_code == 200
    limited = serve(browser, zone)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "rate_limited"


def test_debug_for_owner_and_admin_only(zone):
    live_ad(campaign=live_campaign(targeting={"countries": ["DE"]}))
    winner = live_ad()
    owner = client_for(zone.website.publisher.user)
    owner.credentials(
        HTTP_AUTHORIZATION=owner._credentials["HTTP_AUTHORIZATION"], HTTP_USER_AGENT=CHROME_UA
    )
    body = owner.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1", "country": "US"}).json()
    reasons = {c["ad_uuid"]: c["reason"] for c in body["debug"]["candidates"]}
    assert reasons[str(winner.uuid)] == "selected"
    assert "country_not_targeted" in reasons.values()
    assert body["debug"]["context"]["country"] == "US"
    admin = client_for(UserFactory(role=Role.ADMIN))
    assert (
        "debug"
        in admin.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"}, HTTP_USER_AGENT=CHROME_UA).json()
    )
    stranger = client_for(UserFactory(role=Role.PUBLISHER))
    assert "debug" not in stranger.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"}).json()
    assert "debug" not in Client().get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"}).json()


def test_iframe_renders_safely_in_a_sandbox(browser, zone):
    live_ad(type="banner", headline='"><script>alert(1)</script>')
    response = browser.get(f"/api/v1/serve/{zone.uuid}/iframe")
    assert response.status_code == 200
    assert "sandbox" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "/api/v1/track/impression/pixel?t=" in html


def test_noscript_image_and_click_pair(browser, zone):
    live_ad(image_url="https://cdn.example.com/a.png")
    image = browser.get(f"/api/v1/serve/{zone.uuid}/image")
    assert image.status_code == 302
    assert image["Location"] == "https://cdn.example.com/a.png"
    click = browser.get(f"/api/v1/serve/{zone.uuid}/click")
    assert click.status_code == 302
    assert "/api/v1/track/click?t=" in click["Location"]


def test_noscript_image_without_ad_is_a_blank_pixel(browser, zone):
    image = browser.get(f"/api/v1/serve/{zone.uuid}/image")
    assert image.status_code == 302
    assert image["Location"].endswith("/static/delivery/blank.gif")


def test_public_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/docs-json").json()["paths"]
    for path in (
        "/api/v1/serve/{zone_uuid}",
        "/api/v1/serve/{zone_uuid}/vast",
        "/api/v1/track/impression",
        "/api/v1/track/impression/pixel",
        "/api/v1/track/click",
        "/api/v1/track/conversion",
    ):
        assert path in paths, path
