"""The network overview: platform-wide traffic, money, fill rate and invalid traffic.

Built like ``analytics/publishers/{id}`` (``entity_analytics``) but without an entity: the
delivery rollups and the zones' request counters through the reporting selectors, turned
into figures by ``apps.reporting.figures``, so every number follows the API's rounding rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from apps.reporting import selectors
from apps.reporting.figures import counts_total, daily_trend, settle, stats
from apps.reporting.money import money, percent
from apps.reporting.periods import ReportRange, range_resolve
from apps.reporting.scope import ZONE_COLUMNS, Viewer


def short_day(iso_day: str) -> str:
    """``2026-11-05`` → ``Nov 5``: chart labels that fit side by side."""
    day = date.fromisoformat(iso_day)
    return f"{day:%b} {day.day}"


@dataclass(frozen=True)
class Overview:
    rng: ReportRange
    totals: dict[str, Any]
    daily: list[dict[str, Any]]


def network_overview(viewer: Viewer, rng: ReportRange) -> Overview:
    """Totals and a zero-filled daily trend with spend, revenue, requests and fill rate."""
    rows = selectors.stats_by_zone_hour(where=viewer.where(), rng=rng, boundary=viewer.boundary)
    rows += selectors.zone_requests_by_hour(
        where=viewer.where(columns=ZONE_COLUMNS),
        rng=rng,
        impressions=selectors.impressions_index(rows),
    )
    rng = settle(rng, rows)
    money_fields = viewer.money_fields("spend")
    counts = counts_total(rows)
    totals = stats(counts, money_fields=money_fields, fill=True)
    # What the platform keeps, as the summary report computes it (spend - revenue).
    totals["platform_revenue"] = money(
        counts.get("spend_micros", 0) - counts.get("revenue_micros", 0)
    )
    invalid = counts.get("invalid_events", 0)
    totals["invalid_rate"] = percent(invalid, invalid + counts.get("impressions", 0))
    daily = daily_trend(rows, rng, money_fields=money_fields, fill=True)
    return Overview(rng=rng, totals=totals, daily=daily)


def overview_today_and_trend(viewer: Viewer, trend: ReportRange) -> tuple[Overview, Overview]:
    """Today, and the chosen range (of the date-range control), in the admin's time zone."""
    today = range_resolve(tz=viewer.tz, period="today")
    return network_overview(viewer, today), network_overview(viewer, trend)


def traffic_chart(daily: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [short_day(day["date"]) for day in daily],
        "datasets": [
            {"label": "Ad requests", "data": [day["requests"] for day in daily]},
            {"label": "Impressions", "data": [day["impressions"] for day in daily]},
            {"label": "Clicks", "data": [day["clicks"] for day in daily], "axis": "y1"},
        ],
    }


def money_chart(daily: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    return {
        "labels": [short_day(day["date"]) for day in daily],
        "datasets": [
            {"label": f"Spend ({currency})", "data": [day["spend"] for day in daily]},
            {
                "label": f"Publisher earnings ({currency})",
                "data": [day["revenue"] for day in daily],
            },
        ],
    }


def quality_chart(daily: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [short_day(day["date"]) for day in daily],
        "datasets": [
            {"label": "Fill rate (%)", "data": [str(day["fill_rate"]) for day in daily]},
            {
                "label": "Invalid events",
                "data": [day["invalid_events"] for day in daily],
                "axis": "y1",
            },
        ],
    }
