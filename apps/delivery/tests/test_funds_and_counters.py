"""Advertiser funds stop serving; the embedded default's counters are atomic and never culled."""

import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from apps.common.models import SharedCounter, SharedEntry
from apps.common.tallies import (
    cache_purge_expired,
    tallies_add,
    tallies_claim,
    tallies_enabled,
    tallies_get_many,
    tallies_incr,
    tallies_purge_expired,
    tallies_seed,
)
from apps.delivery import index as index_module
from apps.delivery.counters import advertiser_spend_key, spend_total_key
from apps.delivery.models import HourlyStat, InvalidEvent
from apps.delivery.sink import events_drain
from apps.delivery.tests.test_serve_api import live_ad, live_campaign
from apps.delivery.tests.test_tracking import browser, path_of, served, zone  # noqa: F401

pytestmark = pytest.mark.django_db

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "adplatform_cache",
        "KEY_PREFIX": "adp-test-db",
    }
}


def test_serving_stops_when_the_advertisers_funds_are_spent(browser, zone, monkeypatch):  # noqa: F811
    # CPM 1000.00: each impression costs 1.00; the wallet can pay 2.00 in all.
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("1000.00")))
    advertiser_id = ad.campaign.advertiser_id
    monkeypatch.setattr(index_module, "advertiser_funds", lambda: {advertiser_id: 2_000_000})
    for _ in range(2):
        data = served(browser, zone)
        assert data is not None
        browser.get(path_of(data["ad"]["impression_url"]))
    assert served(browser, zone) is None
    debug = browser.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"})
    assert debug.status_code == 200  # not the owner: no explanation, but no ad either
    events_drain()
    assert HourlyStat.objects.get().spend_micros == 2_000_000


def test_a_missing_advertiser_counter_is_seeded_from_the_rollups(browser, zone, monkeypatch):  # noqa: F811
    from django.core.cache import cache

    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("1000.00")))
    advertiser_id = ad.campaign.advertiser_id
    data = served(browser, zone)
    browser.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    cache.delete(advertiser_spend_key(advertiser_id))  # e.g. a flushed cache
    monkeypatch.setattr(index_module, "advertiser_funds", lambda: {advertiser_id: 1_500_000})
    index_module.index_reset()
    # 1.00 already spent (from the rollups) + 1.00 more would pass 1.50.
    assert served(browser, zone) is None
    assert cache.get(advertiser_spend_key(advertiser_id)) == 1_000_000


def test_tallies_add_read_expire_seed_and_purge():
    tallies_add([("a", 5, None), ("b", 1, 60), ("a", 2, None)])
    assert tallies_get_many(["a", "b", "c"]) == {"a": 7, "b": 1}
    tallies_add([("b", 1, 3600)])  # the expiry is fixed when the counter is made
    expires = SharedCounter.objects.get(name="b").expires_at
    assert expires < time.time() + 61
    SharedCounter.objects.filter(name="b").update(expires_at=time.time() - 1)
    assert tallies_get_many(["b"]) == {}
    tallies_add([("b", 4, 60)])  # an expired counter starts over
    assert tallies_get_many(["b"]) == {"b": 4}
    tallies_seed({"a": 100, "s": 9})
    assert tallies_get_many(["a", "s"]) == {"a": 7, "s": 9}
    SharedCounter.objects.filter(name="s").update(expires_at=time.time() - 1)
    assert tallies_purge_expired() == 1
    assert tallies_incr("r", 1, 60) == 1
    assert tallies_incr("r", 2, 60) == 3
    assert tallies_claim("seen:x", 60) is True
    assert tallies_claim("seen:x", 60) is False
    SharedCounter.objects.filter(name="seen:x").update(expires_at=time.time() - 1)
    assert tallies_claim("seen:x", 60) is True  # an expired claim can be taken again


@override_settings(CACHES=DATABASE_CACHE, REDIS_URL="")
def test_embedded_default_counts_money_in_shared_counters(browser, zone):  # noqa: F811
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("createcachetable")  # made by a migration only where it is configured
    assert tallies_enabled()
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50"), total_budget=Decimal("5")))
    data = served(browser, zone)
    browser.get(path_of(data["ad"]["impression_url"]))
    values = tallies_get_many(
        [spend_total_key(ad.campaign_id), advertiser_spend_key(ad.campaign.advertiser_id)]
    )
    assert set(values.values()) == {2500}
    assert cache.get(spend_total_key(ad.campaign_id)) is None  # not in the culled cache
    browser.get(path_of(data["ad"]["impression_url"]))  # a replay: claimed in the table
    second = served(browser, zone)
    posted = browser.post(  # seed 001's token-less form finds the serve in the table
        "/api/v1/track/impression",
        {"impression_uuid": second["impression_uuid"]},
        content_type="application/json",
    )
    assert posted.status_code == 201
    assert SharedEntry.objects.filter(name__startswith="served:").count() == 2
    with override_settings(RATELIMIT_PUBLIC="2/h"):
        statuses = [browser.get(f"/api/v1/serve/{zone.uuid}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    events_drain()
    assert HourlyStat.objects.get().impressions == 2
    assert InvalidEvent.objects.get().reason == "duplicate"
    cache.set("short-lived", 1, timeout=-1)
    assert cache_purge_expired() >= 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_tallies_add_atomically_under_concurrency():
    def worker():
        try:
            for _ in range(50):
                tallies_add([("race", 1, None)])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert tallies_get_many(["race"]) == {"race": 400}


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis")
def test_oneway_writes_arrive_in_order_and_survive_a_dropped_connection():
    from django.core.cache import cache

    from apps.common import redis_oneway
    from apps.delivery.views import _raw_redis

    client = _raw_redis()
    assert redis_oneway.oneway_send(client, [("SET", "ow:test", "1"), ("INCRBY", "ow:n", "2")])
    assert client.get("ow:test") == b"1"  # a later command on another connection sees it
    redis_oneway._local.conn._sock.close()  # the server or network dropped it
    assert redis_oneway.oneway_send(client, [("INCRBY", "ow:n", "3")])
    assert client.get("ow:n") == b"5"
    client.delete("ow:test", "ow:n")
    assert cache.get("ow:test") is None


def test_serve_remembers_the_token_for_seed_forms(browser, zone):  # noqa: F811
    from django.core.cache import cache

    from apps.delivery.views import served_key

    live_ad()
    data = served(browser, zone)
    if settings.REDIS_URL:
        time.sleep(0.05)  # sent without waiting for Redis's reply
    assert cache.get(served_key(data["impression_uuid"])) == data["token"]
    posted = browser.post(
        "/api/v1/track/impression",
        {"zone_uuid": str(zone.uuid), "ad_uuid": data["ad"]["uuid"]},
        content_type="application/json",
    )
    assert posted.status_code in (200, 201, 202)
    events_drain()
    assert HourlyStat.objects.get().impressions == 1
