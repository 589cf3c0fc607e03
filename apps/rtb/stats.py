"""Exchange statistics, added up in memory and written every ``RTB_STATS_FLUSH_SECONDS``.

Bids, wins, losses and billed notices per (hour, campaign, zone), and what each demand
partner did per hour. These are statistics, not money (spend is counted exactly once by the
tracking pipeline), so each process sums them and a daemon thread adds the sums to the
tables in one short transaction; tests call ``stats_flush()``.
"""

from __future__ import annotations

import atexit
import bisect
import logging
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from .models import LATENCY_BUCKETS_MS, PartnerHourlyStat, RtbHourlyStat

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_ours: dict[tuple, Counter] = defaultdict(Counter)
_partners: dict[tuple, dict] = {}
_thread: threading.Thread | None = None


def _hour(at: float | None = None) -> datetime:
    when = datetime.fromtimestamp(at if at is not None else time.time(), tz=UTC)
    return when.replace(minute=0, second=0, microsecond=0)


def _ensure_thread() -> None:
    global _thread
    if _thread is None and settings.RTB_STATS_FLUSH_SECONDS > 0:
        with _lock:
            if _thread is None:
                _thread = threading.Thread(target=_flush_forever, name="rtb-stats", daemon=True)
                _thread.start()


def count_ours(
    *, campaign_id: int, advertiser_id: int, zone_id: int, at: float | None = None, **amounts
) -> None:
    """Add ``bids``, ``bid_micros``, ``wins``, ``win_micros``, ``losses``, ``billed``,
    ``billed_micros`` for a campaign on a zone (0: open exchange)."""
    key = (_hour(at), campaign_id, zone_id, advertiser_id)
    with _lock:
        _ours[key].update(amounts)
    _ensure_thread()


def count_partner(
    partner_id: int, *, reason: str | None = None, latency_ms: float | None = None, **amounts
) -> None:
    """Add ``requests``, ``bids``, ``wins``, ``timeouts``, ``errors``, ``no_bids``, ``bid_micros``,
    ``win_micros``; ``reason`` counts a non-bid, ``latency_ms`` one answer's latency."""
    key = (_hour(), partner_id)
    with _lock:
        entry = _partners.setdefault(
            key,
            {
                "sums": Counter(),
                "reasons": Counter(),
                "latency": [0] * (len(LATENCY_BUCKETS_MS) + 1),
            },
        )
        entry["sums"].update(amounts)
        if reason:
            entry["reasons"][reason] += 1
        if latency_ms is not None:
            entry["latency"][bisect.bisect_left(LATENCY_BUCKETS_MS, latency_ms)] += 1
    _ensure_thread()


def stats_flush() -> None:
    global _ours, _partners
    with _lock:
        ours, _ours = _ours, defaultdict(Counter)
        partners, _partners = _partners, {}
    if not ours and not partners:
        return
    try:
        _write(ours, partners)
    except Exception:
        _merge_back(ours, partners)  # kept for the next flush (the database may be down)
        raise


def _merge_back(ours: dict, partners: dict) -> None:
    with _lock:
        for key, sums in ours.items():
            _ours[key].update(sums)
        for key, entry in partners.items():
            mine = _partners.setdefault(
                key,
                {
                    "sums": Counter(),
                    "reasons": Counter(),
                    "latency": [0] * (len(LATENCY_BUCKETS_MS) + 1),
                },
            )
            mine["sums"].update(entry["sums"])
            mine["reasons"].update(entry["reasons"])
            mine["latency"] = [
                a + b for a, b in zip(mine["latency"], entry["latency"], strict=True)
            ]


OUR_COUNTERS = (
    "bids",
    "bid_micros",
    "wins",
    "win_micros",
    "losses",
    "billed",
    "billed_micros",
)
# One statement adds a process's sums to a row, creating it if needed (every value is a
# parameter; {t} is the quoted table name). No row lock is held across statements, so
# processes flushing at once cannot deadlock.
UPSERT_SQL = (
    "INSERT INTO {t} (hour, campaign_id, zone_id, advertiser_id, {cols}) "
    "VALUES (%s, %s, %s, %s, {marks}) "
    "ON CONFLICT (hour, campaign_id, zone_id) DO UPDATE SET {sums}"
)


def _write(ours: dict, partners: dict) -> None:
    table = connection.ops.quote_name(RtbHourlyStat._meta.db_table)
    sql = UPSERT_SQL.format(
        t=table,
        cols=", ".join(OUR_COUNTERS),
        marks=", ".join(["%s"] * len(OUR_COUNTERS)),
        sums=", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in OUR_COUNTERS),
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (adapt(hour), campaign_id, zone_id, advertiser_id, *(sums[c] for c in OUR_COUNTERS))
        for (hour, campaign_id, zone_id, advertiser_id), sums in sorted(ours.items())
    ]
    with transaction.atomic():
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        # Partner rows merge JSON, so they are locked; always in the same order.
        for (hour, partner_id), entry in sorted(partners.items(), key=lambda item: item[0]):
            row, _ = PartnerHourlyStat.objects.select_for_update().get_or_create(
                hour=hour, partner_id=partner_id
            )
            for name, amount in entry["sums"].items():
                setattr(row, name, getattr(row, name) + amount)
            latency = list(row.latency or [])
            latency += [0] * (len(entry["latency"]) - len(latency))
            row.latency = [a + b for a, b in zip(latency, entry["latency"], strict=True)]
            reasons = Counter(row.reasons or {})
            reasons.update(entry["reasons"])
            row.reasons = dict(reasons)
            row.save()


def stats_forget() -> None:
    """Drop unflushed sums (tests)."""
    with _lock:
        _ours.clear()
        _partners.clear()


def _flush_forever() -> None:
    while True:
        time.sleep(settings.RTB_STATS_FLUSH_SECONDS)
        try:
            stats_flush()
        except Exception:
            logger.exception("Writing RTB statistics failed; will retry")
        finally:
            connection.close()


def _flush_at_exit() -> None:
    try:
        stats_flush()
    except Exception:  # the database may be gone at exit
        logger.warning("RTB statistics not written at exit", exc_info=True)


atexit.register(_flush_at_exit)


def latency_percentile(buckets: list[int], fraction: float) -> float | None:
    """The upper bound (ms) of the bucket holding the ``fraction`` quantile."""
    total = sum(buckets)
    if not total:
        return None
    target = fraction * total
    running = 0
    for i, count in enumerate(buckets):
        running += count
        if running >= target:
            return float(LATENCY_BUCKETS_MS[i]) if i < len(LATENCY_BUCKETS_MS) else float("inf")
    return None
