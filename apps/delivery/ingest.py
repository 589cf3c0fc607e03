"""Idempotent ingestion of buffered tracking events into raw tables and hourly rollups.

Called inside a transaction with a batch of events. Each event's ``uuid`` is unique in its
table: events already stored are skipped, so a retried or re-delivered batch changes
nothing, and a concurrent drain hitting the same uuid fails its whole transaction (the unique
index) and retries later, never double-counting.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import connection, transaction

from .models import (
    ClickEvent,
    ConversionEvent,
    EngagementEvent,
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


def _placement(e: dict) -> dict:
    return {
        "uuid": e["u"],
        "occurred_at": _when(e["t"]),
        "impression_uuid": e["imp"],
        "zone_id": e["z"],
        "ad_id": e["a"],
        "campaign_id": e["c"],
        "advertiser_id": e["adv"],
        "publisher_id": e["p"],
    }


def _row(e: dict, shares: dict[int, Decimal]) -> dict:
    """The raw row of an event, as column values by attribute name."""
    kind = e["k"]
    if kind == "invalid":
        return dict(
            uuid=e["u"],
            occurred_at=_when(e["t"]),
            kind=e.get("of", ""),
            reason=e["reason"][:40],
            impression_uuid=e.get("imp"),
            zone_id=e.get("z"),
            ad_id=e.get("a"),
            campaign_id=e.get("c"),
            advertiser_id=e.get("adv"),
            publisher_id=e.get("p"),
            ip=e.get("ip") or None,
            user_agent=(e.get("ua") or "")[:256],
        )
    base = _placement(e)
    if kind == "engagement":
        return dict(kind=e["ek"], **base)
    cost = int(e.get("cost", 0))
    revenue = revenue_share_micros(cost, shares.get(e["p"], Decimal(0)))
    e["rev"] = revenue
    if kind == "impression":
        return dict(
            cost_micros=cost,
            revenue_micros=revenue,
            user_key=e.get("uk", "")[:32],
            country=e.get("cc") or "",
            device=e.get("dev") or "",
            **base,
        )
    if kind == "click":
        return dict(cost_micros=cost, revenue_micros=revenue, **base)
    return dict(
        cost_micros=cost,
        revenue_micros=revenue,
        click_uuid=e["click"],
        clicked_at=_when(e["clicked"]),
        goal_id=e.get("goal"),
        goal_type=e.get("gt", ""),
        value_micros=int(e.get("val", 0)),
        **base,
    )


def _deltas(e: dict) -> dict[str, int]:
    kind = e["k"]
    if kind == "invalid":
        return {"invalid_events": 1}
    if kind == "engagement":
        return {ENGAGEMENT_FIELDS[e["ek"]]: 1}
    money = {"spend_micros": int(e.get("cost", 0)), "revenue_micros": e.get("rev", 0)}
    if kind == "impression":
        return {"impressions": 1, **money}
    if kind == "click":
        return {"clicks": 1, **money}
    return {"conversions": 1, "conversion_value_micros": int(e.get("val", 0)), **money}


@transaction.atomic
def events_ingest(events: list[dict]) -> int:
    """Store the events not stored yet and add them to the rollups; returns how many."""
    by_kind: dict[str, dict[str, dict]] = defaultdict(dict)
    for e in events:
        by_kind[e["k"]].setdefault(str(e["u"]), e)  # duplicates inside the batch count once
    fresh: list[dict] = []
    for kind, items in by_kind.items():
        model = MODELS[kind]
        stored = {
            str(u)
            for u in model.objects.filter(uuid__in=list(items)).values_list("uuid", flat=True)
        }
        fresh.extend(e for u, e in items.items() if u not in stored)
    if not fresh:
        return 0
    shares = _shares({e["p"] for e in fresh if e.get("p") is not None})
    rows: dict[str, list] = defaultdict(list)
    for e in fresh:
        rows[e["k"]].append(_row(e, shares))
    for kind, values in rows.items():
        _insert(MODELS[kind], values)
    _rollup(fresh)
    return len(fresh)


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
# One statement adds a batch's sums to the rollups, creating rows that do not exist yet
# ({t} is the quoted table name; every value is a parameter).
ROLLUP_UPSERT_SQL = (
    "INSERT INTO {t} (hour, ad_id, zone_id, campaign_id, advertiser_id, publisher_id, {cols}) "
    "VALUES (%s, %s, %s, %s, %s, %s, {marks}) "
    "ON CONFLICT (hour, ad_id, zone_id) DO UPDATE SET {sums}"
)


def _rollup(events: list[dict]) -> None:
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dims: dict[tuple, tuple] = {}
    for e in events:
        if e.get("a") is None or e.get("z") is None:
            continue  # refused before we knew the ad (e.g. a forged token): raw row only
        key = (_hour(e["t"]), e["a"], e["z"])
        dims[key] = (e["c"], e["adv"], e["p"])
        for field, amount in _deltas(e).items():
            totals[key][field] += amount
    if not totals:
        return
    table = connection.ops.quote_name(HourlyStat._meta.db_table)
    sql = ROLLUP_UPSERT_SQL.format(
        t=table,
        cols=", ".join(ROLLUP_COUNTERS),
        marks=", ".join(["%s"] * len(ROLLUP_COUNTERS)),
        sums=", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ROLLUP_COUNTERS),
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            adapt(hour),
            ad_id,
            zone_id,
            *dims[hour, ad_id, zone_id],
            *(counts.get(c, 0) for c in ROLLUP_COUNTERS),
        )
        for (hour, ad_id, zone_id), counts in sorted(totals.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
