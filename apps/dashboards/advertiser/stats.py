"""Figures the advertiser pages show, read through the reporting selectors and report
builders the API uses (rollups before the boundary, ``HourlyStat`` after), never per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.campaigns.models import Advertiser, Campaign, CampaignStatus
from apps.reporting import selectors as report_selectors
from apps.reporting.figures import counts_total, daily_trend, stats
from apps.reporting.money import MICROS, money, percent
from apps.reporting.periods import ReportRange, range_resolve, tz_get
from apps.reporting.reports import Report
from apps.reporting.reports.analytics import entity_analytics
from apps.reporting.scope import Viewer, viewer_for_entity

TODAY_METRICS = ("impressions", "clicks", "spend_micros")


def advertiser_viewer(user: User, advertiser: Advertiser) -> Viewer:
    """The report scope of one advertiser's pages, in the advertiser's time zone (the
    advertiser was found visible to ``user`` by the campaign selectors)."""
    return viewer_for_entity(
        user,
        conditions={"advertiser_id": advertiser.pk},
        tz_name=advertiser.timezone,
        timezone_name=None,
    )


@dataclass(frozen=True)
class Pacing:
    """Spend today against the daily budget, and how much of the local day has passed."""

    spend: str
    impressions: int
    clicks: int
    budget_used: Decimal | None  # percent of the daily budget, None without one
    over_budget: bool
    day_elapsed: Decimal
    running: bool = True  # only an active campaign paces; others get no verdict

    @property
    def meter_value(self) -> int:
        return int(min(self.budget_used or 0, Decimal(100)))

    @property
    def state(self) -> str:
        """``ahead`` when spending faster than the day passes (by 10 points), ``behind`` when
        well slower, else ``on_pace``; ``capped`` at the budget; ``""`` without budget."""
        if self.budget_used is None or not self.running:
            return ""
        if self.over_budget:
            return "capped"
        if self.budget_used > self.day_elapsed + 10:
            return "ahead"
        if self.budget_used + 10 < self.day_elapsed:
            return "behind"
        return "on_pace"


def day_elapsed(tz_name: str, now: datetime | None = None) -> Decimal:
    local = (now or timezone.now()).astimezone(tz_get(tz_name))
    minutes = local.hour * 60 + local.minute
    return percent(minutes, 24 * 60)


def today_range(advertiser: Advertiser) -> ReportRange:
    return range_resolve(tz=tz_get(advertiser.timezone), period="today")


def pacing_for(campaign: Campaign, counts: dict[str, int], elapsed: Decimal) -> Pacing:
    spend_micros = counts.get("spend_micros", 0)
    budget = campaign.daily_budget
    used = None
    over = False
    if budget:
        budget_micros = int(budget * MICROS)
        used = percent(spend_micros, budget_micros)
        over = spend_micros >= budget_micros
    elif budget is not None:  # a zero daily budget spends nothing
        used, over = Decimal(100), True
    return Pacing(
        spend=money(spend_micros),
        impressions=counts.get("impressions", 0),
        clicks=counts.get("clicks", 0),
        budget_used=used,
        over_budget=over,
        day_elapsed=elapsed,
        running=campaign.status == CampaignStatus.ACTIVE,
    )


def campaigns_today(
    *, viewer: Viewer, advertiser: Advertiser, campaigns: list[Campaign]
) -> dict[int, Pacing]:
    """Today's pacing of each campaign, from one grouped read of the stats."""
    if not campaigns:
        return {}
    rows = report_selectors.stats_by_column(
        column="campaign_id",
        where={**viewer.where(), "campaign_id__in": [c.pk for c in campaigns]},
        rng=today_range(advertiser),
        boundary=viewer.boundary,
        metrics=TODAY_METRICS,
    )
    by_campaign = {row["campaign_id"]: row for row in rows}
    elapsed = day_elapsed(advertiser.timezone)
    return {c.pk: pacing_for(c, by_campaign.get(c.pk, {}), elapsed) for c in campaigns}


def campaign_viewer(user: User, campaign: Campaign) -> Viewer:
    """The report scope of one campaign's page (the advertiser's time zone)."""
    return viewer_for_entity(
        user,
        conditions={"campaign_id": campaign.pk},
        tz_name=campaign.advertiser.timezone,
        timezone_name=None,
    )


def campaign_trend(*, viewer: Viewer, campaign: Campaign, rng: ReportRange) -> Report:
    """The campaign's analytics (stats and zero-filled daily trend), as the API builds them."""
    return entity_analytics(kind="campaign", entity_id=campaign.pk, viewer=viewer, rng=rng)


def ads_totals(*, viewer: Viewer, campaign: Campaign, rng: ReportRange) -> dict[int, dict]:
    """Impressions, clicks and spend per ad of ``campaign`` over ``rng`` (one grouped read)."""
    rows = report_selectors.stats_by_column(
        column="ad_id",
        where={**viewer.where(), "campaign_id": campaign.pk},
        rng=rng,
        boundary=viewer.boundary,
        metrics=TODAY_METRICS,
    )
    return {
        row["ad_id"]: {
            "impressions": row["impressions"],
            "clicks": row["clicks"],
            "ctr": percent(row["clicks"], row["impressions"]),
            "spend": money(row["spend_micros"]),
        }
        for row in rows
    }


def chart_data(trend: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    """The ``charts.js`` spec of a daily trend: counts on the left axis, spend on the right."""
    return {
        "labels": [day["date"] for day in trend],
        "datasets": [
            {"label": "Impressions", "data": [day["impressions"] for day in trend]},
            {"label": "Clicks", "data": [day["clicks"] for day in trend]},
            {
                "label": f"Spend ({currency})",
                "data": [day.get("spend", "0.00") for day in trend],
                "axis": "y1",
            },
        ],
    }


@dataclass(frozen=True)
class Kpis:
    """The advertiser home's figures: 7 and 30 days, the daily trend, the top campaigns."""

    last_7: dict[str, Any]
    last_30: dict[str, Any]
    rng: ReportRange
    daily: list[dict[str, Any]]


def advertiser_kpis(viewer: Viewer) -> Kpis:
    """7- and 30-day totals and the 30-day trend from one read of the rollups (two queries),
    by the report figures' rules (money from micros, rounded once)."""
    rng = range_resolve(tz=viewer.tz, period="last_30_days")
    week = range_resolve(tz=viewer.tz, period="last_7_days")
    rows = report_selectors.stats_by_hour(where=viewer.where(), rng=rng, boundary=viewer.boundary)
    money_fields = viewer.money_fields("spend")
    recent = [row for row in rows if row["hour"] >= week.start_utc]
    return Kpis(
        last_7=stats(counts_total(recent), money_fields=money_fields),
        last_30=stats(counts_total(rows), money_fields=money_fields),
        rng=rng,
        daily=daily_trend(rows, rng, money_fields=money_fields),
    )
