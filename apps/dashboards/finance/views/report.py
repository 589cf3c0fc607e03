"""The financial report page: ``financial_report``, the function behind the API's
``reports/financial``, over a chosen period in the user's time zone, with a daily chart and
the same CSV the API answers with ``?format=csv``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.platform_settings import setting_get
from apps.billing import clock
from apps.reporting.exports import csv_response
from apps.reporting.periods import range_resolve
from apps.reporting.reports import Report
from apps.reporting.reports.analytics import financial_report
from apps.reporting.scope import viewer_for

from ...accounts.shared import SERVICE_ERRORS, form_add_errors
from ..access import finance_page
from ..forms import REPORT_PERIODS, ReportPeriodForm


def _report(request: HttpRequest) -> tuple[ReportPeriodForm, Report | None]:
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    viewer = viewer_for(request.user)
    period, first, last = form.bounds(clock.now().astimezone(viewer.tz).date())
    try:
        rng = range_resolve(tz=viewer.tz, period=period, first_day=first, last_day=last)
    except SERVICE_ERRORS as exc:
        form_add_errors(form, exc, field_map={"from": "start", "to": "end"})
        return form, None
    return form, financial_report(viewer=viewer, rng=rng)


def chart_data(over_time: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    """The ``charts.js`` spec: spend, publisher earnings and the platform's margin per day."""
    return {
        "labels": [day["date"] for day in over_time],
        "datasets": [
            {"label": f"Advertiser spend ({currency})", "data": [d["spend"] for d in over_time]},
            {
                "label": f"Publisher earnings ({currency})",
                "data": [d["revenue"] for d in over_time],
            },
            {
                "label": f"Platform revenue ({currency})",
                "data": [d["platform_revenue"] for d in over_time],
            },
        ],
    }


@require_GET
@finance_page
def report(request: HttpRequest) -> HttpResponse:
    form, result = _report(request)
    currency = setting_get("currency")
    context: dict[str, Any] = {
        "form": form,
        "currency": currency,
        "period_label": dict(REPORT_PERIODS).get(form.cleaned_data.get("period", ""), ""),
    }
    if result is None:
        return render(request, "dashboards/finance/report.html", context, status=422)
    data = result.data
    context.update(
        report=data,
        summary=data["summary"],
        advertisers=data["per_advertiser_revenue"],
        publishers=data["per_publisher_payouts"],
        chart=chart_data(data["revenue_over_time"], currency),
        query=request.GET.urlencode(),
    )
    return render(request, "dashboards/finance/report.html", context)


@require_GET
@finance_page
def report_csv(request: HttpRequest) -> HttpResponse:
    form, result = _report(request)
    if result is None:
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    return csv_response(result)
