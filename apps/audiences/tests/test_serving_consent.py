"""Serving and tracking obey consent, and segment targeting works on the hot path."""

import time

import pytest
from django.db.models import Sum

from apps.audiences.models import ConsentRecord, WebsiteConsentSettings
from apps.audiences.services import segment_create
from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery.context import user_key_of
from apps.delivery.models import ImpressionEvent
from apps.delivery.sink import events_drain
from apps.delivery.store import hot_store
from apps.delivery.tests.factories import CHROME_UA, path_of

from .tcf_strings import ALL_PURPOSES, tc_string

pytestmark = pytest.mark.django_db
CONSENTED = tc_string(purposes=ALL_PURPOSES, purposes_li=(7,), vendors=(42,), vendors_li=(42,))
NO_PURPOSES = tc_string(purposes=(), vendors=(42,))


def serve(client, zone, **params):
    return client.get(f"/api/v1/serve/{zone.uuid}", params)


@pytest.fixture
def targeted(zone):
    """A segment-targeted campaign (higher bid) and a contextual one."""
    contextual = live_ad(campaign=live_campaign(bid_amount="1.00"))
    advertiser = contextual.campaign.advertiser
    segment = segment_create(advertiser=advertiser, name="Buyers")
    retargeted = live_ad(
        campaign=live_campaign(
            advertiser=advertiser,
            bid_amount="5.00",
            targeting={"segments": {"include": [segment.pk], "exclude": []}},
        )
    )
    hot_store().segments_add([(user_key_of("member"), segment.pk, 3600)])
    return segment, retargeted, contextual


def ad_of(response):
    data = response.json()["data"]
    return data["ad"]["uuid"] if data else None


def test_members_get_the_segment_campaign_and_others_the_contextual_one(browser, zone, targeted):
    _, retargeted, contextual = targeted
    assert ad_of(serve(browser, zone, uid="member")) == str(retargeted.uuid)
    assert ad_of(serve(browser, zone, uid="stranger")) == str(contextual.uuid)


def test_excluded_members_do_not_get_the_campaign(browser, zone):
    contextual = live_ad(campaign=live_campaign(bid_amount="1.00"))
    segment = segment_create(advertiser=contextual.campaign.advertiser, name="Customers")
    live_ad(
        campaign=live_campaign(
            advertiser=contextual.campaign.advertiser,
            bid_amount="5.00",
            targeting={"segments": {"include": [], "exclude": [segment.pk]}},
        )
    )
    hot_store().segments_add([(user_key_of("customer"), segment.pk, 3600)])
    assert ad_of(serve(browser, zone, uid="customer")) == str(contextual.uuid)
    assert ad_of(serve(browser, zone, uid="prospect")) != str(contextual.uuid)


def test_gdpr_with_consent_personalises_and_sets_the_cookie(browser, zone, targeted):
    _, retargeted, _ = targeted
    response = serve(browser, zone, uid="member", gdpr="1", gdpr_consent=CONSENTED)
    assert ad_of(response) == str(retargeted.uuid)
    assert response.cookies["adp_uid"].value == "member"


@pytest.mark.parametrize(
    "params",
    [
        {"gdpr": "1"},  # no string
        {"gdpr": "1", "gdpr_consent": NO_PURPOSES},  # no purpose consented
        {"gdpr": "1", "gdpr_consent": "not-a-tc-string"},  # malformed: invalid, no consent
        {"country": "DE"},  # GDPR applies by the visitor's country, no string
        {"us_privacy": "1YYN"},  # opted out of sale
        {"gpp": "DBABTA~1YYN", "gpp_sid": "6"},  # the same through GPP
    ],
)
def test_without_consent_no_user_key_no_segments_no_cookie(browser, zone, targeted, params):
    _, _, contextual = targeted
    response = serve(browser, zone, uid="member", **params)
    assert ad_of(response) == str(contextual.uuid)  # contextual only
    assert "adp_uid" not in response.cookies


def test_global_privacy_control_removes_user_keyed_use(zone, targeted):
    from django.test import Client

    contextual = targeted[2]
    gpc = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8", HTTP_SEC_GPC="1")
    response = serve(gpc, zone, uid="member")
    assert ad_of(response) == str(contextual.uuid)
    assert "adp_uid" not in response.cookies


def test_without_consent_frequency_caps_are_not_keyed(browser, zone):
    live_ad(campaign=live_campaign(frequency_cap_impressions=1, frequency_cap_window_hours=1))
    for _ in range(2):
        data = serve(browser, zone, uid="reader", gdpr="1").json()["data"]
        assert data is not None
        assert browser.get(path_of(data["ad"]["impression_url"])).status_code == 200
    events_drain()
    # Two impressions counted, neither keyed to the visitor, the cap not applied.
    assert list(ImpressionEvent.objects.values_list("user_key", flat=True)) == ["", ""]
    consented = serve(browser, zone, uid="reader", gdpr="1", gdpr_consent=CONSENTED)
    data = consented.json()["data"]
    browser.get(path_of(data["ad"]["impression_url"]))
    assert (
        serve(browser, zone, uid="reader", gdpr="1", gdpr_consent=CONSENTED).json()["data"] is None
    )  # with consent the cap counts
    events_drain()
    assert ImpressionEvent.objects.exclude(user_key="").count() == 1


def test_the_website_may_serve_nothing_without_consent(browser, zone, targeted):
    WebsiteConsentSettings.objects.create(website=zone.website, without_consent="none")
    assert serve(browser, zone, uid="member", gdpr="1").json()["data"] is None
    assert ad_of(serve(browser, zone, uid="member", gdpr="1", gdpr_consent=CONSENTED))


def test_the_website_vendor_id_must_have_consent(browser, zone, targeted):
    _, retargeted, contextual = targeted
    WebsiteConsentSettings.objects.create(website=zone.website, vendor_id=7, gdpr_applies="always")
    assert ad_of(serve(browser, zone, uid="member", gdpr_consent=CONSENTED)) == str(
        contextual.uuid
    )  # vendor 42 consented, not 7
    for_us = tc_string(purposes=ALL_PURPOSES, vendors=(7,))
    assert ad_of(serve(browser, zone, uid="member", gdpr_consent=for_us)) == str(retargeted.uuid)


def test_debug_names_the_consent_and_segment_reasons(zone, targeted, admin_client):
    retargeted = targeted[1]
    debug = admin_client.get(
        f"/api/v1/serve/{zone.uuid}", {"debug": "1", "uid": "stranger"}, HTTP_USER_AGENT=CHROME_UA
    ).json()["debug"]
    reasons = {c["ad_uuid"]: c["reason"] for c in debug["candidates"]}
    assert reasons[str(retargeted.uuid)] == "segment_not_matched"
    assert debug["segments"] == []
    debug = admin_client.get(
        f"/api/v1/serve/{zone.uuid}",
        {"debug": "1", "uid": "member", "gdpr": "1"},
        HTTP_USER_AGENT=CHROME_UA,
    ).json()["debug"]
    reasons = {c["ad_uuid"]: c["reason"] for c in debug["candidates"]}
    assert reasons[str(retargeted.uuid)] == "segments_need_consent"
    assert debug["consent"]["gdpr_applies"] is True
    assert debug["consent"]["personalised"] is False


def test_consent_signals_are_recorded_in_the_ledger(browser, zone, targeted):
    serve(browser, zone, uid="member", gdpr="1", gdpr_consent=CONSENTED)
    serve(browser, zone, uid="member", gdpr="1", gdpr_consent=CONSENTED)  # once a day
    serve(browser, zone, uid="other", gdpr="1", gdpr_consent="garbage")
    serve(browser, zone, uid="member")  # no signal, nothing to record
    events_drain()
    records = {r.user_key: r for r in ConsentRecord.objects.all()}
    assert len(records) == 2
    good = records[user_key_of("member")]
    assert good.tcf_valid and good.personalised and good.purposes_consent == list(ALL_PURPOSES)
    assert good.website_id == zone.website_id and good.source == "serve"
    bad = records[""]  # no user key may be kept without consent
    assert bad.tcf_valid is False and not bad.personalised and bad.tcf_error


def test_tracking_keeps_the_user_key_only_with_consent(browser, zone):
    live_ad()
    with_consent = serve(browser, zone, uid="v1", gdpr="1", gdpr_consent=CONSENTED)
    without = serve(browser, zone, uid="v2", gdpr="1")
    for response in (with_consent, without):
        browser.get(path_of(response.json()["data"]["ad"]["impression_url"]))
    opted_out = serve(browser, zone, uid="v3").json()["data"]
    # The beacon's own signals narrow the token's consent.
    browser.get(path_of(opted_out["ad"]["impression_url"]) + "&us_privacy=1YYN")
    events_drain()
    keys = set(ImpressionEvent.objects.values_list("user_key", flat=True))
    assert keys == {user_key_of("v1"), ""}
    assert ImpressionEvent.objects.aggregate(n=Sum("cost_micros"))["n"] > 0  # all counted


def test_rule_audiences_fill_when_events_are_drained(browser, zone):
    from apps.audiences.services import audience_create

    ad = live_ad()
    audience = audience_create(
        advertiser=ad.campaign.advertiser,
        name="Saw it",
        type="rules",
        rules={
            "lookback_days": 7,
            "rules": [{"event": "impression", "websites": [zone.website_id]}],
        },
    )
    for uid, params in (("fan", {}), ("refuser", {"gdpr": "1"})):
        data = serve(browser, zone, uid=uid, **params).json()["data"]
        browser.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    assert hot_store().segments_of(user_key_of("fan")) == {audience.segment_id}
    assert hot_store().segments_of(user_key_of("refuser")) == frozenset()


def test_the_retargeting_pixel_adds_visitors_with_consent(browser, zone):
    ad = live_ad()
    segment = segment_create(advertiser=ad.campaign.advertiser, name="Visitors")
    pixel = f"/api/v1/track/segment/{segment.uuid}/pixel"
    response = browser.get(pixel)
    assert response["Content-Type"] == "image/gif"
    cookie = response.cookies["adp_uid"].value
    assert hot_store().segments_of(user_key_of(cookie)) == {segment.pk}
    browser.get(pixel, {"uid": "known"})
    assert segment.pk in hot_store().segments_of(user_key_of("known"))
    refused = browser.get(pixel, {"uid": "refuser", "gdpr": "1"})
    assert refused["Content-Type"] == "image/gif"
    assert hot_store().segments_of(user_key_of("refuser")) == frozenset()
    assert browser.get(pixel, {"uid": "ok", "gdpr": "1", "gdpr_consent": CONSENTED})
    assert hot_store().segments_of(user_key_of("ok")) == {segment.pk}
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert browser.get(f"/api/v1/track/segment/{bad}/pixel")["Content-Type"] == "image/gif"


def test_membership_expires_after_the_segment_ttl(browser, zone, targeted):
    segment, retargeted, contextual = targeted
    hot_store().segments_add([(user_key_of("brief"), segment.pk, 1)])
    assert ad_of(serve(browser, zone, uid="brief")) == str(retargeted.uuid)
    time.sleep(1.1)
    assert ad_of(serve(browser, zone, uid="brief")) == str(contextual.uuid)


def test_warm_decision_with_segment_targeting_makes_no_other_query(browser, zone, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.common.models import SharedCounter, SharedEntry
    from apps.delivery.models import SegmentMember

    contextual = live_ad(campaign=live_campaign(bid_amount="1.00"))
    segment = segment_create(advertiser=contextual.campaign.advertiser, name="Warm")
    retargeted = live_ad(
        campaign=live_campaign(
            advertiser=contextual.campaign.advertiser,
            bid_amount="5.00",
            frequency_cap_impressions=5,
            frequency_cap_window_hours=1,
            targeting={"segments": {"include": [segment.pk], "exclude": []}},
        )
    )
    hot_store().segments_add([(user_key_of("warm"), segment.pk, 3600)])
    assert ad_of(serve(browser, zone, uid="warm")) == str(retargeted.uuid)  # builds the index
    settings.INVENTORY_CHECK_SECONDS = 3600
    with CaptureQueriesContext(connection) as queries:
        assert ad_of(serve(browser, zone, uid="warm")) == str(retargeted.uuid)
    store_tables = (
        SharedCounter._meta.db_table,
        SharedEntry._meta.db_table,
        SegmentMember._meta.db_table,
    )
    other = [q["sql"] for q in queries if not any(t in q["sql"] for t in store_tables)]
    assert other == []
    # Rate limit, counters, memberships, remembered token (SQL); nothing at all with Redis.
    assert len(queries) == (4 if settings.HOT_STORE == "sql" else 0)
