"""Advertiser funds stop serving; counters are charged once per event, in either store."""

import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.common.models import SharedCounter, SharedEntry
from apps.common.tallies import (
    cache_purge_expired,
    tallies_add,
    tallies_claim,
    tallies_get_many,
    tallies_incr,
    tallies_purge_expired,
    tallies_seed,
)
from apps.delivery.counters import (
    StoreCounters,
    advertiser_spend_key,
    charge_for,
    counters_flush_requests,
    counters_record_request,
    spend_total_key,
    zone_request_counts,
)
from apps.delivery.index import campaign_rule
from apps.delivery.index import live as index_live
from apps.delivery.models import BufferedEvent, HourlyStat, InvalidEvent
from apps.delivery.sink import events_drain
from apps.delivery.store import hot_store, hot_store_use
from apps.delivery.store.sql import SqlHotStore
from apps.delivery.tests.factories import path_of, served

pytestmark = pytest.mark.django_db


def funds(amounts: dict[int, int]):
    """A stand-in for the wallets: what each limited advertiser can pay, in micros."""

    def limits(advertiser_ids=None):
        return {a: m for a, m in amounts.items() if advertiser_ids is None or a in advertiser_ids}

    return limits


def test_serving_stops_when_the_advertisers_funds_are_spent(browser, zone, monkeypatch):
    # CPM 1000.00: each impression costs 1.00; the wallet can pay 2.00 in all.
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("1000.00")))
    advertiser_id = ad.campaign.advertiser_id
    monkeypatch.setattr(
        "apps.delivery.index.records.advertiser_funds", funds({advertiser_id: 2_000_000})
    )
    monkeypatch.setattr(index_live, "advertiser_funds", funds({advertiser_id: 2_000_000}))
    for _ in range(2):
        data = served(browser, zone)
        assert data is not None
        browser.get(path_of(data["ad"]["impression_url"]))
    assert served(browser, zone) is None
    debug = browser.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"})
    assert debug.status_code == 200  # not the owner: no explanation, but no ad either
    events_drain()
    assert HourlyStat.objects.get().spend_micros == 2_000_000


def test_a_missing_advertiser_counter_is_seeded_from_the_rollups(browser, zone, monkeypatch):
    ad = live_ad(campaign=live_campaign(bid_amount=Decimal("1000.00")))
    advertiser_id = ad.campaign.advertiser_id
    data = served(browser, zone)
    browser.get(path_of(data["ad"]["impression_url"]))
    events_drain()
    hot_store().clear()  # e.g. a flushed Redis
    limits = funds({advertiser_id: 1_500_000})
    monkeypatch.setattr("apps.delivery.index.records.advertiser_funds", limits)
    monkeypatch.setattr(index_live, "advertiser_funds", limits)
    index_live.index_reset()
    # 1.00 already spent (from the rollups) + 1.00 more would pass 1.50.
    assert served(browser, zone) is None
    assert hot_store().read([advertiser_spend_key(advertiser_id)])[0] == {
        advertiser_spend_key(advertiser_id): 1_000_000
    }


def test_charges_name_the_counters_the_decision_reads():
    ad = live_ad(
        campaign=live_campaign(
            bid_amount=Decimal("2.00"),
            frequency_cap_impressions=3,
            frequency_cap_window_hours=2,
            advertiser__timezone="Asia/Tokyo",
        )
    )
    rule = campaign_rule(ad.campaign_id)
    # 2026-12-07 20:00 UTC is already the 8th in Tokyo.
    at = 1796673600.0
    charge = charge_for(rule, spend_micros=2000, at=at, user_key="u")
    assert charge.local_day == "20261208"
    assert charge.frequency_ttl == 2 * 3600
    hot_store().add(charge.adds())
    from datetime import UTC, datetime

    read = StoreCounters().read([rule], user_key="u", now=datetime.fromtimestamp(at, UTC))[rule.id]
    assert (read.spend_today_micros, read.spend_total_micros, read.user_impressions) == (
        2000,
        2000,
        1,
    )
    uncapped = charge_for(rule, spend_micros=2000, at=at)
    assert uncapped.frequency_user_key is None  # clicks and conversions do not count


def test_requests_and_fills_are_summed_per_process_then_stored(zone):
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for filled in (True, False, True):
        counters_record_request(zone_id=zone.id, filled=filled, now=now)
    counters_flush_requests()
    hour = now.replace(minute=0, second=0, microsecond=0)
    assert zone_request_counts([zone.id], [hour]) == {(zone.id, hour): (3, 2)}


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


DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "adplatform_cache",
        "KEY_PREFIX": "adp-test-db",
    }
}


@override_settings(CACHES=DATABASE_CACHE)
def test_expired_database_cache_rows_are_purged():
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("createcachetable")  # made by a migration only where it is configured
    cache.set("short-lived", 1, timeout=-1)
    assert cache_purge_expired() >= 1


def test_the_sql_store_serves_and_tracks_end_to_end(browser, zone):
    with hot_store_use(SqlHotStore()):
        ad = live_ad(campaign=live_campaign(bid_amount=Decimal("2.50"), total_budget=Decimal("5")))
        data = served(browser, zone)
        browser.get(path_of(data["ad"]["impression_url"]))
        assert BufferedEvent.objects.count() == 1  # the event waits in a table for the drain
        values = tallies_get_many(
            [spend_total_key(ad.campaign_id), advertiser_spend_key(ad.campaign.advertiser_id)]
        )
        assert set(values.values()) == {2500}
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
        assert BufferedEvent.objects.count() == 0
        assert HourlyStat.objects.get().impressions == 2
        assert InvalidEvent.objects.get().reason == "duplicate"


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


@pytest.mark.skipif(settings.HOT_STORE != "redis", reason="the Redis store's one-way writes")
def test_oneway_writes_arrive_in_order_and_survive_a_dropped_connection():
    from apps.common import redis_oneway

    client = hot_store().redis
    assert redis_oneway.oneway_send(client, [("SET", "ow:test", "1"), ("INCRBY", "ow:n", "2")])
    assert client.get("ow:test") == b"1"  # a later command on another connection sees it
    redis_oneway._local.conn._sock.close()  # the server or network dropped it
    assert redis_oneway.oneway_send(client, [("INCRBY", "ow:n", "3")])
    assert client.get("ow:n") == b"5"
    client.delete("ow:test", "ow:n")


def test_serve_remembers_the_token_for_seed_forms(browser, zone):
    from apps.delivery.tokens import served_key

    live_ad()
    data = served(browser, zone)
    time.sleep(0.05)  # with Redis, sent without waiting for the reply
    assert hot_store().recall(served_key(data["impression_uuid"])) == data["token"]
    posted = browser.post(
        "/api/v1/track/impression",
        {"zone_uuid": str(zone.uuid), "ad_uuid": data["ad"]["uuid"]},
        content_type="application/json",
    )
    assert posted.status_code in (200, 201, 202)
    events_drain()
    assert HourlyStat.objects.get().impressions == 1
