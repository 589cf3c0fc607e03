"""Serving and tracking while the hot store is unreachable: a real Redis server, started by
the test, stopped in the middle of traffic and started again."""

import shutil
import socket
import subprocess
import time
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery.engine import Reason
from apps.delivery.index import index_reset
from apps.delivery.models import HourlyStat, ImpressionEvent
from apps.delivery.sink import events_drain
from apps.delivery.store import hot_store_use, spend_total_key
from apps.delivery.store.redis import RedisHotStore
from apps.delivery.store.resilient import ResilientStore, Spool
from apps.delivery.tests.factories import path_of, served

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A throwaway redis-server on loopback, persisting every write to its append-only file
    (as production's Redis must, or events waiting in its stream die with it)."""

    def __init__(self, port: int, directory):
        self.port, self.directory, self.process = port, directory, None

    def start(self) -> None:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "save": "",
            "appendonly": "yes",
            "appendfsync": "always",
            "dir": str(self.directory),
        }
        argv = ["redis-server"]
        for name, value in options.items():
            argv += [f"--{name}", value]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def redis_process(tmp_path):
    server = RedisProcess(free_port(), tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def store(redis_process, tmp_path):
    url = f"redis://127.0.0.1:{redis_process.port}/0"
    resilient = ResilientStore(RedisHotStore(url, timeout=0.2), Spool(tmp_path / "spool"))
    with hot_store_use(resilient):
        index_reset()
        yield resilient
    index_reset()


def test_serving_and_tracking_ride_out_a_redis_outage(browser, zone, redis_process, store):
    unlimited = live_ad(campaign=live_campaign(daily_budget=None, bid_amount=Decimal("2.00")))
    limited = live_ad(campaign=live_campaign(daily_budget=Decimal("50"), bid_amount=Decimal("1")))
    before = served(browser, zone)
    assert before["ad"]["uuid"] == str(unlimited.uuid)  # the higher bid
    assert browser.get(path_of(before["ad"]["impression_url"])).status_code == 200

    redis_process.stop()
    started = time.monotonic()
    during = [served(browser, zone) for _ in range(5)]
    # Money-limited campaigns sit out (their budget cannot be checked); the unlimited serves.
    assert all(d is not None and d["ad"]["uuid"] == str(unlimited.uuid) for d in during)
    debug = browser.get(f"/api/v1/serve/{zone.uuid}", {"debug": "1"})  # not the owner
    assert debug.status_code == 200
    pixels = [browser.get(path_of(d["ad"]["impression_url"])) for d in during]
    assert all(p.status_code == 200 and p["Content-Type"] == "image/gif" for p in pixels)
    replayed_pixel = browser.get(path_of(during[0]["ad"]["impression_url"]))  # a replay
    assert replayed_pixel.status_code == 200
    assert time.monotonic() - started < 5  # no request waited for Redis timeouts one by one
    assert store.spool.pending()

    redis_process.start()  # from its append-only file: the stream and counters are back
    deadline = time.monotonic() + 10
    while store.spool.pending() and time.monotonic() < deadline:
        store.replay()
        time.sleep(0.05)
    assert not store.spool.pending()
    events_drain()
    # One impression before the outage, five during it; the replayed pixel counts nothing.
    assert ImpressionEvent.objects.count() == 6
    assert HourlyStat.objects.aggregate(n=Sum("impressions"))["n"] == 6
    spent = store.read([spend_total_key(unlimited.campaign_id)])[0]
    assert spent == {spend_total_key(unlimited.campaign_id): 6 * 2000}  # 5 charged on replay
    assert limited.campaign_id != unlimited.campaign_id


def test_the_engine_keeps_money_limited_campaigns_out_without_counters():
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from apps.delivery.engine import UNAVAILABLE, CampaignRule, RequestContext, counter_reason

    def rule(**kw):
        return CampaignRule(
            id=1,
            advertiser_id=1,
            pricing_model="cpm",
            bid_micros=1_000_000,
            start_date=date(2026, 1, 1),
            end_date=None,
            tz=ZoneInfo("UTC"),
            **kw,
        )

    ctx = RequestContext(now=datetime(2026, 12, 7, tzinfo=UTC), user_key="u")
    assert counter_reason(rule(), UNAVAILABLE, ctx) is None
    assert counter_reason(rule(frequency_cap=1), UNAVAILABLE, ctx) is None  # cannot be checked
    for limit in ({"daily_budget_micros": 1}, {"total_budget_micros": 1}):
        assert counter_reason(rule(**limit), UNAVAILABLE, ctx) == Reason.COUNTERS_UNAVAILABLE
    funded = rule(advertiser_funds_micros=10**9)
    assert counter_reason(funded, UNAVAILABLE, ctx) == Reason.COUNTERS_UNAVAILABLE


def test_a_dead_processes_spool_is_replayed_by_another(tmp_path):
    """Spool files of processes that are gone are taken over (and renamed while replayed)."""
    import os

    from apps.delivery.events import TrackedEvent
    from apps.delivery.store.resilient import SpooledBeacon

    spool = Spool(tmp_path)
    spool.append(SpooledBeacon(event=TrackedEvent(kind="impression", uuid="a", at=1.0)))
    own = spool.directory / f"spool.{os.getpid()}.jsonl"
    dead = spool.directory / "spool.999999999.jsonl"  # no such process
    dead.write_bytes(own.read_bytes().replace(b'"a"', b'"b"'))
    alive = spool.directory / "spool.1.jsonl"  # init is alive: its writer may still append
    alive.write_bytes(own.read_bytes())
    seen = []
    assert spool.replay(lambda beacon: seen.append(beacon.event.uuid)) == 2
    assert sorted(seen) == ["a", "b"]
    assert alive.exists() and not own.exists() and not dead.exists()
