"""The financial report page: ``financial_report``, the function behind the API's
``reports/financial``, over a chosen period in the user's time zone, with a daily chart and
the same CSV the API answers with ``?format=csv``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.platform_settings import setting_get
from apps.reporting.exports import csv_response
from apps.reporting.reports import Report
from apps.reporting.reports.analytics import financial_report
from apps.reporting.scope import viewer_for

from ...daterange import DateRange, date_range_hint, date_range_resolve
from ..access import finance_page
from ..forms import DEFAULT_REPORT_PERIOD


def _report(request: HttpRequest) -> tuple[DateRange, Report | None]:
    viewer = viewer_for(request.user)
    date_range = date_range_resolve(request.GET, tz=viewer.tz, default=DEFAULT_REPORT_PERIOD)
    if date_range.rng is None:
        return date_range, None
    report = financial_report(viewer=viewer, rng=date_range.rng)
    summary = report.data["summary"]
    if not summary["total_impressions"] and summary["total_spend"] == "0.00":
        date_range_hint(date_range, where=viewer.where())
    return date_range, report


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
    date_range, result = _report(request)
    currency = setting_get("currency")
    context: dict[str, Any] = {
        "form": date_range.form,
        "date_range": date_range,
        "currency": currency,
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
    date_range, result = _report(request)
    if result is None:
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in date_range.form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    return csv_response(result)
