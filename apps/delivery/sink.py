"""The durable event buffer between the tracking endpoints and the database.

The request path appends one compact JSON event and returns; the drain (a Celery task, or a
thread in the embedded default) reads batches, ingests them idempotently (``ingest.py``) and
only then acknowledges them, so a crash anywhere loses nothing and counts nothing twice.

Production (``REDIS_URL``): a Redis stream with a consumer group; messages a dead drainer held
are reclaimed after ``RECLAIM_IDLE_MS``. Embedded default: a database table whose rows are
deleted in the same transaction that ingests them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from functools import cache

import orjson
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

STREAM = "adp:events"
GROUP = "drain"
RECLAIM_IDLE_MS = 60_000


class RedisStreamBuffer:
    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._group_ready = False

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        import redis

        try:
            self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def append(self, event: dict) -> None:
        self.redis.xadd(STREAM, {"e": orjson.dumps(event)})

    def read(self, count: int) -> list[tuple[bytes, dict]]:
        import redis

        try:
            return self._read(count)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False  # the stream was deleted (e.g. FLUSHDB): start again
            return self._read(count)

    def _read(self, count: int) -> list[tuple[bytes, dict]]:
        self._ensure_group()
        # Messages a crashed drainer took but never acknowledged come first.
        _, claimed, *_ = self.redis.xautoclaim(
            STREAM, GROUP, self.consumer, min_idle_time=RECLAIM_IDLE_MS, count=count
        )
        messages = list(claimed)
        if len(messages) < count:
            fresh = self.redis.xreadgroup(
                GROUP, self.consumer, {STREAM: ">"}, count=count - len(messages)
            )
            for _stream, entries in fresh or []:
                messages.extend(entries)
        return [(mid, orjson.loads(fields[b"e"])) for mid, fields in messages if fields]

    def ack(self, ids: list) -> None:
        if ids:
            pipe = self.redis.pipeline()
            pipe.xack(STREAM, GROUP, *ids)
            pipe.xdel(STREAM, *ids)
            pipe.execute()

    def pending(self) -> int:
        return int(self.redis.xlen(STREAM))

    def drain(self, ingest, count: int, attempts: int = 5) -> int:
        batch = self.read(count)
        if not batch:
            return 0
        events = [event for _, event in batch]
        for attempt in range(attempts):
            try:
                ingest(events)
                break
            except Exception:
                # A concurrent drain stored some of these uuids first (the unique index
                # refused ours): the retry skips them. If it keeps failing, the batch stays
                # pending and is reclaimed after RECLAIM_IDLE_MS.
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        self.ack([mid for mid, _ in batch])
        return len(batch)


class DatabaseBuffer:
    """One row per event; ingest and delete happen in one transaction."""

    def append(self, event: dict) -> None:
        from .models import BufferedEvent

        table = connection.ops.quote_name(BufferedEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (payload, created_at) VALUES (%s, CURRENT_TIMESTAMP)",  # noqa: S608
                [orjson.dumps(event).decode()],
            )

    def pending(self) -> int:
        from .models import BufferedEvent

        return BufferedEvent.objects.count()

    def drain(self, ingest, count: int) -> int:
        from .models import BufferedEvent

        with transaction.atomic():
            # Concurrent drainers (several web processes) take different rows on PostgreSQL.
            rows = list(
                BufferedEvent.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "payload")[:count]
            )
            if not rows:
                return 0
            ingest([orjson.loads(payload) for _, payload in rows])
            BufferedEvent.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        return len(rows)


@cache
def _buffer_for(redis_url: str):
    return RedisStreamBuffer(redis_url) if redis_url else DatabaseBuffer()


def event_buffer():
    return _buffer_for(getattr(settings, "EVENT_BUFFER_REDIS_URL", settings.REDIS_URL) or "")


def event_append(event: dict) -> None:
    event_buffer().append(event)
    _embedded_drainer_start()


def events_drain(*, batch_size: int = 1000, max_batches: int = 100) -> int:
    """Move buffered events into the database; returns how many were processed."""
    from .ingest import events_ingest

    buffer = event_buffer()
    total = 0
    for _ in range(max_batches):
        moved = buffer.drain(events_ingest, batch_size)
        total += moved
        if moved < batch_size:
            break
    return total


# --- Embedded default: drain in-process --------------------------------------------------

_drainer_lock = threading.Lock()
_drainer: threading.Thread | None = None


def _embedded_drainer_start() -> None:
    """Without a broker nothing else drains; a daemon thread per process does it."""
    global _drainer
    if not getattr(settings, "EVENT_DRAIN_IN_PROCESS", False) or _drainer is not None:
        return
    with _drainer_lock:
        if _drainer is None:
            _drainer = threading.Thread(target=_drain_forever, name="event-drain", daemon=True)
            _drainer.start()
            # Billing's periodic work (posting finished days of spend, monthly invoices and
            # payouts) runs in-process too, so it starts with the first tracked event.
            from apps.billing.services import in_process_worker_start

            in_process_worker_start()


def _drain_forever() -> None:
    interval = getattr(settings, "EVENT_DRAIN_INTERVAL_SECONDS", 2)
    rounds = 0
    while True:
        time.sleep(interval)
        rounds += 1
        try:
            events_drain()
            if rounds % 15 == 0:
                zone_requests_flush()
            if rounds % 150 == 0:
                _embedded_housekeeping()
        except Exception:
            logger.exception("Event drain failed; will retry")
        finally:
            connection.close()


def _embedded_housekeeping() -> None:
    """Expired counters and cache rows go; Redis expires keys itself."""
    from apps.common.tallies import cache_purge_expired, tallies_enabled, tallies_purge_expired

    if tallies_enabled():
        tallies_purge_expired()
        cache_purge_expired()


def zone_requests_flush(*, hours_back: int = 2, now=None) -> int:
    """Copy the cache's request/fill counters of recent hours into ``ZoneHourlyStat``."""
    from datetime import UTC, datetime, timedelta

    from .counters import zone_request_counts
    from .index import current_index
    from .models import ZoneHourlyStat

    now = now or datetime.now(UTC)
    top = now.replace(minute=0, second=0, microsecond=0)
    hours = [top - timedelta(hours=h) for h in range(hours_back + 1)]
    zones = {z.id: z.publisher_id for z in current_index().zones.values()}
    counts = zone_request_counts(list(zones), hours)
    for (zone_id, hour), (requests, fills) in counts.items():
        ZoneHourlyStat.objects.update_or_create(
            hour=hour,
            zone_id=zone_id,
            defaults={"publisher_id": zones[zone_id], "requests": requests, "fills": fills},
        )
    return len(counts)


def event_record(
    event: dict, *, rule=None, spend_micros: int = 0, frequency_user_key: str | None = None
) -> None:
    """Charge the counters the decision reads and buffer the event.

    With Redis behind both the cache and the buffer this is one pipelined round trip
    (INCRBY spend today and total, INCR the user's frequency counter, XADD the event);
    otherwise the same steps through the cache API and the buffer.
    """
    from datetime import UTC, datetime

    from django.core.cache import cache

    from .counters import (
        DAY_TTL_SECONDS,
        advertiser_spend_key,
        counters_record_spend,
        counters_record_user_impression,
        frequency_key,
        local_day,
        spend_today_key,
        spend_total_key,
    )

    buffer = event_buffer()
    charge = rule is not None and spend_micros > 0
    cap = rule is not None and frequency_user_key is not None and rule.frequency_cap is not None
    if (
        isinstance(buffer, RedisStreamBuffer)
        and settings.REDIS_URL
        and not getattr(settings, "EVENT_BUFFER_REDIS_URL", None)
    ):
        pipe = buffer.redis.pipeline(transaction=False)
        if charge:
            now = datetime.fromtimestamp(event["t"], UTC)
            day_key = cache.make_key(spend_today_key(rule.id, local_day(rule, now)))
            pipe.incrby(day_key, spend_micros)
            pipe.expire(day_key, DAY_TTL_SECONDS, nx=True)
            pipe.incrby(cache.make_key(spend_total_key(rule.id)), spend_micros)
            pipe.incrby(cache.make_key(advertiser_spend_key(rule.advertiser_id)), spend_micros)
        if cap:
            freq_key = cache.make_key(frequency_key(rule.id, frequency_user_key))
            pipe.incr(freq_key)
            pipe.expire(freq_key, (rule.frequency_window_hours or 24) * 3600, nx=True)
        pipe.xadd(STREAM, {"e": orjson.dumps(event)})
        pipe.execute()
        _embedded_drainer_start()
        return
    if charge:
        counters_record_spend(
            campaign=rule, micros=spend_micros, now=datetime.fromtimestamp(event["t"], UTC)
        )
    if cap:
        counters_record_user_impression(campaign=rule, user_key=frequency_user_key)
    event_append(event)


# --- Tracking in one round trip ------------------------------------------------------------

# KEYS: 1 rate-limit window ("" = none), 2 seen marker, 3 stream, 4 spend today, 5 spend total,
# 6 advertiser spend, 7 frequency counter ("" = none).
# ARGV: 1 window ttl, 2 limit, 3 seen ttl, 4 event JSON, 5 spend micros, 6 day ttl, 7 frequency
# window. Returns {rate count, 1 recorded | 0 duplicate | -1 over the rate limit}.
_CLAIM_AND_RECORD = """
local count = 0
if KEYS[1] ~= '' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
  if count > tonumber(ARGV[2]) then return {count, -1} end
end
if not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[3]) then return {count, 0} end
local spend = tonumber(ARGV[5])
if spend > 0 then
  redis.call('INCRBY', KEYS[4], spend)
  redis.call('EXPIRE', KEYS[4], ARGV[6], 'NX')
  redis.call('INCRBY', KEYS[5], spend)
  redis.call('INCRBY', KEYS[6], spend)
end
if KEYS[7] ~= '' then
  redis.call('INCR', KEYS[7])
  redis.call('EXPIRE', KEYS[7], ARGV[7], 'NX')
end
redis.call('XADD', KEYS[3], '*', 'e', ARGV[4])
return {count, 1}
"""
_claim_script = None


def event_claim_and_record(
    event: dict,
    *,
    seen_key: str,
    seen_ttl: int,
    window,
    rule=None,
    spend_micros: int = 0,
    frequency_user_key: str | None = None,
) -> tuple[int, int] | None:
    """Claim the event's uuid, charge the counters and buffer the event atomically.

    With Redis behind the cache and the buffer this is one script call (one round trip)
    that also counts the rate-limit ``window``; it answers ``(rate count, outcome)`` with
    outcome 1 recorded, 0 a duplicate, -1 over the limit (nothing claimed or charged).
    ``None`` means the caller must take the step-by-step path (no Redis).
    """
    global _claim_script
    from datetime import UTC, datetime

    from django.core.cache import cache

    from .counters import (
        DAY_TTL_SECONDS,
        advertiser_spend_key,
        frequency_key,
        local_day,
        spend_today_key,
        spend_total_key,
    )

    buffer = event_buffer()
    if not (
        isinstance(buffer, RedisStreamBuffer)
        and settings.REDIS_URL
        and not getattr(settings, "EVENT_BUFFER_REDIS_URL", None)
    ):
        return None
    if _claim_script is None:
        _claim_script = buffer.redis.register_script(_CLAIM_AND_RECORD)
    make_key = cache.make_key
    charge = rule is not None and spend_micros > 0
    cap = rule is not None and frequency_user_key is not None and rule.frequency_cap is not None
    day_key = total_key = adv_key = "-"
    if charge:
        now = datetime.fromtimestamp(event["t"], UTC)
        day_key = make_key(spend_today_key(rule.id, local_day(rule, now)))
        total_key = make_key(spend_total_key(rule.id))
        adv_key = make_key(advertiser_spend_key(rule.advertiser_id))
    keys = [
        make_key(window.cache_key) if window is not None else "",
        make_key(seen_key),
        STREAM,
        day_key,
        total_key,
        adv_key,
        make_key(frequency_key(rule.id, frequency_user_key)) if cap else "",
    ]
    args = [
        window.period + 5 if window is not None else 0,
        window.limit if window is not None else 0,
        seen_ttl,
        orjson.dumps(event),
        spend_micros if charge else 0,
        DAY_TTL_SECONDS,
        ((rule.frequency_window_hours or 24) * 3600) if cap else 0,
    ]
    count, outcome = _claim_script(keys=keys, args=args, client=buffer.redis)
    if outcome == 1:
        _embedded_drainer_start()
    return int(count), int(outcome)
