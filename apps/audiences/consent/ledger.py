"""Consent signals into the ledger and the admin's consent statistics, from the hot path.

A request's signals are appended to the hot store's event buffer as a ``consent`` event
(no database write on the request) at most once a day per user key, website and signals
(a per-process memory, then a claim in the store); the drain writes them as
``ConsentRecord`` rows (``apps/audiences/ingest.py``). Requests where GDPR applies are
counted per day and country in this process and added to store counters every few
seconds, like serving's request counts.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

import msgspec

from .policy import GDPR_COUNTRIES, ConsentDecision, ConsentSignals

NAMESPACE = uuid.UUID("3a0f6e1c-5d2b-4f7e-9c8a-1b2d3e4f5a6b")
DAY = 86400
MEMORY_SIZE = 50_000
STAT_TTL_SECONDS = 40 * DAY
STAT_FLUSH_SECONDS = 5.0
OTHER_COUNTRY = "XX"
STAT_FIELDS = ("requests", "valid", "personalised")


class LedgerEntry(msgspec.Struct, array_like=True, omit_defaults=True):
    """What a ``consent`` event carries: the signals and what serving concluded."""

    source: str
    website_id: int | None = None
    gdpr: int | None = None
    gdpr_consent: str = ""
    us_privacy: str = ""
    gpp: str = ""
    gpp_sid: tuple[int, ...] = ()
    gpc: bool = False
    gdpr_applies: bool = False
    vendor_id: int | None = None
    user_key_allowed: bool = True
    personalised: bool = True
    measurement: bool = True


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(LedgerEntry)


def ledger_entry_decode(data: str) -> LedgerEntry:
    return _decoder.decode(data)


_recent: OrderedDict[str, int] = OrderedDict()
_recent_lock = threading.Lock()


def _first_today(key: str, day: int) -> bool:
    with _recent_lock:
        if _recent.get(key) == day:
            return False
        _recent[key] = day
        _recent.move_to_end(key)
        while len(_recent) > MEMORY_SIZE:
            _recent.popitem(last=False)
    return True


def consent_capture(
    *,
    source: str,
    signals: ConsentSignals,
    decision: ConsentDecision,
    user_key: str,
    website_id: int | None,
    country: str | None,
) -> None:
    """Put the request's signals in the ledger (once a day per user, website and signals)."""
    if signals.empty:
        return
    now = time.time()
    day = int(now // DAY)
    digest = hashlib.blake2b(
        f"{user_key}|{website_id}|{signals!r}".encode(), digest_size=12
    ).hexdigest()
    if not _first_today(digest, day):
        return
    from apps.delivery.events import TrackedEvent
    from apps.delivery.sink import embedded_drainer_start
    from apps.delivery.store import Claim, StoreUnavailableError, hot_store

    entry = LedgerEntry(
        source=source,
        website_id=website_id,
        gdpr=signals.gdpr,
        gdpr_consent=signals.gdpr_consent,
        us_privacy=signals.us_privacy,
        gpp=signals.gpp,
        gpp_sid=signals.gpp_sid,
        gpc=signals.gpc,
        gdpr_applies=decision.gdpr_applies,
        vendor_id=decision.vendor_id,
        user_key_allowed=decision.user_key,
        personalised=decision.personalised,
        measurement=decision.measurement,
    )
    event = TrackedEvent(
        kind="consent",
        uuid=str(uuid.uuid5(NAMESPACE, f"{digest}:{day}")),
        at=now,
        user_key=user_key,
        country=country or "",
        consent=_encoder.encode(entry).decode(),
    )
    try:
        hot_store().record(event, claim=Claim(f"consent:{digest}:{day}", DAY + 3600))
    except StoreUnavailableError:
        return  # the resilient store spools beacons; a ledger entry may wait for tomorrow
    embedded_drainer_start()


# --- Statistics ----------------------------------------------------------------------------

_pending: dict[tuple[str, str], list[int]] = {}
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def _day_stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%d")


def stat_key(day: str, country: str, field: str) -> str:
    return f"cstat:{day}:{country}:{field}"


def consent_tally(decision: ConsentDecision, country: str | None) -> None:
    """Count a request where GDPR applied, by day and country (valid consent, personalised)."""
    global _last_flush
    if not decision.gdpr_applies:
        return
    bucket = country if country in GDPR_COUNTRIES else OTHER_COUNTRY
    key = (_day_stamp(datetime.now(UTC)), bucket)
    with _pending_lock:
        sums = _pending.setdefault(key, [0, 0, 0])
        sums[0] += 1
        sums[1] += bool(decision.tcf_valid) and decision.user_key
        sums[2] += decision.personalised
        due = time.monotonic() - _last_flush >= STAT_FLUSH_SECONDS
        if due:
            _last_flush = time.monotonic()
    if due:
        consent_stats_flush()


def consent_stats_flush() -> None:
    from apps.delivery.store import StoreUnavailableError, hot_store

    with _pending_lock:
        pending = dict(_pending)
        _pending.clear()
    items = [
        (stat_key(day, country, name), amount, STAT_TTL_SECONDS)
        for (day, country), sums in pending.items()
        for name, amount in zip(STAT_FIELDS, sums, strict=True)
        if amount
    ]
    try:
        hot_store().add(items)
    except StoreUnavailableError:
        with _pending_lock:
            for key, sums in pending.items():
                mine = _pending.setdefault(key, [0, 0, 0])
                for i, amount in enumerate(sums):
                    mine[i] += amount


atexit.register(consent_stats_flush)


def consent_stats(*, days: int = 14, today: datetime | None = None) -> list[dict]:
    """Per country over the last ``days`` days: requests where GDPR applied, how many had
    valid consent and how many could be personalised (one store read)."""
    from apps.delivery.store import hot_store

    today = today or datetime.now(UTC)
    stamps = [_day_stamp(today - timedelta(days=n)) for n in range(days)]
    countries = [*sorted(GDPR_COUNTRIES - {"EL", "UK"}), OTHER_COUNTRY]
    names = [
        stat_key(day, country, name)
        for day in stamps
        for country in countries
        for name in STAT_FIELDS
    ]
    values = hot_store().read(names)[0]
    rows = []
    for country in countries:
        sums = {
            name: sum(values.get(stat_key(day, country, name), 0) for day in stamps)
            for name in STAT_FIELDS
        }
        if sums["requests"]:
            sums["valid_share"] = round(100 * sums["valid"] / sums["requests"], 2)
            sums["personalised_share"] = round(100 * sums["personalised"] / sums["requests"], 2)
            rows.append({"country": country, **sums})
    rows.sort(key=lambda row: -row["requests"])
    return rows


def consent_stats_forget() -> None:
    """Drop this process's unflushed sums (tests)."""
    with _pending_lock:
        _pending.clear()
