"""Both hot stores keep the same contract (``apps/delivery/store/base.py``).

Every test runs against the SQL store (the embedded default) and the Redis store. Redis is
``REDIS_URL`` when set (CI), otherwise ``TEST_REDIS_URL`` or a local server on its default
port if one answers.
"""

import os
import time
import uuid

import pytest
from django.conf import settings

from apps.common.ratelimit import RateWindow
from apps.delivery.events import TrackedEvent
from apps.delivery.store import DUPLICATE, LIMITED, RECORDED, Charge, Claim
from apps.delivery.store.sql import SqlHotStore

pytestmark = pytest.mark.django_db


def _redis_url() -> str | None:
    import redis

    url = settings.REDIS_URL or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["sql", "redis"])
def store(request):
    if request.param == "sql":
        yield SqlHotStore()
        return
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server to test the Redis store against")
    from apps.delivery.store.redis import RedisHotStore

    tag = uuid.uuid4().hex[:8]
    redis_store = RedisHotStore(url, prefix=f"contract-{tag}:", stream=f"contract-{tag}:events")
    yield redis_store
    redis_store.clear()


def window(limit: int = 3) -> RateWindow:
    now = time.time()
    return RateWindow(f"rlp:test:{uuid.uuid4().hex}", limit, 60, int(now // 60), now)


def impression(**kw) -> TrackedEvent:
    fields = dict(
        kind="impression",
        uuid=str(uuid.uuid4()),
        at=time.time(),
        impression_uuid=str(uuid.uuid4()),
        zone_id=1,
        ad_id=2,
        campaign_id=3,
        advertiser_id=4,
        publisher_id=5,
        cost_micros=2500,
        country="DE",
        region="DE-BY",
        device="mobile",
    )
    fields.update(kw)
    return TrackedEvent(**fields)


def charge(user: str | None = "u1") -> Charge:
    return Charge(
        campaign_id=3,
        advertiser_id=4,
        local_day="20261207",
        spend_micros=2500,
        frequency_user_key=user,
        frequency_ttl=3600 if user else 0,
    )


def drained(store) -> list[TrackedEvent]:
    seen: list[TrackedEvent] = []

    def ingest(events):
        seen.extend(events)
        return len(events)

    while store.drain(ingest, 100):
        pass
    return seen


def test_counters_read_what_was_added_and_leave_out_absent_ones(store):
    store.add([("c:a", 5, None), ("c:b", 1, 60), ("c:a", 2, None)])
    values, count = store.read(["c:a", "c:b", "c:none"])
    assert values == {"c:a": 7, "c:b": 1}
    assert count is None
    assert store.incr("c:a", 3, None) == 10
    store.seed({"c:a": 100, "c:s": 9})  # an existing counter keeps its value
    assert store.read(["c:a", "c:s"])[0] == {"c:a": 10, "c:s": 9}


def test_a_read_counts_the_rate_limit_in_the_same_call(store):
    limit = window()
    assert store.read(["c:a"], rate=limit) == ({}, 1)
    assert store.read([], rate=limit)[1] == 2
    assert store.rate_hit(limit) == 3


def test_remembered_texts_expire(store):
    store.remember({"served:a": "token-a", "served:b": "token-b"}, 60)
    store.remember({"served:short": "x"}, 1)
    time.sleep(0.05)  # Redis: sent without waiting for the reply
    assert store.recall("served:a") == "token-a"
    assert store.recall("served:none") is None
    time.sleep(1.1)
    assert store.recall("served:short") is None


def test_record_claims_charges_and_buffers_once(store):
    event = impression()
    claim = Claim(f"seen:{event.uuid}", 60)
    first = store.record(event, claim=claim, charge=charge())
    assert first.status == RECORDED
    again = store.record(event, claim=claim, charge=charge())
    assert again.status == DUPLICATE
    values, _ = store.read(["spend:d:3:20261207", "spend:t:3", "spend:a:4", "freq:3:u1"])
    assert values == {
        "spend:d:3:20261207": 2500,
        "spend:t:3": 2500,
        "spend:a:4": 2500,
        "freq:3:u1": 1,
    }
    assert store.pending() == 1
    assert drained(store) == [event]  # the same typed event comes out
    assert store.pending() == 0


def test_over_the_rate_limit_nothing_is_claimed_charged_or_buffered(store):
    limit = window(limit=1)
    assert store.record(impression(), rate=limit).status == RECORDED
    event = impression()
    refused = store.record(
        event, rate=limit, claim=Claim(f"seen:{event.uuid}", 60), charge=charge()
    )
    assert refused == (LIMITED, 2)
    assert store.read(["spend:t:3"])[0] == {}
    assert store.record(event, claim=Claim(f"seen:{event.uuid}", 60)).status == RECORDED
    assert len(drained(store)) == 2


def test_pending_age_follows_the_oldest_buffered_event(store):
    assert store.pending_age() is None
    store.record(impression())
    time.sleep(1.05)
    store.record(impression())
    age = store.pending_age()
    assert 1.0 <= age < 10
    drained(store)
    assert store.pending_age() is None


def test_a_failed_ingest_loses_nothing(store):
    events = [impression() for _ in range(3)]
    for event in events:
        store.record(event)

    def failing(batch):
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        store.drain(failing, 10)
    if hasattr(store, "reclaim_idle_ms"):
        store.reclaim_idle_ms = 0  # a stream batch is taken again once it has been idle
    assert sorted(e.uuid for e in drained(store)) == sorted(e.uuid for e in events)


def test_the_inventory_log_numbers_changes_without_gaps(store):
    start = store.inventory_version()
    assert store.inventory_changes(start) == []
    first = store.inventory_publish(b'{"kind":"zone","ids":[1]}')
    second = store.inventory_publish(b'{"kind":"ad","ids":[2]}')
    assert (first, second) == (start + 1, start + 2)
    assert store.inventory_version() == second
    assert store.inventory_changes(start) == [
        (first, b'{"kind":"zone","ids":[1]}'),
        (second, b'{"kind":"ad","ids":[2]}'),
    ]
    assert store.inventory_changes(first) == [(second, b'{"kind":"ad","ids":[2]}')]
    assert store.inventory_changes(second + 5) is None  # a version the log never had


def test_snapshots_round_trip(store):
    assert store.snapshot_load() is None
    store.snapshot_save(7, b"\x00rows")
    store.snapshot_save(9, b"\x01rows")
    assert store.snapshot_load() == (9, b"\x01rows")


def test_purge_answers_a_count(store):
    assert store.purge_expired() >= 0


# --- Segment memberships ---------------------------------------------------------------------


def test_memberships_are_read_with_the_counters_in_one_call(store):
    store.add([("c:a", 4, None)])
    limit = window()
    assert store.segments_add([("u1", 7, 3600), ("u1", 9, 3600), ("u2", 7, 3600)]) is None
    values, count, segments = store.read_with_segments(["c:a", "c:none"], "u1", rate=limit)
    assert (values, count, segments) == ({"c:a": 4}, 1, frozenset({7, 9}))
    assert store.read_with_segments([], "nobody") == ({}, None, frozenset())
    assert store.segments_of("u2") == frozenset({7})
    assert set(store.user_memberships("u1")) == {7, 9}


def test_memberships_expire_and_refresh(store):
    store.segments_add([("u1", 7, 1), ("u1", 8, 60)])
    time.sleep(1.1)
    assert store.segments_of("u1") == frozenset({8})
    assert store.segment_stats([7, 8]) == {
        7: (0, None),
        8: (1, pytest.approx(time.time() + 59, abs=3)),
    }
    store.segments_add([("u1", 7, 60)])  # a new visit refreshes the membership
    assert store.segments_of("u1") == frozenset({7, 8})
    assert store.purge_expired() >= 0


def test_adding_counts_the_rate_limit_first(store):
    limit = window(limit=1)
    assert store.segments_add([("u1", 7, 60)], rate=limit) == 1
    assert store.segments_add([("u2", 7, 60)], rate=limit) == 2  # over the limit: not added
    assert store.segments_of("u2") == frozenset()
    assert store.segment_stats([7])[7][0] == 1


def test_segment_pages_trims_and_removals(store):
    store.segments_add([(f"user-{n:03d}", 5, 600) for n in range(25)])
    store.segments_add([("other", 6, 600)])
    seen, cursor = set(), ""
    while True:
        cursor, members = store.segment_members(5, cursor=cursor, count=10)
        seen.update(members)
        if not cursor:
            break
    assert seen == {f"user-{n:03d}" for n in range(25)}
    store.segments_remove([("user-000", 5), ("user-001", 5)])
    assert store.segment_stats([5])[5][0] == 23
    assert "user-000" not in store.segment_members(5, count=100)[1]
    assert store.segments_of("user-000") == frozenset()
    # Members refreshed after a moment survive a trim of what expires before then.
    cutoff = time.time() + 600
    time.sleep(0.02)
    store.segments_add([("user-002", 5, 600), ("user-003", 5, 600)])
    assert store.segment_trim(5, expiring_before=cutoff) == 21
    assert store.segments_of("user-004") == frozenset()
    assert sorted(store.segment_members(5, count=100)[1]) == ["user-002", "user-003"]
    store.segment_clear(5)
    assert store.segment_stats([5, 6]) == {
        5: (0, None),
        6: (1, pytest.approx(time.time() + 600, abs=5)),
    }
    assert store.segments_of("user-002") == frozenset()


def test_forgetting_a_user_removes_every_membership(store):
    store.segments_add([("gone", 1, 600), ("gone", 2, 600), ("kept", 1, 600)])
    assert store.segments_forget_user("gone") == [1, 2]
    assert store.segments_of("gone") == frozenset()
    assert store.segment_stats([1, 2]) == {
        1: (1, pytest.approx(time.time() + 600, abs=5)),
        2: (0, None),
    }
