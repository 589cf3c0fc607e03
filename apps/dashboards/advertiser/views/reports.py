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
from apps.reporting.exports import csv_response
from apps.reporting.figures import stats, stats_columns
from apps.reporting.periods import range_resolve
from apps.reporting.reports import Report
from apps.reporting.reports.family import overview_report
from apps.reporting.reports.geo import devices_report, geo_report
from apps.reporting.scope import Viewer, viewer_filtered

from ...accounts.shared import SERVICE_ERRORS, form_add_errors
from ..acting import advertiser_page
from ..forms import ReportFilterForm
from ..stats import advertiser_viewer, chart_data

DEFAULT_PERIOD = "last_7_days"
CAMPAIGN_COLUMNS = ("campaign_id", "campaign")


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


def _resolve(request: HttpRequest) -> tuple[ReportFilterForm, Viewer | None, Any]:
    """The filter form, and when it is valid the scope and range it asks for."""
    campaigns = campaign_selectors.campaign_list(
        user=request.user, advertiser_id=request.advertiser.pk
    ).only("id", "name")
    data = request.GET.copy()
    data.setdefault("period", DEFAULT_PERIOD)
    form = ReportFilterForm(data, campaigns=campaigns)
    if not form.is_valid():
        return form, None, None
    viewer = advertiser_viewer(request.user, request.advertiser)
    campaign_id = form.cleaned_data.get("campaign")
    try:
        if campaign_id:
            viewer = viewer_filtered(viewer, {"campaign_id": campaign_id})
        custom = form.cleaned_data["period"] == "custom"
        rng = range_resolve(
            tz=viewer.tz,
            period=None if custom else form.cleaned_data["period"] or DEFAULT_PERIOD,
            first_day=form.cleaned_data.get("start") if custom else None,
            last_day=form.cleaned_data.get("end") if custom else None,
        )
    except NotFoundError as exc:
        raise Http404(str(exc.detail)) from exc
    except SERVICE_ERRORS as exc:
        form_add_errors(form, exc, field_map={"from": "start", "to": "end"})
        return form, None, None
    return form, viewer, rng


@advertiser_page
def reports(request: HttpRequest) -> HttpResponse:
    form, viewer, rng = _resolve(request)
    context: dict[str, Any] = {"form": form, "currency": request.advertiser.currency}
    status = 200
    if viewer is None:
        status = 422
    else:
        overview = overview_report(viewer=viewer, rng=rng)
        by_campaign = campaigns_report(viewer=viewer, rng=overview.rng)
        query = request.GET.copy()
        query.pop("table", None)
        context.update(
            report=overview.data,
            totals=overview.data["totals"],
            daily=overview.data["daily"],
            chart=chart_data(overview.data["daily"], request.advertiser.currency),
            campaign_rows=by_campaign.rows,
            geo_rows=geo_report(viewer=viewer, rng=overview.rng).rows,
            device_rows=devices_report(viewer=viewer, rng=overview.rng).rows,
            query=query.urlencode(),
        )
    return render(request, "dashboards/advertiser/reports.html", context, status=status)


@advertiser_page
def reports_csv(request: HttpRequest) -> HttpResponse:
    form, viewer, rng = _resolve(request)
    if viewer is None:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    if request.GET.get("table") == "campaigns":
        return csv_response(campaigns_report(viewer=viewer, rng=rng))
    return csv_response(overview_report(viewer=viewer, rng=rng))
