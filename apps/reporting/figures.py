"""Bucketing hourly rows into local days and hours, and turning sums into report figures.

Every figure follows the rounding rules of ``apps.reporting.money``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from .money import money, money_per, percent
from .periods import ReportRange

Counts = dict[str, int]


def counts_add(target: Counts, row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, int):
            target[key] = target.get(key, 0) + value


def counts_total(rows: Iterable[dict[str, Any]]) -> Counts:
    total: Counts = {}
    for row in rows:
        counts_add(total, row)
    return total


def counts_by_day(rows: Iterable[dict[str, Any]], rng: ReportRange) -> dict[date, Counts]:
    """Hourly rows summed per local day (days without data are absent)."""
    days: dict[date, Counts] = defaultdict(dict)
    for row in rows:
        counts_add(days[rng.local_day(row["hour"])], row)
    return days


def counts_by_local_hour(rows: Iterable[dict[str, Any]], rng: ReportRange) -> dict[int, Counts]:
    """Hourly rows summed per local hour of the day (0-23)."""
    hours: dict[int, Counts] = defaultdict(dict)
    for row in rows:
        counts_add(hours[row["hour"].astimezone(rng.tz).hour], row)
    return hours


def settle(rng: ReportRange, rows: list[dict[str, Any]], column: str = "hour") -> ReportRange:
    """An ``all`` range made concrete from the first row (rows ordered by ``column``)."""
    first: datetime | None = min((row[column] for row in rows), default=None)
    return rng.settled(first)


def delivery_figures(counts: Counts, *, money_fields: tuple[str, ...]) -> dict[str, Any]:
    """Counts, rates and the view's money: what every row of a breakdown shows (geo and
    devices) and the first part of ``stats``.

    ``money_fields`` names the money shown, its first one driving ``ecpm``/``ecpc``.
    """
    get = counts.get
    impressions, clicks, conversions = (
        get("impressions", 0),
        get("clicks", 0),
        get("conversions", 0),
    )
    out: dict[str, Any] = {
        "impressions": impressions,
        "clicks": clicks,
        "ctr": percent(clicks, impressions),
        "conversions": conversions,
        "conversion_rate": percent(conversions, clicks),
    }
    for name in money_fields:
        out[name] = money(get(f"{name}_micros", 0))
    if "spend" in money_fields:
        out["conversion_value"] = money(get("conversion_value_micros", 0))
    primary = get(f"{money_fields[0]}_micros", 0) if money_fields else 0
    out.update(
        ecpm=money_per(primary, impressions, per=1000),
        ecpc=money_per(primary, clicks),
    )
    return out


def delivery_columns(money_fields: tuple[str, ...]) -> list[str]:
    """The keys ``delivery_figures`` produces, in order (CSV columns)."""
    return list(delivery_figures({}, money_fields=money_fields))


def stats(counts: Counts, *, money_fields: tuple[str, ...], fill: bool = False) -> dict[str, Any]:
    """The seed's ``stats`` block: ``delivery_figures`` plus viewability and invalid traffic.

    ``fill`` adds the zone side's ad requests, fills and fill rate.
    """
    get = counts.get
    out = delivery_figures(counts, money_fields=money_fields)
    impressions = out["impressions"]
    viewable = get("viewable_impressions", 0)
    out.update(
        viewable_impressions=viewable,
        viewable_rate=percent(viewable, impressions),
        invalid_events=get("invalid_events", 0),
    )
    if fill:
        requests, fills = get("requests", 0), get("fills", 0)
        out.update(requests=requests, fills=fills, fill_rate=percent(fills, requests))
    return out


def stats_columns(money_fields: tuple[str, ...], *, fill: bool = False) -> list[str]:
    """The keys ``stats`` produces, in order (CSV columns)."""
    return list(stats({}, money_fields=money_fields, fill=fill))


def daily_trend(
    rows: list[dict[str, Any]],
    rng: ReportRange,
    *,
    money_fields: tuple[str, ...],
    fill: bool = False,
) -> list[dict[str, Any]]:
    """One entry per local day of the range, zero-filled."""
    by_day = counts_by_day(rows, rng)
    return [
        {
            "date": day.isoformat(),
            **stats(by_day.get(day, {}), money_fields=money_fields, fill=fill),
        }
        for day in rng.days()
    ]


def video_figures(counts: Counts) -> dict[str, Any]:
    get = counts.get
    impressions, starts = get("impressions", 0), get("video_starts", 0)
    stages = (
        ("first_quartiles", "video_first_quartiles"),
        ("midpoints", "video_midpoints"),
        ("third_quartiles", "video_third_quartiles"),
        ("completes", "video_completes"),
    )
    out: dict[str, Any] = {
        "impressions": impressions,
        "starts": starts,
        "start_rate": percent(starts, impressions),
    }
    for name, column in stages:
        out[name] = get(column, 0)
    out["first_quartile_rate"] = percent(get("video_first_quartiles", 0), starts)
    out["midpoint_rate"] = percent(get("video_midpoints", 0), starts)
    out["third_quartile_rate"] = percent(get("video_third_quartiles", 0), starts)
    out["completion_rate"] = percent(get("video_completes", 0), starts)
    return out


def video_funnel(counts: Counts) -> list[dict[str, Any]]:
    """The quartile funnel: each stage's count and its share of starts."""
    get = counts.get
    starts = get("video_starts", 0)
    stages = (
        ("start", "video_starts"),
        ("firstQuartile", "video_first_quartiles"),
        ("midpoint", "video_midpoints"),
        ("thirdQuartile", "video_third_quartiles"),
        ("complete", "video_completes"),
    )
    return [
        {"stage": stage, "count": get(column, 0), "rate": percent(get(column, 0), starts)}
        for stage, column in stages
    ]


def viewability_figures(counts: Counts) -> dict[str, Any]:
    impressions, viewable = counts.get("impressions", 0), counts.get("viewable_impressions", 0)
    return {
        "impressions": impressions,
        "viewable_impressions": viewable,
        "viewable_rate": percent(viewable, impressions),
    }
