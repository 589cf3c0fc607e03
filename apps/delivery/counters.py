"""Serving counters: spend today and in total per campaign, impressions per user.

They live in Redis when ``REDIS_URL`` is set (atomic ``INCRBY``, one ``MGET`` per read);
in the embedded default (Django's database cache, which neither increments atomically nor
keeps entries when full) in the database's ``SharedCounter`` table instead; with any other
cache (tests' local memory) in that cache. Money is counted in
micros (millionths of the currency) so sub-cent CPM charges add up without rounding.
The decision reads them (``CacheCounters``); tracking writes them (``counters_record_*``).
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.cache import cache, caches

from apps.common.tallies import tallies_add, tallies_enabled, tallies_get_many, tallies_seed

from .engine import CampaignRule, Counters

DAY_TTL_SECONDS = 3 * 24 * 3600


def spend_today_key(campaign_id: int, local_day: str) -> str:
    return f"spend:d:{campaign_id}:{local_day}"


def spend_total_key(campaign_id: int) -> str:
    return f"spend:t:{campaign_id}"


def advertiser_spend_key(advertiser_id: int) -> str:
    """All-time spend of an advertiser, checked against its wallet's funds."""
    return f"spend:a:{advertiser_id}"


def frequency_key(campaign_id: int, user_key: str) -> str:
    return f"freq:{campaign_id}:{user_key}"


def local_day(campaign: CampaignRule, now: datetime) -> str:
    return now.astimezone(campaign.tz).strftime("%Y%m%d")


class CacheCounters:
    """Reads every counter a decision needs in one cache round trip.

    With Redis, a request's rate-limit increment (``rate_key``) can ride along: the first
    read pipelines ``INCR`` of that key with the ``MGET`` and keeps the count in
    ``rate_count``, so the serve path pays one round trip for both.
    """

    def __init__(self, *, redis=None, rate_key: str | None = None, rate_ttl: int = 0):
        self.redis = redis
        self.rate_key = rate_key
        self.rate_ttl = rate_ttl
        self.rate_count: int | None = None
        self.rate_window = None  # the caller's RateWindow behind rate_key, if it keeps one

    def read(
        self, campaigns: Iterable[CampaignRule], *, user_key: str, now: datetime
    ) -> dict[int, Counters]:
        days: dict[object, str] = {}  # local day per time zone, computed once per read
        plan = []
        keys: list[str] = []
        for c in campaigns:
            day = days.get(c.tz)
            if day is None:
                day = days[c.tz] = now.astimezone(c.tz).strftime("%Y%m%d")
            row = (
                c.id,
                spend_today_key(c.id, day),
                spend_total_key(c.id),
                frequency_key(c.id, user_key) if c.frequency_cap is not None else None,
                advertiser_spend_key(c.advertiser_id)
                if c.advertiser_funds_micros is not None
                else None,
            )
            plan.append(row)
            keys.extend(k for k in row[1:] if k is not None)
        values = self._read_redis(keys) if self.redis is not None else counters_get_many(keys)
        get = values.get
        return {
            cid: Counters(
                spend_today_micros=int(get(day_key, 0)),
                spend_total_micros=int(get(total_key, 0)),
                user_impressions=int(get(freq_key, 0)) if freq_key else 0,
                advertiser_spend_micros=int(get(adv_key, 0)) if adv_key else 0,
            )
            for cid, day_key, total_key, freq_key, adv_key in plan
        }

    def _read_redis(self, keys: list[str]) -> dict[str, int]:
        make_key = caches["default"].make_key
        pipe = self.redis.pipeline(transaction=False)
        counting = self.rate_key is not None and self.rate_count is None
        if counting:
            pipe.incr(self.rate_key)
            pipe.expire(self.rate_key, self.rate_ttl, nx=True)
        pipe.mget([make_key(k) for k in keys])
        results = pipe.execute()
        if counting:
            self.rate_count = int(results[0])
        # Counters are written with INCRBY: plain integers, not pickles.
        return {k: int(v) for k, v in zip(keys, results[-1], strict=True) if v is not None}


def counters_get_many(keys: list[str]) -> dict:
    return tallies_get_many(keys) if tallies_enabled() else cache.get_many(keys)


def counters_seed_advertiser_spend(advertiser_ids: Iterable[int]) -> None:
    """Give limited advertisers a spend counter if theirs is missing (a flushed cache, or
    spend from before the wallet was limited): the drained total from the hourly rollups."""
    from django.db.models import Sum

    from .models import HourlyStat

    keys = {advertiser_spend_key(a): a for a in advertiser_ids}
    missing = set(keys) - set(counters_get_many(list(keys)))
    if not missing:
        return
    ids = [keys[k] for k in missing]
    totals = dict(
        HourlyStat.objects.filter(advertiser_id__in=ids)
        .values_list("advertiser_id")
        .annotate(total=Sum("spend_micros"))
        .values_list("advertiser_id", "total")
    )
    values = {advertiser_spend_key(a): int(totals.get(a) or 0) for a in ids}
    if tallies_enabled():
        tallies_seed(values)
    else:
        for key, value in values.items():
            cache.add(key, value, timeout=None)


def _incr_many(items: list[tuple[str, int, int | None]]) -> None:
    if tallies_enabled():
        tallies_add(items)
        return
    for key, amount, ttl in items:
        _incr(key, amount, ttl)


def _incr(key: str, amount: int, ttl: int | None) -> None:
    """Atomic add; one round trip unless the key does not exist yet."""
    if tallies_enabled():
        tallies_add([(key, amount, ttl)])
        return
    for _ in range(3):
        try:
            cache.incr(key, amount)
            return
        except ValueError:  # first use of the key (or it just expired)
            if cache.add(key, amount, timeout=ttl):
                return
    raise RuntimeError(f"Could not increment counter {key}")


def counters_record_spend(*, campaign: CampaignRule, micros: int, now: datetime) -> None:
    if micros <= 0:
        return
    _incr_many(
        [
            (spend_today_key(campaign.id, local_day(campaign, now)), micros, DAY_TTL_SECONDS),
            (spend_total_key(campaign.id), micros, None),
            (advertiser_spend_key(campaign.advertiser_id), micros, None),
        ]
    )


def counters_record_user_impression(*, campaign: CampaignRule, user_key: str) -> None:
    """Count an impression toward the frequency cap; the window starts at the first one."""
    if campaign.frequency_cap is None:
        return
    window = (campaign.frequency_window_hours or 24) * 3600
    _incr(frequency_key(campaign.id, user_key), 1, window)


# --- Requests and fills per zone and hour ------------------------------------------------

REQUEST_TTL_SECONDS = 3 * 24 * 3600


def _hour_stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d%H")


def zone_requests_key(zone_id: int, stamp: str) -> str:
    return f"zreq:{zone_id}:{stamp}"


def zone_fills_key(zone_id: int, stamp: str) -> str:
    return f"zfill:{zone_id}:{stamp}"


# Requests are statistics, not money: each process adds them up in memory and moves the
# sums to the shared cache at most every REQUEST_FLUSH_SECONDS, so serving pays no cache
# write per request for them.
REQUEST_FLUSH_SECONDS = 5.0
_pending_requests: dict[tuple[int, str], list[int]] = {}
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def counters_record_request(*, zone_id: int, filled: bool, now: datetime) -> None:
    global _last_flush
    key = (zone_id, _hour_stamp(now))
    with _pending_lock:
        sums = _pending_requests.setdefault(key, [0, 0])
        sums[0] += 1
        sums[1] += filled
        due = time.monotonic() - _last_flush >= REQUEST_FLUSH_SECONDS
        if due:
            _last_flush = time.monotonic()
    if due:
        counters_flush_requests()


def counters_flush_requests() -> None:
    """Move this process's request and fill sums to the shared cache."""
    with _pending_lock:
        pending = dict(_pending_requests)
        _pending_requests.clear()
    for (zone_id, stamp), (requests, fills) in pending.items():
        _incr(zone_requests_key(zone_id, stamp), requests, REQUEST_TTL_SECONDS)
        if fills:
            _incr(zone_fills_key(zone_id, stamp), fills, REQUEST_TTL_SECONDS)


atexit.register(counters_flush_requests)


def zone_request_counts(
    zone_ids: Iterable[int], hours: Iterable[datetime]
) -> dict[tuple[int, datetime], tuple[int, int]]:
    """(requests, fills) per (zone, hour) for the given hours, in one cache round trip."""
    keys = {}
    for hour in hours:
        stamp = _hour_stamp(hour)
        for zone_id in zone_ids:
            keys[(zone_id, hour)] = (
                zone_requests_key(zone_id, stamp),
                zone_fills_key(zone_id, stamp),
            )
    values = counters_get_many([k for pair in keys.values() for k in pair])
    result = {}
    for (zone_id, hour), (req_key, fill_key) in keys.items():
        requests = int(values.get(req_key, 0))
        if requests:
            result[(zone_id, hour)] = (requests, int(values.get(fill_key, 0)))
    return result
