"""Reports: the overview report of the shown advertiser (totals, a daily chart and table), a
per-campaign breakdown and the geo and device reports, over a chosen period, with CSV
downloads of the daily and campaign tables.

The figures are the API's: ``overview_report`` and the reporting selectors with the same
scope (``Viewer``) and range rules (``range_resolve``), so page, CSV and API agree.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import Campaign
from apps.common.errors import NotFoundError
from apps.reporting import selectors as report_selectors
from apps.reporting.figures import stats, stats_columns
from apps.reporting.reports import Report
from apps.reporting.reports.family import overview_report
from apps.reporting.reports.geo import devices_report, geo_report
from apps.reporting.scope import Viewer, viewer_filtered

from ...daterange import DateRange, date_range_hint, date_range_resolve
from ...tables import Column, table_csv, table_sort
from ..acting import advertiser_page
from ..forms import ReportFilterForm
from ..stats import advertiser_viewer, chart_data

CAMPAIGN_COLUMNS = ("campaign_id", "campaign")
# The tables the page shows (and their CSV): campaigns by spend, days newest first.
CAMPAIGN_TABLE = [
    Column("campaign", "Campaign"),
    Column("impressions", "Impressions", numeric=True),
    Column("clicks", "Clicks", numeric=True),
    Column("ctr", "CTR %", numeric=True),
    Column("conversions", "Conversions", numeric=True),
    Column("spend", "Spend", numeric=True),
    Column("ecpm", "eCPM", numeric=True),
]
DAILY_TABLE = [
    Column("date", "Date"),
    Column("impressions", "Impressions", numeric=True),
    Column("clicks", "Clicks", numeric=True),
    Column("ctr", "CTR %", numeric=True),
    Column("conversions", "Conversions", numeric=True),
    Column("spend", "Spend", numeric=True),
]


def _priced(columns: list[Column], currency: str) -> list[Column]:
    return [
        Column(c.key, f"{c.label} ({currency})", c.numeric) if c.key == "spend" else c
        for c in columns
    ]


def _tables(request: HttpRequest, overview: Report, by_campaign: Report) -> dict:
    currency = request.advertiser.currency
    return {
        "campaigns": table_sort(
            request,
            columns=_priced(CAMPAIGN_TABLE, currency),
            rows=by_campaign.rows,
            default="-spend",
        ),
        "daily": table_sort(
            request,
            columns=_priced(DAILY_TABLE, currency),
            rows=overview.data["daily"],
            default="-date",
            param="day_sort",
            page_param="day_page",
        ),
    }


def _campaign_name(ref: str) -> Subquery:
    return Subquery(Campaign.objects.filter(pk=OuterRef(ref)).values("name")[:1])


def campaigns_report(*, viewer: Viewer, rng) -> Report:
    """Totals per campaign over ``rng`` (one grouped read, names looked up in it); an open
    ``all`` range reads from the first data on."""
    rows = report_selectors.stats_by_column(
        column="campaign_id",
        where=viewer.where(),
        rng=rng,
        boundary=viewer.boundary,
        label=_campaign_name,
    )
    money_fields = viewer.money_fields("spend")
    table = [
        {
            "campaign_id": row["campaign_id"],
            "campaign": row.get("label") or f"Campaign {row['campaign_id']}",
            **stats(row, money_fields=money_fields),
        }
        for row in sorted(rows, key=lambda r: (-r["spend_micros"], -r["impressions"]))
    ]
    columns = [*CAMPAIGN_COLUMNS, *stats_columns(money_fields)]
    return Report(name="campaigns", rng=rng, data={"rows": table}, columns=columns, rows=table)


def _resolve(request: HttpRequest) -> tuple[DateRange, Viewer | None]:
    """The date-range control with the campaign filter, and when it is valid the scope."""
    campaigns = campaign_selectors.campaign_list(
        user=request.user, advertiser_id=request.advertiser.pk
    ).only("id", "name")
    viewer = advertiser_viewer(request.user, request.advertiser)
    date_range = date_range_resolve(
        request.GET,
        tz=viewer.tz,
        form_class=ReportFilterForm,
        form_kwargs={"campaigns": campaigns},
    )
    if date_range.rng is None:
        return date_range, None
    campaign_id = date_range.form.cleaned_data.get("campaign")
    try:
        if campaign_id:
            viewer = viewer_filtered(viewer, {"campaign_id": campaign_id})
    except NotFoundError as exc:
        raise Http404(str(exc.detail)) from exc
    return date_range, viewer


@advertiser_page
def reports(request: HttpRequest) -> HttpResponse:
    date_range, viewer = _resolve(request)
    form = date_range.form
    context: dict[str, Any] = {
        "form": form,
        "date_range": date_range,
        "extra_fields": [form["campaign"]],
        "currency": request.advertiser.currency,
    }
    status = 200
    if viewer is None:
        status = 422
    else:
        overview = overview_report(viewer=viewer, rng=date_range.rng)
        by_campaign = campaigns_report(viewer=viewer, rng=overview.rng)
        totals = overview.data["totals"]
        if not totals["impressions"] and not totals["clicks"]:
            date_range_hint(date_range, where=viewer.where())
        query = request.GET.copy()
        query.pop("table", None)
        tables = _tables(request, overview, by_campaign)
        context.update(
            report=overview.data,
            totals=totals,
            daily=overview.data["daily"],
            chart=chart_data(overview.data["daily"], request.advertiser.currency),
            campaign_rows=by_campaign.rows,
            campaign_table=tables["campaigns"],
            daily_table=tables["daily"],
            geo_rows=geo_report(viewer=viewer, rng=overview.rng).rows,
            device_rows=devices_report(viewer=viewer, rng=overview.rng).rows,
            query=query.urlencode(),
        )
    return render(request, "dashboards/advertiser/reports.html", context, status=status)


@advertiser_page
def reports_csv(request: HttpRequest) -> HttpResponse:
    date_range, viewer = _resolve(request)
    if viewer is None:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in date_range.form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    overview = overview_report(viewer=viewer, rng=date_range.rng)
    tables = _tables(request, overview, campaigns_report(viewer=viewer, rng=overview.rng))
    which = "campaigns" if request.GET.get("table") == "campaigns" else "daily"
    name = "campaigns" if which == "campaigns" else "overview"
    return table_csv(tables[which], filename=overview.rng.filename(name))
