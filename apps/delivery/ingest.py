"""Idempotent ingestion of buffered tracking events into raw tables and hourly rollups.

Called inside a transaction with a batch of events. Each event's ``uuid`` is unique in its
table: events already stored are skipped, so a retried or re-delivered batch changes
nothing, and a concurrent drain hitting the same uuid fails its whole transaction (the unique
index) and retries later, never double-counting.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection, transaction

from .events import TrackedEvent
from .models import (
    ClickEvent,
    ConversionEvent,
    EngagementEvent,
    GeoHourlyStat,
    HourlyStat,
    ImpressionEvent,
    InvalidEvent,
)

ENGAGEMENT_FIELDS = {
    "viewable": "viewable_impressions",
    "start": "video_starts",
    "firstQuartile": "video_first_quartiles",
    "midpoint": "video_midpoints",
    "thirdQuartile": "video_third_quartiles",
    "complete": "video_completes",
}
DUPLICATE_WINDOW_SECONDS = 2 * 24 * 3600
MODELS = {
    "impression": ImpressionEvent,
    "click": ClickEvent,
    "conversion": ConversionEvent,
    "engagement": EngagementEvent,
    "invalid": InvalidEvent,
}


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _hour(epoch: float) -> datetime:
    return _when(epoch).replace(minute=0, second=0, microsecond=0)


def revenue_share_micros(cost_micros: int, share: Decimal) -> int:
    """The publisher's part of a charge, rounded half-even to the micro (one rule)."""
    return int((Decimal(cost_micros) * share).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _shares(publisher_ids: set[int]) -> dict[int, Decimal]:
    from apps.inventory.models import Publisher

    return dict(Publisher.objects.filter(id__in=publisher_ids).values_list("id", "revenue_share"))


def _row(e: TrackedEvent, revenue: int) -> dict:
    """The raw row of an event, as column values by attribute name."""
    placement = {
        "uuid": e.uuid,
        "occurred_at": _when(e.at),
        "impression_uuid": e.impression_uuid,
        "zone_id": e.zone_id,
        "ad_id": e.ad_id,
        "campaign_id": e.campaign_id,
        "advertiser_id": e.advertiser_id,
        "publisher_id": e.publisher_id,
    }
    if e.kind == "invalid":
        return dict(
            placement,
            kind=e.refused_kind,
            reason=e.reason[:40],
            ip=e.ip or None,
            user_agent=e.user_agent[:256],
        )
    placement.update(country=e.country[:2], region=e.region[:6], device=e.device[:10])
    if e.kind == "engagement":
        return dict(placement, kind=e.engagement)
    money = {"cost_micros": e.cost_micros, "revenue_micros": revenue}
    if e.kind == "impression":
        return dict(placement, user_key=e.user_key[:32], channel=e.channel[:8], **money)
    if e.kind == "click":
        return dict(placement, **money)
    return dict(
        placement,
        click_uuid=e.click_uuid,
        clicked_at=_when(e.clicked_at if e.clicked_at is not None else e.at),
        goal_id=e.goal_id,
        goal_type=e.goal_type,
        value_micros=e.value_micros,
        **money,
    )


def _deltas(e: TrackedEvent, revenue: int) -> dict[str, int]:
    if e.kind == "invalid":
        return {"invalid_events": 1}
    if e.kind == "engagement":
        return {ENGAGEMENT_FIELDS[e.engagement]: 1}
    money = {"spend_micros": e.cost_micros, "revenue_micros": revenue}
    if e.kind == "impression":
        return {"impressions": 1, **money}
    if e.kind == "click":
        return {"clicks": 1, **money}
    return {"conversions": 1, "conversion_value_micros": e.value_micros, **money}


# Other apps act on drained events inside the same transaction (``apps/audiences``: rule-based
# audiences and the consent ledger): each hook gets the batch's fresh tracking events and
# the events of kinds this module does not store (deduplicated within the batch; the hook
# skips those it stored before). Hooks work per batch, never per event.
IngestHook = Callable[[Sequence[TrackedEvent], Sequence[TrackedEvent]], None]
_hooks: list[IngestHook] = []


def ingest_hook_register(hook: IngestHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


@transaction.atomic
def events_ingest(events: Sequence[TrackedEvent]) -> int:
    """Store the events not stored yet and add them to the rollups; returns how many."""
    by_kind: dict[str, dict[str, TrackedEvent]] = defaultdict(dict)
    for e in events:
        by_kind[e.kind].setdefault(e.uuid, e)  # duplicates inside the batch count once
    foreign = [e for kind, items in by_kind.items() if kind not in MODELS for e in items.values()]
    fresh = _fresh(by_kind)
    if fresh:
        _store(fresh)
    for hook in _hooks:
        hook(fresh, foreign)
    return len(fresh)


def _fresh(by_kind: dict[str, dict[str, TrackedEvent]]) -> list[TrackedEvent]:
    """The tracking events of the batch not stored yet."""
    fresh: list[TrackedEvent] = []
    for kind, items in by_kind.items():
        if kind not in MODELS:
            continue
        # A copy of an event can only have been stored within a day or so of it (a replay
        # is refused while its claim lasts, 25 h, and its token expires after 24 h), so
        # the lookup reads only the partitions of those days.
        times = [e.at for e in items.values()]
        stored = {
            str(u)
            for u in MODELS[kind]
            .objects.filter(
                uuid__in=list(items),
                occurred_at__gte=_when(min(times) - DUPLICATE_WINDOW_SECONDS),
                occurred_at__lte=_when(max(times) + DUPLICATE_WINDOW_SECONDS),
            )
            .values_list("uuid", flat=True)
        }
        fresh.extend(e for u, e in items.items() if u not in stored)
    return fresh


def _store(fresh: list[TrackedEvent]) -> None:
    """Raw rows and rollups of fresh tracking events."""
    shares = _shares({e.publisher_id for e in fresh if e.publisher_id is not None})
    revenues = [
        revenue_share_micros(e.cost_micros, shares.get(e.publisher_id, Decimal(0)))
        if e.cost_micros
        else 0
        for e in fresh
    ]
    rows: dict[str, list] = defaultdict(list)
    for e, revenue in zip(fresh, revenues, strict=True):
        rows[e.kind].append(_row(e, revenue))
    for kind, values in rows.items():
        _insert(MODELS[kind], values)
    _rollup(fresh, revenues)


def _converter(field):
    """How a column's Python value is handed to the database driver (cheaper than the ORM's
    per-value preparation, which dominated the drain's time)."""
    kind = field.get_internal_type()
    if kind == "UUIDField":
        native = connection.features.has_native_uuid_field

        def uuid_value(value):
            if value is None:
                return None
            value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
            return value if native else value.hex

        return uuid_value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "GenericIPAddressField":
        return connection.ops.adapt_ipaddressfield_value
    return None


INSERT_SQL = "INSERT INTO {t} ({cols}) VALUES ({marks})"  # quoted names; values as parameters


def _insert(model, rows: list[dict]) -> None:
    """Insert raw event rows with one ``executemany`` (the batch is already deduplicated)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plan = [(f.attname, _converter(f), f.get_default()) for f in fields]
    sql = INSERT_SQL.format(
        t=connection.ops.quote_name(model._meta.db_table),
        cols=", ".join(connection.ops.quote_name(f.column) for f in fields),
        marks=", ".join(["%s"] * len(fields)),
    )
    params = [
        [
            (convert(row.get(name, default)) if convert else row.get(name, default))
            for name, convert, default in plan
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


ROLLUP_COUNTERS = (
    "impressions",
    "clicks",
    "conversions",
    "conversion_value_micros",
    "viewable_impressions",
    "video_starts",
    "video_first_quartiles",
    "video_midpoints",
    "video_third_quartiles",
    "video_completes",
    "invalid_events",
    "spend_micros",
    "revenue_micros",
)
GEO_COUNTERS = (
    "impressions",
    "clicks",
    "conversions",
    "conversion_value_micros",
    "spend_micros",
    "revenue_micros",
)
# One statement adds a batch's sums to a rollup, creating rows that do not exist yet
# ({t} is the quoted table name; every value is a parameter).
UPSERT_SQL = (
    "INSERT INTO {t} ({keys}, campaign_id, advertiser_id, publisher_id, {cols}) "
    "VALUES ({key_marks}, %s, %s, %s, {marks}) "
    "ON CONFLICT ({keys}) DO UPDATE SET {sums}"
)


def _upsert(model, keys: tuple[str, ...], counters: tuple[str, ...], totals, dims) -> None:
    if not totals:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    sql = UPSERT_SQL.format(
        t=table,
        keys=", ".join(keys),
        key_marks=", ".join(["%s"] * len(keys)),
        cols=", ".join(counters),
        marks=", ".join(["%s"] * len(counters)),
        sums=", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters),
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (adapt(key[0]), *key[1:], *dims[key], *(sums.get(c, 0) for c in counters))
        for key, sums in sorted(totals.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _rollup(events: list[TrackedEvent], revenues: list[int]) -> None:
    hourly: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    geo: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dims: dict[tuple, tuple] = {}
    for e, revenue in zip(events, revenues, strict=True):
        if not e.placed:
            continue  # refused before we knew the ad (e.g. a forged token): raw row only
        hour = _hour(e.at)
        owners = (e.campaign_id, e.advertiser_id, e.publisher_id)
        deltas = _deltas(e, revenue)
        key = (hour, e.ad_id, e.zone_id)
        dims[key] = owners
        for name, amount in deltas.items():
            hourly[key][name] += amount
        if e.kind in ("impression", "click", "conversion"):
            # The same lengths as the raw rows keep (the columns' sizes).
            where = (hour, e.ad_id, e.zone_id, e.country[:2], e.region[:6], e.device[:10])
            dims[where] = owners
            for name, amount in deltas.items():
                geo[where][name] += amount
    _upsert(HourlyStat, ("hour", "ad_id", "zone_id"), ROLLUP_COUNTERS, hourly, dims)
    _upsert(
        GeoHourlyStat,
        ("hour", "ad_id", "zone_id", "country", "region", "device"),
        GEO_COUNTERS,
        geo,
        dims,
    )
