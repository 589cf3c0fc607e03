"""Seed 001's analytics and reports: one entity's stats and daily trend, the summary, and the
financial report.

Queries (besides the rollup boundary): an entity's analytics and the summary read the hours
before the rollup boundary from the rollups and the rest from ``HourlyStat`` (two queries;
one more for publishers and zones, which add ad requests and fills); the financial report
four (names are looked up inside the grouped queries).
"""

from __future__ import annotations

from typing import Any

from .. import selectors
from ..figures import (
    counts_add,
    counts_by_day,
    counts_total,
    daily_trend,
    settle,
    stats,
    stats_columns,
)
from ..money import money
from ..periods import ReportRange
from ..scope import Viewer
from . import Report

# Publisher and zone views add the zone side's requests and fills.
FILL_KINDS = ("publisher", "zone")
CORE_METRICS = selectors.CORE_METRICS
PARTY_METRICS = ("impressions", "clicks", "conversions", "spend_micros", "revenue_micros")


def entity_analytics(*, kind: str, entity_id: int, viewer: Viewer, rng: ReportRange) -> Report:
    """``analytics/{kind}s/{id}``: the entity's ``stats`` and a zero-filled ``daily_trend``.

    Campaigns and ads are advertiser views (spend first), publishers and zones publisher views
    (revenue first); admins and finance see both.
    """
    where = viewer.where()
    fill = kind in FILL_KINDS
    if fill:  # per zone and hour, so requests and fills stand beside their impressions
        rows = selectors.stats_by_zone_hour(where=where, rng=rng, boundary=viewer.boundary)
        shown = selectors.impressions_index(rows)
        rows += selectors.zone_requests_by_hour(where=where, rng=rng, impressions=shown)
    else:
        rows = selectors.stats_by_hour(where=where, rng=rng, boundary=viewer.boundary)
    rng = settle(rng, rows)
    money_fields = viewer.money_fields("revenue" if fill else "spend")
    trend = daily_trend(rows, rng, money_fields=money_fields, fill=fill)
    data = {
        f"{kind}_id": entity_id,
        **rng.describe(),
        "stats": stats(counts_total(rows), money_fields=money_fields, fill=fill),
        "daily_trend": trend,
    }
    columns = ["date", *stats_columns(money_fields, fill=fill)]
    return Report(name=f"{kind}-{entity_id}", rng=rng, data=data, columns=columns, rows=trend)


def _summary(
    viewer: Viewer, rng: ReportRange, rows: list[dict]
) -> tuple[ReportRange, dict, list[dict]]:
    rng = settle(rng, rows)
    counts = counts_total(rows)
    figures = stats(counts, money_fields=viewer.money_fields("spend"))
    summary: dict[str, Any] = {
        "total_impressions": figures["impressions"],
        "total_clicks": figures["clicks"],
        "ctr": figures["ctr"],
        "total_conversions": figures["conversions"],
        "conversion_rate": figures["conversion_rate"],
    }
    if viewer.sees_spend:
        summary["total_spend"] = figures["spend"]
        summary["total_conversion_value"] = figures["conversion_value"]
    if viewer.sees_revenue:
        summary["total_revenue"] = figures["revenue"]
    if viewer.sees_all:
        summary["platform_revenue"] = _platform(counts)
    summary.update(
        ecpm=figures["ecpm"],
        ecpc=figures["ecpc"],
        total_viewable_impressions=figures["viewable_impressions"],
        viewable_rate=figures["viewable_rate"],
        total_invalid_events=figures["invalid_events"],
    )
    by_day = counts_by_day(rows, rng)
    over_time = []
    for day in rng.days():
        day_counts = by_day.get(day, {})
        entry: dict[str, Any] = {"date": day.isoformat()}
        if viewer.sees_revenue:
            entry["revenue"] = money(day_counts.get("revenue_micros", 0))
        if viewer.sees_spend:
            entry["spend"] = money(day_counts.get("spend_micros", 0))
        if viewer.sees_all:
            entry["platform_revenue"] = _platform(day_counts)
        over_time.append(entry)
    return rng, summary, over_time


def _platform(counts: dict[str, int]) -> str:
    return money(counts.get("spend_micros", 0) - counts.get("revenue_micros", 0))


def summary_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """``reports``: the caller's own totals (platform-wide for admins and finance)."""
    rows = selectors.stats_by_hour(where=viewer.where(), rng=rng, boundary=viewer.boundary)
    rng, summary, over_time = _summary(viewer, rng, rows)
    data = {**rng.describe(), "summary": summary, "revenue_over_time": over_time}
    columns = list(over_time[0]) if over_time else ["date"]
    return Report(name="summary", rng=rng, data=data, columns=columns, rows=over_time)


def _financial_rows(viewer: Viewer, rng: ReportRange) -> tuple[list, list, list]:
    """Rows per hour, per advertiser and per publisher. Rolled-up hours come from the
    platform, advertiser and publisher rollups (three queries); the recent hours from one
    query per (hour, advertiser, publisher), summed here three ways."""
    where = viewer.where()
    hour_plan = selectors.rollup_plan(where)
    advertiser_plan = selectors.rollup_plan(where, "advertiser_id")
    publisher_plan = selectors.rollup_plan(where, "publisher_id")
    plans = (hour_plan, advertiser_plan, publisher_plan)
    boundary = viewer.boundary if all(plans) else None
    rolled, live = selectors.split(rng, boundary)
    hours: list[dict] = []
    advertisers: list[list[dict]] = []
    publishers: list[list[dict]] = []
    if rolled and hour_plan and advertiser_plan and publisher_plan:
        hours += selectors.rolled_by_hour(plan=hour_plan, bounds=rolled, metrics=CORE_METRICS)
        for target, plan, column, label in (
            (advertisers, advertiser_plan, "advertiser_id", selectors.advertiser_company),
            (publishers, publisher_plan, "publisher_id", selectors.publisher_name),
        ):
            target.append(
                selectors.rolled_by_column(
                    plan=plan, column=column, bounds=rolled, metrics=PARTY_METRICS, label=label
                )
            )
    if live:
        pairs = selectors.live_pairs_by_hour(bounds=live, metrics=CORE_METRICS, where=where)
        by_hour: dict = {}
        for row in pairs:
            counts_add(by_hour.setdefault(row["hour"], {"hour": row["hour"]}), _metrics(row))
        hours += list(by_hour.values())
        advertisers.append(_parties(pairs, "advertiser_id", "advertiser_label"))
        publishers.append(_parties(pairs, "publisher_id", "publisher_label"))
    return (
        hours,
        selectors.merge_by("advertiser_id", advertisers, PARTY_METRICS),
        selectors.merge_by("publisher_id", publishers, PARTY_METRICS),
    )


def _metrics(row: dict) -> dict:
    return {name: row[name] for name in CORE_METRICS}


def _parties(pairs: list[dict], column: str, label: str) -> list[dict]:
    """Live pair rows summed per advertiser (or publisher), as ``rolled_by_column`` rows."""
    out: dict[int, dict] = {}
    for row in pairs:
        entry = out.setdefault(
            row[column],
            {column: row[column], "label": row[label], "first_hour": row["hour"]},
        )
        for name in PARTY_METRICS:
            entry[name] = entry.get(name, 0) + row[name]
    return list(out.values())


def financial_report(*, viewer: Viewer, rng: ReportRange) -> Report:
    """``reports/financial`` (admin, finance): the summary plus what each advertiser spent and
    what each publisher earned, largest first."""
    hours, advertisers, publishers = _financial_rows(viewer, rng)
    rng, summary, over_time = _summary(viewer, rng, hours)
    advertisers.sort(key=lambda r: (-r["spend_micros"], r["advertiser_id"]))
    publishers.sort(key=lambda r: (-r["revenue_micros"], r["publisher_id"]))
    per_advertiser = [
        {
            "advertiser_id": r["advertiser_id"],
            "company": r["label"] or "",
            "spend": money(r["spend_micros"]),
            "impressions": r["impressions"],
            "clicks": r["clicks"],
            "conversions": r["conversions"],
        }
        for r in advertisers
    ]
    per_publisher = [
        {
            "publisher_id": r["publisher_id"],
            "name": r["label"] or "",
            "revenue": money(r["revenue_micros"]),
            "impressions": r["impressions"],
            "clicks": r["clicks"],
        }
        for r in publishers
    ]
    data = {
        **rng.describe(),
        "summary": summary,
        "revenue_over_time": over_time,
        "per_advertiser_revenue": per_advertiser,
        "per_publisher_payouts": per_publisher,
    }
    rows = [
        *(
            {"section": "advertiser", "id": r["advertiser_id"], "name": r["company"], **r}
            for r in per_advertiser
        ),
        *(
            {"section": "publisher", "id": r["publisher_id"], "name": r["name"], **r}
            for r in per_publisher
        ),
    ]
    columns = ["section", "id", "name", "impressions", "clicks", "spend", "revenue"]
    return Report(name="financial", rng=rng, data=data, columns=columns, rows=rows)
