"""Figures the publisher pages show, built by the report functions the API answers with.

A publisher sees revenue (its share of what advertisers paid), never spend: the reports'
``Viewer`` decides that, so the pages cannot show more than ``/api/v1/reports`` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.accounts.models import User
from apps.inventory.models import Publisher, Zone
from apps.reporting.periods import ReportRange, range_resolve
from apps.reporting.reports import Report
from apps.reporting.reports.analytics import entity_analytics
from apps.reporting.reports.family import floor_report, hourly_report, overview_report
from apps.reporting.reports.geo import devices_report, geo_report
from apps.reporting.scope import Viewer, viewer_filtered, viewer_for_entity

from ..staff.stats import short_day

TOP_ZONES = 5


def publisher_viewer(user: User, publisher: Publisher) -> Viewer:
    """The report scope of the publisher's own pages, in the user's time zone (as
    ``analytics/publishers/{id}`` reads it)."""
    return viewer_for_entity(
        user,
        conditions={"publisher_id": publisher.pk},
        tz_name=user.timezone,
        timezone_name=None,
    )


@dataclass(frozen=True)
class Earnings:
    label: str
    rng: ReportRange
    totals: dict[str, Any]


def earnings_summary(viewer: Viewer) -> tuple[list[Earnings], Report]:
    """Today, this month and the last 30 days; the last report also feeds the chart."""
    today = range_resolve(tz=viewer.tz, period="today")
    month = range_resolve(
        tz=viewer.tz, first_day=today.last_day.replace(day=1), last_day=today.last_day
    )
    last_30 = range_resolve(tz=viewer.tz, period="last_30_days")
    out = []
    report = None
    for label, rng in (("Today", today), ("This month", month), ("Last 30 days", last_30)):
        report = overview_report(viewer=viewer, rng=rng)
        out.append(Earnings(label=label, rng=report.rng, totals=report.data["totals"]))
    assert report is not None
    return out, report


def top_zones(viewer: Viewer, rng: ReportRange, limit: int = TOP_ZONES) -> list[dict[str, Any]]:
    """The zones that earned most over ``rng`` (the floor report's rows, by revenue)."""
    rows = floor_report(viewer=viewer, rng=rng).data["zones"]
    rows = [row for row in rows if row["impressions"] or row["requests"]]
    rows.sort(key=lambda row: (-float(row["revenue"]), -row["impressions"], row["zone_id"]))
    return rows[:limit]


def zone_viewer(user: User, zone: Zone) -> Viewer:
    """The report scope of one zone's page (the user's time zone, as the API's)."""
    return viewer_for_entity(
        user, conditions={"zone_id": zone.pk}, tz_name=user.timezone, timezone_name=None
    )


def zone_trend(viewer: Viewer, zone: Zone, rng: ReportRange) -> Report:
    """The zone's analytics (stats with fill rate, zero-filled daily trend) as the API's."""
    return entity_analytics(kind="zone", entity_id=zone.pk, viewer=viewer, rng=rng)


REPORT_KINDS = ("overview", "hourly", "zones")


def _zone_viewer(viewer: Viewer, zone_id: int | None) -> Viewer:
    return viewer_filtered(viewer, {"zone_id": zone_id} if zone_id else {})


def reports_for(viewer: Viewer, zone_id: int | None, rng: ReportRange) -> dict[str, Report]:
    """The report page's reports (daily, hour of day, per zone, per country, per device
    class) for the filters."""
    viewer = _zone_viewer(viewer, zone_id)
    return {
        "overview": overview_report(viewer=viewer, rng=rng),
        "hourly": hourly_report(viewer=viewer, rng=rng, bucket="hour_of_day"),
        "zones": floor_report(viewer=viewer, rng=rng),
        "geo": geo_report(viewer=viewer, rng=rng),
        "devices": devices_report(viewer=viewer, rng=rng),
    }


def report_for(viewer: Viewer, zone_id: int | None, rng: ReportRange, kind: str) -> Report:
    """One of the page's reports, for its CSV download."""
    viewer = _zone_viewer(viewer, zone_id)
    if kind == "hourly":
        return hourly_report(viewer=viewer, rng=rng, bucket="hour_of_day")
    if kind == "zones":
        return floor_report(viewer=viewer, rng=rng)
    return overview_report(viewer=viewer, rng=rng)


def daily_chart(daily: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    """``charts.js`` spec: impressions and clicks on the left axis, earnings on the right."""
    return {
        "labels": [short_day(day["date"]) for day in daily],
        "datasets": [
            {"label": "Impressions", "data": [day["impressions"] for day in daily]},
            {"label": "Clicks", "data": [day["clicks"] for day in daily]},
            {
                "label": f"Earnings ({currency})",
                "data": [day.get("revenue", "0.00") for day in daily],
                "axis": "y1",
            },
        ],
    }


def hourly_chart(hours: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    return {
        "labels": [f"{row['hour']:02d}:00" for row in hours],
        "datasets": [
            {"label": "Impressions", "data": [row["impressions"] for row in hours]},
            {
                "label": f"Earnings ({currency})",
                "data": [row.get("revenue", "0.00") for row in hours],
                "axis": "y1",
            },
        ],
    }


def days_label(rng: ReportRange) -> str:
    if rng.first_day is None or rng.first_day == rng.last_day:
        return rng.last_day.isoformat()
    return f"{rng.first_day.isoformat()} – {rng.last_day.isoformat()}"


def share_percent(publisher: Publisher) -> str:
    """``0.7000`` → ``"70"``, ``0.7250`` → ``"72.5"``."""
    return f"{(publisher.revenue_share * 100).normalize():f}"
