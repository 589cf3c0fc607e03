"""Seed 000's report family under ``reports/``: overview, hourly, attribution, viewability,
video and floor.

Each reads the hourly rollups scoped by the caller (``Viewer``) with one aggregate query
(two: the rolled-up hours and the recent ones, see ``apps.reporting.selectors``), except
attribution (the range's conversions, then clicks) and floor (requests and fills per zone,
rollups per zone, the zones).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings

from .. import selectors
from ..figures import (
    counts_by_day,
    counts_by_local_hour,
    counts_total,
    daily_trend,
    settle,
    stats,
    stats_columns,
    video_figures,
    video_funnel,
    viewability_figures,
)
from ..money import CENT, cpm_from_price, money, money_per, percent
from ..periods import ReportRange
from ..scope import ZONE_COLUMNS, Viewer
from . import Report, report_head

HOURLY_BUCKETS = ("hour_of_day", "hour")
VIDEO_METRICS = (
    "impressions",
    "video_starts",
    "video_first_quartiles",
    "video_midpoints",
    "video_third_quartiles",
    "video_completes",
)


def overview_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """Totals and a zero-filled daily breakdown of everything the caller may see."""
    rows = selectors.stats_by_hour(where=viewer.where(), rng=rng, boundary=viewer.boundary)
    rng = settle(rng, rows)
    money_fields = viewer.money_fields()
    daily = daily_trend(rows, rng, money_fields=money_fields)
    data = {
        **report_head(viewer, rng),
        "totals": stats(counts_total(rows), money_fields=money_fields),
        "daily": daily,
    }
    columns = ["date", *stats_columns(money_fields)]
    return Report(name="overview", rng=rng, data=data, columns=columns, rows=daily)


def hourly_report(*, viewer: Viewer, rng: ReportRange, bucket: str = "hour_of_day") -> Report:
    """``hour_of_day``: 24 buckets (local hour 0-23) summed over the range; ``hour``: every
    local hour of the range (a DST day has 23 or 25), labelled with its local start time."""
    rows = selectors.stats_by_hour(where=viewer.where(), rng=rng, boundary=viewer.boundary)
    rng = settle(rng, rows)
    money_fields = viewer.money_fields()
    if bucket == "hour_of_day":
        by_hour = counts_by_local_hour(rows, rng)
        hours = [
            {"hour": hour, **stats(by_hour.get(hour, {}), money_fields=money_fields)}
            for hour in range(24)
        ]
    else:
        by_utc = {row["hour"]: row for row in rows}
        hours = [
            {
                "hour": moment.astimezone(rng.tz).isoformat(),
                **stats(by_utc.get(moment, {}), money_fields=money_fields),
            }
            for moment in rng.hours_utc()
        ]
    data = {
        **report_head(viewer, rng),
        "bucket": bucket,
        "totals": stats(counts_total(rows), money_fields=money_fields),
        "hours": hours,
    }
    columns = ["hour", *stats_columns(money_fields)]
    return Report(name=f"hourly-{bucket}", rng=rng, data=data, columns=columns, rows=hours)


def viewability_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """Viewable impressions (MRC: 50 % of pixels for 1 s, as the beacon reports) per day."""
    metrics = ("impressions", "viewable_impressions")
    rows = selectors.stats_by_hour(
        where=viewer.where(), rng=rng, boundary=viewer.boundary, metrics=metrics
    )
    rng = settle(rng, rows)
    by_day = counts_by_day(rows, rng)
    daily = [
        {"date": day.isoformat(), **viewability_figures(by_day.get(day, {}))} for day in rng.days()
    ]
    data = {
        **report_head(viewer, rng),
        "totals": viewability_figures(counts_total(rows)),
        "daily": daily,
    }
    columns = ["date", *viewability_figures({})]
    return Report(name="viewability", rng=rng, data=data, columns=columns, rows=daily)


def video_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """The quartile funnel (start → complete) with completion rate, in total and per day."""
    rows = selectors.stats_by_hour(
        where=viewer.where(), rng=rng, boundary=viewer.boundary, metrics=VIDEO_METRICS
    )
    rng = settle(rng, rows)
    counts = counts_total(rows)
    by_day = counts_by_day(rows, rng)
    daily = [{"date": day.isoformat(), **video_figures(by_day.get(day, {}))} for day in rng.days()]
    data = {
        **report_head(viewer, rng),
        "totals": video_figures(counts),
        "funnel": video_funnel(counts),
        "daily": daily,
    }
    columns = ["date", *video_figures({})]
    return Report(name="video", rng=rng, data=data, columns=columns, rows=daily)


# --- Attribution ------------------------------------------------------------------------------


def _seconds(micros: Decimal | int) -> Decimal:
    return (Decimal(micros) / Decimal(1_000_000)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _time_to_convert(durations: list[int]) -> dict[str, Any]:
    """Count, mean, median, min and max of click → conversion times (seconds, 2 places)."""
    if not durations:
        return {
            "count": 0,
            "avg_seconds": None,
            "median_seconds": None,
            "min_seconds": None,
            "max_seconds": None,
        }
    return {
        "count": len(durations),
        "avg_seconds": _seconds(Decimal(sum(durations)) / len(durations)),
        "median_seconds": _seconds(Decimal(statistics.median(durations))),
        "min_seconds": _seconds(min(durations)),
        "max_seconds": _seconds(max(durations)),
    }


def _micros_between(start, end) -> int:
    delta: timedelta = end - start
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def attribution_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """Conversions attributed to clicks, per conversion goal, with time to convert.

    A conversion belongs to the local day it happened (not the day of its click). Reads the
    range's conversion events with their goal names (one query, at most
    REPORT_ATTRIBUTION_MAX_ROWS rows, the answer then says ``truncated``) and the clicks of the
    range from the rollups.
    """
    limit = settings.REPORT_ATTRIBUTION_MAX_ROWS
    events = selectors.conversions_in_range(where=viewer.where(), rng=rng, limit=limit + 1)
    truncated = len(events) > limit
    events = events[:limit]
    click_rows = selectors.stats_by_hour(
        where=viewer.where(), rng=rng, boundary=viewer.boundary, metrics=("clicks",)
    )
    firsts = [moment for moment in (events[0][4] if events else None,) if moment]
    firsts += [row["hour"] for row in click_rows[:1]]
    rng = rng.settled(min(firsts) if firsts else None)  # an "all" range: either's first day
    clicks = counts_total(click_rows).get("clicks", 0)
    groups: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {"durations": [], "clicks": set(), "value": 0, "cost": 0}
    )
    all_durations: list[int] = []
    names: dict[int, str] = {}
    for goal_id, goal_type, click_uuid, clicked_at, occurred_at, value, cost, name in events:
        if goal_id is not None:
            names[goal_id] = name or ""
        group = groups[(goal_id, goal_type)]
        duration = max(_micros_between(clicked_at, occurred_at), 0)
        group["durations"].append(duration)
        group["clicks"].add(click_uuid)
        group["value"] += value
        group["cost"] += cost
        all_durations.append(duration)
    goals = []
    for (goal_id, goal_type), group in sorted(
        groups.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1])
    ):
        conversions = len(group["durations"])
        entry: dict[str, Any] = {
            "goal_id": goal_id,
            "goal_name": names.get(goal_id, "") if goal_id is not None else "",
            "goal_type": goal_type,
            "conversions": conversions,
            "converting_clicks": len(group["clicks"]),
            "conversion_rate": percent(conversions, clicks),
        }
        if viewer.sees_spend:
            entry["conversion_value"] = money(group["value"])
            entry["spend"] = money(group["cost"])
            entry["cost_per_conversion"] = money_per(group["cost"], conversions)
        entry["time_to_convert"] = _time_to_convert(group["durations"])
        goals.append(entry)
    totals: dict[str, Any] = {
        "clicks": clicks,
        "conversions": len(all_durations),
        "converting_clicks": len({e[2] for e in events}),
        "conversion_rate": percent(len(all_durations), clicks),
    }
    if viewer.sees_spend:
        totals["conversion_value"] = money(sum(e[5] for e in events))
    totals["time_to_convert"] = _time_to_convert(all_durations)
    data = {**report_head(viewer, rng), "truncated": truncated, "totals": totals, "goals": goals}
    rows = [_flat_goal(goal) for goal in goals]
    columns = list(_flat_goal(goals[0])) if goals else _attribution_columns(viewer)
    return Report(name="attribution", rng=rng, data=data, columns=columns, rows=rows)


def _flat_goal(goal: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in goal.items() if k != "time_to_convert"}
    for key, value in goal["time_to_convert"].items():
        if key != "count":
            flat[key] = value
    return flat


def _attribution_columns(viewer: Viewer) -> list[str]:
    columns = ["goal_id", "goal_name", "goal_type", "conversions", "converting_clicks"]
    columns.append("conversion_rate")
    if viewer.sees_spend:
        columns += ["conversion_value", "spend", "cost_per_conversion"]
    return [*columns, "avg_seconds", "median_seconds", "min_seconds", "max_seconds"]


# --- Floor --------------------------------------------------------------------------------


def floor_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """Per zone: its floor (a CPM), ad requests, fills, fill rate, and the average winning CPM
    (spend / impressions * 1000) beside it (``cpm_over_floor``, null without impressions)."""
    metrics = ("impressions", "clicks", "spend_micros", "revenue_micros")
    hourly = selectors.stats_by_zone_hour(
        where=viewer.where(), rng=rng, boundary=viewer.boundary, metrics=metrics
    )
    requests = selectors.zone_requests_by_zone(
        where=viewer.where(columns=ZONE_COLUMNS),
        rng=rng,
        impressions=selectors.impressions_index(hourly),
    )
    per_zone: dict[int, dict[str, Any]] = {}
    for row in hourly:
        target = per_zone.setdefault(
            row["zone_id"], {"zone_id": row["zone_id"], "first_hour": row["hour"]}
        )
        target["first_hour"] = min(target["first_hour"], row["hour"])
        for key in metrics:
            target[key] = target.get(key, 0) + row[key]
    delivered = list(per_zone.values())
    firsts = [r["first_hour"] for r in (*requests, *delivered) if r["first_hour"] is not None]
    rng = rng.settled(min(firsts) if firsts else None)
    by_zone: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (*requests, *delivered):
        target = by_zone[row["zone_id"]]
        for key in ("requests", "fills", "impressions", "clicks", "spend_micros", "revenue_micros"):
            if key in row:
                target[key] = target.get(key, 0) + row[key]
    zones = selectors.zones_by_id(set(by_zone))
    money_fields = viewer.money_fields("revenue")
    rows = []
    for zone_id in sorted(by_zone):
        counts = by_zone[zone_id]
        zone = zones.get(zone_id)
        impressions = counts.get("impressions", 0)
        spend = counts.get("spend_micros", 0)
        entry: dict[str, Any] = {
            "zone_id": zone_id,
            "zone_name": zone.name if zone else "",
            "floor_price": cpm_from_price(zone.floor_price) if zone else None,
            "requests": counts.get("requests", 0),
            "fills": counts.get("fills", 0),
            "fill_rate": percent(counts.get("fills", 0), counts.get("requests", 0)),
            "impressions": impressions,
            "clicks": counts.get("clicks", 0),
        }
        for name in money_fields:
            entry[name] = money(counts.get(f"{name}_micros", 0))
        avg_cpm = money_per(spend, impressions, per=1000)
        entry["avg_winning_cpm"] = avg_cpm
        entry["cpm_over_floor"] = (
            str(Decimal(avg_cpm) - Decimal(entry["floor_price"]))
            if impressions and entry["floor_price"] is not None
            else None
        )
        rows.append(entry)
    counts = counts_total(by_zone.values())
    totals = {
        "zones": len(rows),
        "requests": counts.get("requests", 0),
        "fills": counts.get("fills", 0),
        "fill_rate": percent(counts.get("fills", 0), counts.get("requests", 0)),
        "impressions": counts.get("impressions", 0),
        **{name: money(counts.get(f"{name}_micros", 0)) for name in money_fields},
        "avg_winning_cpm": money_per(
            counts.get("spend_micros", 0), counts.get("impressions", 0), per=1000
        ),
    }
    data = {**report_head(viewer, rng), "totals": totals, "zones": rows}
    columns = [
        "zone_id",
        "zone_name",
        "floor_price",
        "requests",
        "fills",
        "fill_rate",
        "impressions",
        "clicks",
        *money_fields,
        "avg_winning_cpm",
        "cpm_over_floor",
    ]
    return Report(name="floor", rng=rng, data=data, columns=columns, rows=rows)
