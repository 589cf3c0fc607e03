"""Reads of the rollups for reports: each one aggregate query grouped in the database.

Hours before the rollup boundary (``apps.reporting.rollups``) come from ``ScopeHourlyStat``
when the report's conditions fit one scope (the platform, an advertiser, a publisher, a
campaign or a zone); the rest, and every report filtered by ad or by two unrelated ids, from
``HourlyStat``. Grouping by UTC hour in the database and bucketing those rows (at most 24 a
day) into local days or hours in Python keeps every report to a fixed handful of queries
whatever the number of ads. Reports never read raw events, except the attribution report,
which reads the conversions of its range (one query, only the columns it needs).

The geo and device reports read ``GeoHourlyStat`` (the drain's rollup per hour, ad, zone,
country, region and device class) for their whole range, in one query grouped by the
breakdown's columns: it has no per-scope rollup, so the rollup boundary does not apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery, Sum

from apps.campaigns.models import Advertiser, ConversionGoal
from apps.delivery.models import ConversionEvent, GeoHourlyStat, HourlyStat, ZoneHourlyStat
from apps.inventory.models import Publisher, Zone

from .models import Scope, ScopeHourlyStat
from .periods import ReportRange

CORE_METRICS = (
    "impressions",
    "clicks",
    "conversions",
    "conversion_value_micros",
    "viewable_impressions",
    "invalid_events",
    "spend_micros",
    "revenue_micros",
)
GEO_METRICS = (
    "impressions",
    "clicks",
    "conversions",
    "conversion_value_micros",
    "spend_micros",
    "revenue_micros",
)
GEO_COLUMNS = ("country", "region", "device")
Bounds = tuple[datetime | None, datetime]  # [start, end) in UTC; no start: from the beginning
Label = Callable[[str], Subquery]

# For each scope, the HourlyStat columns its rows can be filtered or grouped by, and the
# ScopeHourlyStat column holding each. Ordered from the fewest rows an hour to the most.
SCOPE_DIMENSIONS: dict[str, dict[str, str]] = {
    Scope.PLATFORM: {},
    Scope.ADVERTISER: {"advertiser_id": "advertiser_id"},
    Scope.PUBLISHER: {"publisher_id": "publisher_id"},
    Scope.CAMPAIGN: {"campaign_id": "scope_id", "advertiser_id": "advertiser_id"},
    Scope.ZONE: {"zone_id": "scope_id", "publisher_id": "publisher_id"},
}


@dataclass(frozen=True)
class RollupPlan:
    """How to read a HourlyStat query from ScopeHourlyStat."""

    scope: str
    conditions: dict[str, Any]
    group_column: str | None


def rollup_plan(where: dict[str, Any], column: str | None = None) -> RollupPlan | None:
    """The scope answering conditions ``where`` (grouped by ``column``), if one does."""
    fields = {key.split("__", 1)[0] for key in where} | ({column} if column else set())
    for scope, dimensions in SCOPE_DIMENSIONS.items():
        if fields <= set(dimensions):
            conditions = {}
            for key, value in where.items():
                name, _, lookup = key.partition("__")
                conditions[dimensions[name] + (f"__{lookup}" if lookup else "")] = value
            return RollupPlan(scope, conditions, dimensions[column] if column else None)
    return None


def split(rng: ReportRange, boundary: datetime | None) -> tuple[Bounds | None, Bounds | None]:
    """``rng`` cut at the rollup boundary: (rolled-up part, live part), either may be None."""
    start, end = rng.start_utc, rng.end_utc
    if boundary is None:
        return None, (start, end)
    before = start is None or start < boundary
    rolled = (start, min(end, boundary)) if before else None
    live_start = boundary if before else start
    live = (live_start, end) if live_start < end else None
    return rolled, live


def _bounded(qs: QuerySet, bounds: Bounds, column: str = "hour") -> QuerySet:
    start, end = bounds
    qs = qs.filter(**{f"{column}__lt": end})
    if start is not None:
        qs = qs.filter(**{f"{column}__gte": start})
    return qs


def _sums(metrics: tuple[str, ...]) -> dict[str, Sum]:
    return {name: Sum(name) for name in metrics}


def _ints(row: dict[str, Any], metrics: tuple[str, ...]) -> dict[str, Any]:
    return {**row, **{name: int(row[name] or 0) for name in metrics}}


def _by_hour(qs: QuerySet, metrics: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = qs.values("hour").annotate(**_sums(metrics)).order_by("hour")
    return [_ints(row, metrics) for row in rows]


def stats_by_hour(
    *,
    where: dict[str, Any],
    rng: ReportRange,
    boundary: datetime | None,
    metrics: tuple[str, ...] = CORE_METRICS,
) -> list[dict[str, Any]]:
    """One row per UTC hour with data: ``{"hour": datetime, <metric>: int, ...}``."""
    plan = rollup_plan(where)
    rolled, live = split(rng, boundary if plan else None)
    rows: list[dict[str, Any]] = []
    if rolled and plan:
        qs = ScopeHourlyStat.objects.filter(scope=plan.scope, **plan.conditions)
        rows += _by_hour(_bounded(qs, rolled), metrics)
    if live:
        rows += _by_hour(_bounded(HourlyStat.objects.filter(**where), live), metrics)
    return rows


def _by_column(
    qs: QuerySet,
    *,
    group: str,
    column: str,
    metrics: tuple[str, ...],
    label: Label | None,
) -> list[dict[str, Any]]:
    qs = qs.values(group).annotate(first_hour=Min("hour"), **_sums(metrics)).order_by()
    if label is not None:
        qs = qs.annotate(label=label(group))
    out = []
    for row in qs:
        row = _ints(row, metrics)
        row[column] = row.pop(group)
        out.append(row)
    return out


def stats_by_column(
    *,
    column: str,
    where: dict[str, Any],
    rng: ReportRange,
    boundary: datetime | None,
    metrics: tuple[str, ...] = CORE_METRICS,
    label: Label | None = None,
) -> list[dict[str, Any]]:
    """Totals per ``column`` (``advertiser_id``, ``zone_id`` …) with the first hour seen and,
    when given, a ``label`` looked up in the same query (``label(outer column)``)."""
    plan = rollup_plan(where, column)
    rolled, live = split(rng, boundary if plan else None)
    parts: list[list[dict[str, Any]]] = []
    if rolled and plan:
        qs = _bounded(ScopeHourlyStat.objects.filter(scope=plan.scope, **plan.conditions), rolled)
        group = plan.group_column or column
        parts.append(_by_column(qs, group=group, column=column, metrics=metrics, label=label))
    if live:
        qs = _bounded(HourlyStat.objects.filter(**where), live)
        parts.append(_by_column(qs, group=column, column=column, metrics=metrics, label=label))
    return merge_by(column, parts, metrics)


def merge_by(
    column: str, parts: list[list[dict[str, Any]]], metrics: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows of several parts summed per ``column`` value (earliest ``first_hour`` kept)."""
    merged: dict[Any, dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            key = row[column]
            if key not in merged:
                merged[key] = dict(row)
                continue
            target = merged[key]
            for name in metrics:
                target[name] += row[name]
            if row.get("first_hour") and (
                target.get("first_hour") is None or row["first_hour"] < target["first_hour"]
            ):
                target["first_hour"] = row["first_hour"]
            if target.get("label") is None and row.get("label") is not None:
                target["label"] = row["label"]
    return list(merged.values())


def live_pairs_by_hour(
    *, bounds: Bounds, metrics: tuple[str, ...], where: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """HourlyStat per (hour, advertiser, publisher) with both names: the recent hours of the
    financial report in one query."""
    qs = _bounded(HourlyStat.objects.filter(**(where or {})), bounds)
    rows = (
        qs.values("hour", "advertiser_id", "publisher_id")
        .annotate(
            advertiser_label=advertiser_company("advertiser_id"),
            publisher_label=publisher_name("publisher_id"),
            **_sums(metrics),
        )
        .order_by("hour")
    )
    return [_ints(row, metrics) for row in rows]


def rolled_by_hour(
    *, plan: RollupPlan, bounds: Bounds, metrics: tuple[str, ...]
) -> list[dict[str, Any]]:
    qs = ScopeHourlyStat.objects.filter(scope=plan.scope, **plan.conditions)
    return _by_hour(_bounded(qs, bounds), metrics)


def rolled_by_column(
    *, plan: RollupPlan, column: str, bounds: Bounds, metrics: tuple[str, ...], label: Label
) -> list[dict[str, Any]]:
    qs = _bounded(ScopeHourlyStat.objects.filter(scope=plan.scope, **plan.conditions), bounds)
    group = plan.group_column or column
    return _by_column(qs, group=group, column=column, metrics=metrics, label=label)


def advertiser_company(ref: str) -> Subquery:
    return Subquery(Advertiser.objects.filter(pk=OuterRef(ref)).values("company")[:1])


def publisher_name(ref: str) -> Subquery:
    return Subquery(Publisher.objects.filter(pk=OuterRef(ref)).values("name")[:1])


def geo_stats_by(
    *, columns: tuple[str, ...], where: dict[str, Any], rng: ReportRange
) -> list[dict[str, Any]]:
    """``GeoHourlyStat`` summed per value of ``columns`` (some of country, region, device)
    over ``rng``, with the first hour seen (to settle an ``all`` range): one query. Unknown
    values are the empty string, as stored."""
    assert set(columns) <= set(GEO_COLUMNS), columns
    qs = _bounded(GeoHourlyStat.objects.filter(**where), (rng.start_utc, rng.end_utc))
    rows = qs.values(*columns).annotate(first_hour=Min("hour"), **_sums(GEO_METRICS)).order_by()
    return [_ints(row, GEO_METRICS) for row in rows]


# --- Ad requests, fills and impressions: one definition for every page and report -------
#
# An *ad request* is a zone asking for an ad; a *fill* is a request answered with an ad; an
# *impression* is a filled ad that was shown and tracked. So impressions <= fills <= requests,
# zone by zone and hour by hour. The serve counters (ZoneHourlyStat) can miss requests that
# the tracked impressions prove: serve variants that do not count them (the iframe, the
# no-script image), counters not flushed yet, a cache that lost them. Every impression
# proves a filled request, so per zone and hour:
#     fills    = max(counted fills, impressions)
#     requests = counted requests + (fills - counted fills)
# Sums of these (per hour, per zone, per day) never show more impressions than fills.


def request_counts(requests: int, fills: int, impressions: int) -> tuple[int, int]:
    """(requests, fills) of one zone and hour, with the impressions that prove a fill."""
    proven = max(fills, impressions)
    return requests + (proven - fills), proven


def stats_by_zone_hour(
    *,
    where: dict[str, Any],
    rng: ReportRange,
    boundary: datetime | None,
    metrics: tuple[str, ...] = CORE_METRICS,
) -> list[dict[str, Any]]:
    """One row per zone and UTC hour with data: ``{"zone_id", "hour", <metric>: int}``. The
    zone side's reports read these, so requests and fills can be set beside the impressions
    of the same zone and hour (two queries, as ``stats_by_hour``)."""
    plan = rollup_plan(where, "zone_id")
    rolled, live = split(rng, boundary if plan else None)
    rows: list[dict[str, Any]] = []
    if rolled and plan:
        qs = _bounded(ScopeHourlyStat.objects.filter(scope=plan.scope, **plan.conditions), rolled)
        group = plan.group_column or "zone_id"
        for row in qs.values(group, "hour", *metrics).order_by("hour"):
            row["zone_id"] = row.pop(group)
            rows.append(_ints(row, metrics))
    if live:
        qs = _bounded(HourlyStat.objects.filter(**where), live)
        rows += [
            _ints(row, metrics)
            for row in qs.values("zone_id", "hour").annotate(**_sums(metrics)).order_by("hour")
        ]
    return rows


def impressions_index(rows: list[dict[str, Any]]) -> dict[tuple[int, datetime], int]:
    """Impressions per (zone, hour) of ``stats_by_zone_hour`` rows."""
    out: dict[tuple[int, datetime], int] = {}
    for row in rows:
        key = (row["zone_id"], row["hour"])
        out[key] = out.get(key, 0) + row.get("impressions", 0)
    return out


def _zone_hours(
    *, where: dict[str, Any], rng: ReportRange, impressions: dict[tuple[int, datetime], int]
) -> list[tuple[int, datetime, int, int]]:
    """``(zone_id, hour, requests, fills)`` of every zone and hour with traffic, by the
    definitions above; ``impressions`` per (zone, hour) from ``stats_by_zone_hour``."""
    qs = _bounded(ZoneHourlyStat.objects.filter(**where), (rng.start_utc, rng.end_utc))
    counted = {
        (zone_id, hour): (requests, fills)
        for zone_id, hour, requests, fills in qs.values_list("zone_id", "hour", "requests", "fills")
    }
    rows = []
    for key in counted.keys() | impressions.keys():
        requests, fills = counted.get(key, (0, 0))
        requests, fills = request_counts(requests, fills, impressions.get(key, 0))
        rows.append((key[0], key[1], requests, fills))
    return rows


def zone_requests_by_hour(
    *, where: dict[str, Any], rng: ReportRange, impressions: dict[tuple[int, datetime], int]
) -> list[dict[str, Any]]:
    """Requests and fills per UTC hour: ``{"hour", "requests", "fills"}`` (``where`` on
    zone columns only: ``publisher_id``, ``zone_id``)."""
    hours: dict[datetime, dict[str, Any]] = {}
    for _zone, hour, requests, fills in _zone_hours(where=where, rng=rng, impressions=impressions):
        row = hours.setdefault(hour, {"hour": hour, "requests": 0, "fills": 0})
        row["requests"] += requests
        row["fills"] += fills
    return sorted(hours.values(), key=lambda row: row["hour"])


def zone_requests_by_zone(
    *, where: dict[str, Any], rng: ReportRange, impressions: dict[tuple[int, datetime], int]
) -> list[dict[str, Any]]:
    """Requests and fills per zone, with the first hour seen (for ``all``)."""
    zones: dict[int, dict[str, Any]] = {}
    for zone_id, hour, requests, fills in _zone_hours(
        where=where, rng=rng, impressions=impressions
    ):
        row = zones.setdefault(
            zone_id, {"zone_id": zone_id, "requests": 0, "fills": 0, "first_hour": hour}
        )
        row["requests"] += requests
        row["fills"] += fills
        row["first_hour"] = min(row["first_hour"], hour)
    return list(zones.values())


def stats_extent(*, where: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The first and the last hour with delivery data for ``where`` (None, None without):
    where to point a reader whose chosen range is empty."""
    extent = HourlyStat.objects.filter(**where).aggregate(first=Min("hour"), last=Max("hour"))
    return extent["first"], extent["last"]


def zones_by_id(zone_ids: set[int]) -> dict[int, Zone]:
    if not zone_ids:
        return {}
    zones = Zone.objects.filter(pk__in=zone_ids).only("id", "name", "floor_price")
    return {zone.id: zone for zone in zones}


def conversions_in_range(*, where: dict[str, Any], rng: ReportRange, limit: int) -> list[tuple]:
    """``(goal_id, goal_type, click_uuid, clicked_at, occurred_at, value, cost, goal_name)``
    rows, at most ``limit``, oldest first."""
    qs = _bounded(
        ConversionEvent.objects.filter(**where),
        (rng.start_utc, rng.end_utc),
        column="occurred_at",
    )
    goal_name = Subquery(ConversionGoal.objects.filter(pk=OuterRef("goal_id")).values("name")[:1])
    qs = (
        qs.annotate(goal_name=goal_name)
        .order_by("occurred_at")
        .values_list(
            "goal_id",
            "goal_type",
            "click_uuid",
            "clicked_at",
            "occurred_at",
            "value_micros",
            "cost_micros",
            "goal_name",
        )
    )
    return list(qs[:limit])
