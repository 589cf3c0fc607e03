"""``HotStore`` on Redis (production): every request costs one round trip or less.

- A serve's counter read and its rate-limit hit share one pipeline; what it remembers is
  sent on a ``CLIENT REPLY OFF`` connection without waiting (``apps/common/redis_oneway.py``).
- A tracking beacon is one Lua script call: rate limit, replay claim, counters and the
  stream append happen atomically, so a replay can never charge twice.
- The event buffer is a stream read by a consumer group: a batch is acknowledged only after
  the drain committed it, and a dead drainer's messages are claimed by another after
  ``RECLAIM_IDLE_MS``.
- The inventory change log is a sorted set scored by version, written by one script that
  also moves the version, so versions have no gaps and readers see changes in order.

Keys carry the prefix the Django cache used for the same counters (``adp:1:``), so counters
survive an upgrade; the stream is ``adp:events``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence

import redis

from apps.common.ratelimit import RateWindow
from apps.common.redis_oneway import oneway_send

from ..events import TrackedEvent, event_decode, event_encode
from .base import Charge, Claim, Ingest, Recorded, guarded

logger = logging.getLogger(__name__)

PREFIX = "adp:1:"
STREAM = "adp:events"
GROUP = "drain"
RECLAIM_IDLE_MS = 60_000
CHANGES_KEPT = 10_000

# KEYS: 1 rate window ("" = none), 2 claim ("" = none), 3 stream, 4.. counters to add to.
# ARGV: 1 window ttl, 2 limit, 3 claim ttl, 4 event, then (amount, ttl or 0) per counter.
# Answers {rate count, 1 recorded | 0 duplicate | -1 over the limit}.
RECORD_SCRIPT = """
local count = 0
if KEYS[1] ~= '' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
  if count > tonumber(ARGV[2]) then return {count, -1} end
end
if KEYS[2] ~= '' then
  if not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[3]) then return {count, 0} end
end
for i = 4, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[2 * i - 3])
  local ttl = tonumber(ARGV[2 * i - 2])
  if ttl > 0 then redis.call('EXPIRE', KEYS[i], ttl, 'NX') end
end
redis.call('XADD', KEYS[3], '*', 'e', ARGV[4])
return {count, 1}
"""

# KEYS: 1 version, 2 change log. ARGV: 1 change, 2 changes kept, 3 seed for a missing version.
PUBLISH_SCRIPT = """
redis.call('SET', KEYS[1], ARGV[3], 'NX')
local version = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], version, string.format('%d:', version) .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
return version
"""


# KEYS: 1 rate window ("" = none), 2 the set of segments with members, then per membership
# (the user's hash, the segment's sorted set). ARGV: 1 window ttl, 2 limit, then per
# membership (segment id, user key, expiry as Unix time, ttl). Answers the window's count.
SEGMENTS_ADD_SCRIPT = """
local count = 0
if KEYS[1] ~= '' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
  if count > tonumber(ARGV[2]) then return count end
end
for i = 1, (#KEYS - 2) / 2 do
  local user, members, a = KEYS[2 * i + 1], KEYS[2 * i + 2], 4 * i - 1
  local ttl = tonumber(ARGV[a + 3])
  redis.call('HSET', user, ARGV[a], ARGV[a + 2])
  if redis.call('TTL', user) < ttl then redis.call('EXPIRE', user, ttl) end
  redis.call('ZADD', members, ARGV[a + 2], ARGV[a + 1])
  redis.call('SADD', KEYS[2], ARGV[a])
end
return count
"""


def _clock_version() -> int:
    """A starting version later than any earlier one, should Redis lose the key."""
    return time.time_ns() // 1000


class RedisHotStore:
    name = "redis"
    connection_errors = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)

    def __init__(
        self, url: str, *, prefix: str = PREFIX, stream: str = STREAM, timeout: float = 0.5
    ):
        # Short timeouts: an unreachable Redis must cost a request milliseconds, not seconds.
        self.redis = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
        )
        self.unreachable_until = 0.0
        self.prefix = prefix
        self.stream = stream
        self.dead_letters = stream + ":dead"
        self.reclaim_idle_ms = RECLAIM_IDLE_MS
        self._record = self.redis.register_script(RECORD_SCRIPT)
        self._publish = self.redis.register_script(PUBLISH_SCRIPT)
        self._segments_add = self.redis.register_script(SEGMENTS_ADD_SCRIPT)
        self.segments_key = prefix + "seg:all"
        self._group_ready = False
        self.version_key = prefix + "inv:version"
        self.changes_key = prefix + "inv:changes"
        self.snapshot_key = prefix + "inv:snapshot"

    def unreachable(self, exc: Exception) -> bool:
        return True  # every connection error of Redis means the server is not there

    def _key(self, name: str) -> str:
        return self.prefix + name

    # --- Serving --------------------------------------------------------------------------

    @guarded
    def read(
        self, names: Sequence[str], *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None]:
        pipe = self.redis.pipeline(transaction=False)
        if rate is not None:
            self._pipe_hit(pipe, rate)
        if names:
            pipe.mget([self._key(n) for n in names])
        results = pipe.execute()
        count = int(results[0]) if rate is not None else None
        values = results[-1] if names else []
        return {n: int(v) for n, v in zip(names, values, strict=True) if v is not None}, count

    def _pipe_hit(self, pipe, window: RateWindow) -> None:
        key = self._key(window.cache_key)
        pipe.incr(key)
        pipe.expire(key, window.period + 5, nx=True)

    @guarded
    def rate_hit(self, window: RateWindow) -> int:
        pipe = self.redis.pipeline(transaction=False)
        self._pipe_hit(pipe, window)
        return int(pipe.execute()[0])

    @guarded
    def remember(self, entries: Mapping[str, str], ttl: int) -> None:
        if not entries:
            return
        seconds = str(ttl)
        commands = [("SET", self._key(k), v, "EX", seconds) for k, v in entries.items()]
        if not oneway_send(self.redis, commands):
            pipe = self.redis.pipeline(transaction=False)
            for _, key, value, _, _ in commands:
                pipe.set(key, value, ex=ttl)
            pipe.execute()

    @guarded
    def recall(self, name: str) -> str | None:
        value = self.redis.get(self._key(name))
        return value.decode() if value is not None else None

    # --- Tracking -------------------------------------------------------------------------

    @guarded
    def record(
        self,
        event: TrackedEvent,
        *,
        rate: RateWindow | None = None,
        claim: Claim | None = None,
        charge: Charge | None = None,
    ) -> Recorded:
        keys = [
            self._key(rate.cache_key) if rate is not None else "",
            self._key(claim.name) if claim is not None else "",
            self.stream,
        ]
        args: list = [
            rate.period + 5 if rate is not None else 0,
            rate.limit if rate is not None else 0,
            claim.ttl if claim is not None else 0,
            event_encode(event),
        ]
        for name, amount, ttl in charge.adds() if charge is not None else ():
            keys.append(self._key(name))
            args += [amount, ttl or 0]
        count, status = self._record(keys=keys, args=args)
        return Recorded(int(status), int(count) if rate is not None else None)

    @guarded
    def incr(self, name: str, amount: int, ttl: int | None) -> int:
        pipe = self.redis.pipeline(transaction=False)
        pipe.incrby(self._key(name), amount)
        if ttl:
            pipe.expire(self._key(name), ttl, nx=True)
        return int(pipe.execute()[0])

    @guarded
    def add(self, items: Sequence[tuple[str, int, int | None]]) -> None:
        if not items:
            return
        pipe = self.redis.pipeline(transaction=False)
        for name, amount, ttl in items:
            pipe.incrby(self._key(name), amount)
            if ttl:
                pipe.expire(self._key(name), ttl, nx=True)
        pipe.execute()

    @guarded
    def seed(self, values: Mapping[str, int]) -> None:
        if not values:
            return
        pipe = self.redis.pipeline(transaction=False)
        for name, value in values.items():
            pipe.set(self._key(name), int(value), nx=True)
        pipe.execute()

    # --- The event buffer -----------------------------------------------------------------

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    @property
    def consumer(self) -> str:
        return f"{socket.gethostname()}-{os.getpid()}"

    def _read(self, count: int) -> list[tuple[bytes, dict]]:
        self._ensure_group()
        # Messages a crashed drainer took but never acknowledged come first.
        _, claimed, *_ = self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, min_idle_time=self.reclaim_idle_ms, count=count
        )
        messages = list(claimed)
        if len(messages) < count:
            fresh = self.redis.xreadgroup(
                GROUP, self.consumer, {self.stream: ">"}, count=count - len(messages)
            )
            for _stream, entries in fresh or []:
                messages.extend(entries)
        return [(mid, fields) for mid, fields in messages if fields]

    def _read_batch(self, count: int) -> list[tuple[bytes, dict]]:
        try:
            return self._read(count)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False  # the stream was deleted (e.g. FLUSHDB): start again
            return self._read(count)

    def _ack(self, ids: list) -> None:
        if ids:
            pipe = self.redis.pipeline()
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            pipe.execute()

    @guarded
    def drain(self, ingest: Ingest, count: int, attempts: int = 5) -> int:
        batch = self._read_batch(count)
        if not batch:
            return 0
        events, dead = [], []
        for mid, fields in batch:
            try:
                events.append(event_decode(fields[b"e"]))
            except Exception:  # never let one unreadable message hold up the stream
                dead.append((mid, fields))
        for mid, fields in dead:
            logger.error("Unreadable tracking event %s moved to %s", mid, self.dead_letters)
            self.redis.xadd(self.dead_letters, fields)
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
        self._ack([mid for mid, _ in batch])
        return len(batch)

    @guarded
    def pending(self) -> int:
        return int(self.redis.xlen(self.stream))

    @guarded
    def pending_age(self) -> float | None:
        oldest = self.redis.xrange(self.stream, count=1)
        if not oldest:
            return None
        millis = int(oldest[0][0].split(b"-")[0])  # a stream id starts with its Unix ms
        return max(0.0, time.time() - millis / 1000)

    # --- Inventory ------------------------------------------------------------------------

    @guarded
    def inventory_version(self) -> int:
        value = self.redis.get(self.version_key)
        if value is None:
            self.redis.set(self.version_key, _clock_version(), nx=True)
            value = self.redis.get(self.version_key)
        return int(value)

    @guarded
    def inventory_publish(self, change: bytes) -> int:
        return int(
            self._publish(
                keys=[self.version_key, self.changes_key],
                args=[change, CHANGES_KEPT, _clock_version()],
            )
        )

    @guarded
    def inventory_changes(self, since: int) -> list[tuple[int, bytes]] | None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.get(self.version_key)
        pipe.zrangebyscore(self.changes_key, f"({since}", "+inf", withscores=True)
        version, rows = pipe.execute()
        if version is None or since > int(version):
            return None  # the log lost its data, or never reached that version
        changes = [(int(score), member.split(b":", 1)[1]) for member, score in rows]
        expected = list(range(since + 1, int(version) + 1))
        if [v for v, _ in changes] != expected:
            return None  # trimmed away, or the version went back (Redis lost its data)
        return changes

    @guarded
    def snapshot_save(self, version: int, data: bytes) -> None:
        self.redis.hset(self.snapshot_key, mapping={"v": version, "d": data})

    @guarded
    def snapshot_load(self) -> tuple[int, bytes] | None:
        found = self.redis.hgetall(self.snapshot_key)
        if b"v" not in found or b"d" not in found:
            return None
        return int(found[b"v"]), found[b"d"]

    # --- Segment memberships --------------------------------------------------------------
    # A hash per user key (segment id -> expiry) answers serving in one HGETALL; a sorted set
    # per segment (user key scored by expiry) answers sizes, pages of members and trims.

    def _user_segments_key(self, user_key: str) -> str:
        return f"{self.prefix}seg:u:{user_key}"

    def _segment_members_key(self, segment_id: int) -> str:
        return f"{self.prefix}seg:s:{segment_id}"

    @staticmethod
    def _unexpired(found: dict) -> dict[int, float]:
        now = time.time()
        return {int(k): float(v) for k, v in found.items() if float(v) > now}

    @guarded
    def read_with_segments(
        self, names: Sequence[str], user_key: str, *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None, frozenset[int]]:
        pipe = self.redis.pipeline(transaction=False)
        if rate is not None:
            self._pipe_hit(pipe, rate)
        if names:
            pipe.mget([self._key(n) for n in names])
        pipe.hgetall(self._user_segments_key(user_key))
        results = pipe.execute()
        count = int(results[0]) if rate is not None else None
        values = results[-2] if names else []
        counters = {n: int(v) for n, v in zip(names, values, strict=True) if v is not None}
        return counters, count, frozenset(self._unexpired(results[-1]))

    @guarded
    def segments_of(self, user_key: str) -> frozenset[int]:
        return frozenset(self._unexpired(self.redis.hgetall(self._user_segments_key(user_key))))

    @guarded
    def user_memberships(self, user_key: str) -> dict[int, float]:
        return self._unexpired(self.redis.hgetall(self._user_segments_key(user_key)))

    @guarded
    def segments_add(
        self, memberships: Sequence[tuple[str, int, int]], *, rate: RateWindow | None = None
    ) -> int | None:
        keys = [self._key(rate.cache_key) if rate is not None else "", self.segments_key]
        args: list = [rate.period + 5 if rate is not None else 0, rate.limit if rate else 0]
        now = time.time()
        for user_key, segment_id, ttl in memberships:
            keys += [self._user_segments_key(user_key), self._segment_members_key(segment_id)]
            args += [int(segment_id), user_key, f"{now + ttl:.3f}", int(ttl)]
        if len(keys) == 2 and rate is None:
            return None
        count = self._segments_add(keys=keys, args=args)
        return int(count) if rate is not None else None

    @guarded
    def segments_remove(self, memberships: Sequence[tuple[str, int]]) -> None:
        if not memberships:
            return
        pipe = self.redis.pipeline(transaction=False)
        for user_key, segment_id in memberships:
            pipe.hdel(self._user_segments_key(user_key), int(segment_id))
            pipe.zrem(self._segment_members_key(segment_id), user_key)
        pipe.execute()

    @guarded
    def segment_stats(self, segment_ids: Sequence[int]) -> dict[int, tuple[int, float | None]]:
        ids = list(dict.fromkeys(int(i) for i in segment_ids))
        if not ids:
            return {}
        now = f"({time.time():.3f}"
        pipe = self.redis.pipeline(transaction=False)
        for segment_id in ids:
            key = self._segment_members_key(segment_id)
            pipe.zcount(key, now, "+inf")
            pipe.zrange(key, -1, -1, withscores=True)
        results = pipe.execute()
        stats = {}
        for position, segment_id in enumerate(ids):
            size, last = results[2 * position], results[2 * position + 1]
            stats[segment_id] = (int(size), float(last[0][1]) if size and last else None)
        return stats

    @guarded
    def segment_members(
        self, segment_id: int, *, cursor: str = "", count: int = 1000
    ) -> tuple[str, list[str]]:
        position, found = self.redis.zscan(
            self._segment_members_key(segment_id), cursor=int(cursor or 0), count=count
        )
        now = time.time()
        members = [m.decode() for m, expiry in found if float(expiry) > now]
        return ("" if int(position) == 0 else str(position)), members

    def _remove_members(self, segment_id: int, members: list) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for member in members:
            user_key = member.decode() if isinstance(member, bytes) else member
            pipe.hdel(self._user_segments_key(user_key), int(segment_id))
        pipe.zrem(self._segment_members_key(segment_id), *members)
        pipe.execute()

    @guarded
    def segment_trim(self, segment_id: int, *, expiring_before: float) -> int:
        key = self._segment_members_key(segment_id)
        removed = 0
        while True:
            batch = self.redis.zrangebyscore(key, "-inf", f"({expiring_before:.3f}", 0, 1000)
            if not batch:
                return removed
            self._remove_members(segment_id, batch)
            removed += len(batch)

    @guarded
    def segment_clear(self, segment_id: int) -> None:
        key = self._segment_members_key(segment_id)
        while True:
            batch = self.redis.zrange(key, 0, 999)
            if not batch:
                break
            self._remove_members(segment_id, batch)
        self.redis.srem(self.segments_key, int(segment_id))

    @guarded
    def segments_forget_user(self, user_key: str) -> list[int]:
        user = self._user_segments_key(user_key)
        segment_ids = sorted(int(k) for k in self.redis.hkeys(user))
        pipe = self.redis.pipeline(transaction=False)
        for segment_id in segment_ids:
            pipe.zrem(self._segment_members_key(segment_id), user_key)
        pipe.delete(user)
        pipe.execute()
        return segment_ids

    # --- Housekeeping ---------------------------------------------------------------------

    @guarded
    def purge_expired(self) -> int:
        """Redis expires keys itself; expired members leave the segments' sorted sets here
        (a user's hash goes when its last membership would have expired)."""
        now = f"({time.time():.3f}"
        segment_ids = list(self.redis.smembers(self.segments_key))
        if not segment_ids:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for segment_id in segment_ids:
            pipe.zremrangebyscore(self._segment_members_key(int(segment_id)), "-inf", now)
        return sum(int(n) for n in pipe.execute())

    def clear(self) -> None:
        """Delete this store's keys and stream (tests)."""
        names = [self.stream, self.dead_letters]
        names += list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        self.redis.delete(*names)
        self._group_ready = False
