"""Serving counters: spend today and in total per campaign, per advertiser, and impressions
per user, kept in the hot store (``store/``).

Money is counted in micros (millionths of the currency) so sub-cent CPM charges add up
without rounding. The decision reads them through ``StoreCounters``; tracking moves them with
the ``Charge`` of each counted event (``charge_for``), in the same store call that buffers
the event.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from apps.common.ratelimit import RateWindow

from .engine import UNAVAILABLE, CampaignRule, Counters
from .store import (
    Charge,
    StoreUnavailableError,
    advertiser_spend_key,
    frequency_key,
    hot_store,
    spend_today_key,
    spend_total_key,
)


def local_day(campaign: CampaignRule, now: datetime) -> str:
    return now.astimezone(campaign.tz).strftime("%Y%m%d")


def charge_for(
    campaign: CampaignRule, *, spend_micros: int, at: float, user_key: str | None = None
) -> Charge:
    """What an event of ``campaign`` at Unix time ``at`` adds to its counters; ``user_key``
    counts it toward the frequency cap (impressions only)."""
    capped = bool(user_key) and campaign.frequency_cap is not None
    return Charge(
        campaign_id=campaign.id,
        advertiser_id=campaign.advertiser_id,
        local_day=local_day(campaign, datetime.fromtimestamp(at, UTC)),
        spend_micros=max(0, spend_micros),
        frequency_user_key=user_key if capped else None,
        frequency_ttl=(campaign.frequency_window_hours or 24) * 3600 if capped else 0,
    )


def counters_record_spend(*, campaign: CampaignRule, micros: int, now: datetime) -> None:
    """Charge spend outside tracking (demo data, tests) exactly as a tracked event would."""
    hot_store().add(charge_for(campaign, spend_micros=micros, at=now.timestamp()).adds())


class StoreCounters:
    """Reads every counter a decision needs in one store round trip.

    ``rate``, when given, is the request's public rate-limit window: the first read counts
    the request in it too (``rate_count``), so serving pays one round trip for both. When a
    campaign read targets segments, the user's segments come in that round trip as well
    (once per request: ``segments``). An empty user key (no consent) reads no per-user
    counter and no segment.
    """

    def __init__(self, *, rate: RateWindow | None = None):
        self.rate = rate
        self.rate_count: int | None = None
        self.segments: frozenset[int] | None = None

    def read(
        self, campaigns: Iterable[CampaignRule], *, user_key: str, now: datetime
    ) -> dict[int, Counters]:
        days: dict[object, str] = {}  # local day per time zone, computed once per read
        plan = []
        keys: list[str] = []
        wants_segments = False
        for c in campaigns:
            wants_segments = wants_segments or c.targeting.uses_segments
            day = days.get(c.tz)
            if day is None:
                day = days[c.tz] = now.astimezone(c.tz).strftime("%Y%m%d")
            row = (
                c.id,
                spend_today_key(c.id, day),
                spend_total_key(c.id),
                # No user key (consent withheld): no user-keyed frequency cap.
                frequency_key(c.id, user_key) if c.frequency_cap is not None and user_key else None,
                advertiser_spend_key(c.advertiser_id)
                if c.advertiser_funds_micros is not None
                else None,
            )
            plan.append(row)
            keys.extend(k for k in row[1:] if k is not None)
        counting = self.rate is not None and self.rate_count is None
        rate = self.rate if counting else None
        wants_segments = wants_segments and bool(user_key) and self.segments is None
        try:
            if wants_segments:
                values, count, self.segments = hot_store().read_with_segments(
                    keys, user_key, rate=rate
                )
            else:
                values, count = hot_store().read(keys, rate=rate)
        except StoreUnavailableError:
            # Decide without counters: money-limited and segment-targeted campaigns sit out
            # (engine.counter_reason).
            return {cid: UNAVAILABLE for cid, *_ in plan}
        if counting:
            self.rate_count = count
        segments = self.segments
        get = values.get
        return {
            cid: Counters(
                spend_today_micros=get(day_key, 0),
                spend_total_micros=get(total_key, 0),
                user_impressions=get(freq_key, 0) if freq_key else 0,
                advertiser_spend_micros=get(adv_key, 0) if adv_key else 0,
                segments=segments,
            )
            for cid, day_key, total_key, freq_key, adv_key in plan
        }


def counters_seed_advertiser_spend(totals: dict[int, int]) -> None:
    """Give limited advertisers a spend counter if theirs is missing (a flushed store, or
    spend from before the wallet was limited): ``totals`` is the drained spend per
    advertiser; a counter that exists keeps its value."""
    hot_store().seed({advertiser_spend_key(a): total for a, total in totals.items()})


def counters_get_many(names: list[str]) -> dict[str, int]:
    return hot_store().read(names)[0]


# --- Requests and fills per zone and hour ------------------------------------------------

REQUEST_TTL_SECONDS = 3 * 24 * 3600


def _hour_stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d%H")


def zone_requests_key(zone_id: int, stamp: str) -> str:
    return f"zreq:{zone_id}:{stamp}"


def zone_fills_key(zone_id: int, stamp: str) -> str:
    return f"zfill:{zone_id}:{stamp}"


# Requests are statistics, not money: each process adds them up in memory and moves the
# sums to the store at most every REQUEST_FLUSH_SECONDS, so serving pays no write per
# request for them.
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
    """Move this process's request and fill sums to the store."""
    with _pending_lock:
        pending = dict(_pending_requests)
        _pending_requests.clear()
    items: list[tuple[str, int, int | None]] = []
    for (zone_id, stamp), (requests, fills) in pending.items():
        items.append((zone_requests_key(zone_id, stamp), requests, REQUEST_TTL_SECONDS))
        if fills:
            items.append((zone_fills_key(zone_id, stamp), fills, REQUEST_TTL_SECONDS))
    try:
        hot_store().add(items)
    except StoreUnavailableError:  # keep the sums for the next flush
        with _pending_lock:
            for key, (requests, fills) in pending.items():
                sums = _pending_requests.setdefault(key, [0, 0])
                sums[0] += requests
                sums[1] += fills


def counters_forget_requests() -> None:
    """Drop this process's unflushed sums (tests)."""
    with _pending_lock:
        _pending_requests.clear()


atexit.register(counters_flush_requests)


def zone_request_counts(
    zone_ids: Iterable[int], hours: Iterable[datetime]
) -> dict[tuple[int, datetime], tuple[int, int]]:
    """(requests, fills) per (zone, hour) for the given hours, in one store round trip."""
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
        requests = values.get(req_key, 0)
        if requests:
            result[(zone_id, hour)] = (requests, values.get(fill_key, 0))
    return result
