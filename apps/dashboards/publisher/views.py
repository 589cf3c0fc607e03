"""Publisher pages: earnings, websites, zones with their embed codes, reports, payouts.

Reads go through ``apps.inventory.selectors`` and the reporting functions, writes through
``apps.inventory.services`` (validation, inventory-version bumps), exactly as the API's.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.platform_settings import setting_get
from apps.inventory import selectors, services
from apps.inventory.embed import zone_embed
from apps.inventory.models import Website, Zone
from apps.reporting.exports import csv_response
from apps.reporting.reports.family import overview_report

from ..accounts.shared import SERVICE_ERRORS, form_add_errors
from ..daterange import date_range_hint, date_range_resolve
from ..tables import Column, table_csv, table_sort
from . import stats
from .access import publisher_page, website_or_404, zone_or_404
from .forms import PayoutForm, ReportFilterForm, WebsiteForm, ZoneForm

EMBED_KINDS = (
    ("async_js", "Async JavaScript tag", "Recommended. Loads without slowing your page down."),
    ("iframe", "Iframe", "For pages that cannot run third-party scripts."),
    ("image", "Image and link", "For emails and <noscript> blocks: a plain image in a link."),
)


def _currency() -> str:
    return setting_get("currency")


# --- Home ---------------------------------------------------------------------------------


@require_GET
@publisher_page
def home(request: HttpRequest) -> HttpResponse:
    viewer = stats.publisher_viewer(request.user, request.publisher)
    date_range = date_range_resolve(request.GET, tz=viewer.tz)
    earnings, last_30 = stats.earnings_summary(viewer)
    currency = _currency()
    context = {
        "publisher": request.publisher,
        "earnings": earnings,
        "date_range": date_range,
        "currency": currency,
        "share_percent": stats.share_percent(request.publisher),
        "website_count": selectors.website_list(user=request.user).count(),
        "zone_count": selectors.zone_list(user=request.user).count(),
    }
    if date_range.rng is None:
        return render(request, "dashboards/publisher/home.html", context, status=422)
    chosen = last_30
    if (date_range.rng.first_day, date_range.rng.last_day) != (
        last_30.rng.first_day,
        last_30.rng.last_day,
    ):
        chosen = overview_report(viewer=viewer, rng=date_range.rng)
    totals = chosen.data["totals"]
    top_zones = stats.top_zones(viewer, chosen.rng)
    if not totals["impressions"] and not top_zones:
        date_range_hint(date_range, where=viewer.where())
    context.update(
        chosen=totals,
        chart=stats.daily_chart(chosen.data["daily"], currency),
        top_zones=top_zones,
        range_label=stats.days_label(chosen.rng),
    )
    return render(request, "dashboards/publisher/home.html", context)


# --- Websites -----------------------------------------------------------------------------


@require_GET
@publisher_page
def websites(request: HttpRequest) -> HttpResponse:
    rows = selectors.website_list(user=request.user).annotate(zone_count=Count("zones"))
    return render(
        request,
        "dashboards/publisher/websites.html",
        {"publisher": request.publisher, "websites": rows},
    )


@require_http_methods(["GET", "POST"])
@publisher_page
def website_create(request: HttpRequest) -> HttpResponse:
    form = WebsiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            website = services.website_create(publisher=request.publisher, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, f"Website “{website.name}” added. Now add a zone to it.")
            return redirect("publisher:website_detail", website_id=website.pk)
    return render(
        request,
        "dashboards/publisher/website_form.html",
        {"publisher": request.publisher, "form": form, "website": None},
        status=422 if form.errors else 200,
    )


@require_GET
@publisher_page
def website_detail(request: HttpRequest, website_id: int) -> HttpResponse:
    website = website_or_404(request, website_id)
    zones = selectors.zone_list(user=request.user, website_id=website.pk)
    return render(
        request,
        "dashboards/publisher/website_detail.html",
        {
            "publisher": request.publisher,
            "website": website,
            "zones": zones,
            "currency": _currency(),
        },
    )


@require_http_methods(["GET", "POST"])
@publisher_page
def website_edit(request: HttpRequest, website_id: int) -> HttpResponse:
    website = website_or_404(request, website_id)
    initial = {"name": website.name, "url": website.url, "category": website.category}
    form = WebsiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.website_update(website=website, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
            website.refresh_from_db()
        else:
            messages.success(request, f"Website “{website.name}” saved.")
            return redirect("publisher:website_detail", website_id=website.pk)
    return render(
        request,
        "dashboards/publisher/website_form.html",
        {"publisher": request.publisher, "form": form, "website": website},
        status=422 if form.errors else 200,
    )


# --- Zones --------------------------------------------------------------------------------


@require_GET
@publisher_page
def zones(request: HttpRequest) -> HttpResponse:
    sites = list(selectors.website_list(user=request.user))
    website_id = request.GET.get("website")
    selected: Website | None = None
    if website_id and website_id.isdigit():
        selected = next((site for site in sites if site.pk == int(website_id)), None)
    rows = selectors.zone_list(user=request.user, website_id=selected.pk if selected else None)
    return render(
        request,
        "dashboards/publisher/zones.html",
        {
            "publisher": request.publisher,
            "zones": rows,
            "websites": sites,
            "selected": selected,
            "currency": _currency(),
        },
    )


@require_http_methods(["GET", "POST"])
@publisher_page
def zone_create(request: HttpRequest, website_id: int) -> HttpResponse:
    website = website_or_404(request, website_id)
    form = ZoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            zone = services.zone_create(website=website, **form.service_fields())
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request, f"Zone “{zone.name}” created. Copy its code below into your page."
            )
            return redirect("publisher:zone_detail", zone_id=zone.pk)
    return render(
        request,
        "dashboards/publisher/zone_form.html",
        {"publisher": request.publisher, "form": form, "website": website, "zone": None},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@publisher_page
def zone_edit(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone = zone_or_404(request, zone_id)
    initial = {
        "name": zone.name,
        "type": zone.type,
        "width": zone.width,
        "height": zone.height,
        "floor_price": zone.floor_price,
        "status": zone.status,
    }
    form = ZoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.zone_update(zone=zone, **form.service_fields())
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
            zone.refresh_from_db()
        else:
            messages.success(request, f"Zone “{zone.name}” saved.")
            return redirect("publisher:zone_detail", zone_id=zone.pk)
    return render(
        request,
        "dashboards/publisher/zone_form.html",
        {"publisher": request.publisher, "form": form, "website": zone.website, "zone": zone},
        status=422 if form.errors else 200,
    )


@require_GET
@publisher_page
def zone_detail(request: HttpRequest, zone_id: int) -> HttpResponse:
    zone: Zone = zone_or_404(request, zone_id)
    embed = zone_embed(zone=zone)
    codes = [
        {"kind": kind, "title": title, "help": help_text, "code": embed[kind]}
        for kind, title, help_text in EMBED_KINDS
    ]
    viewer = stats.zone_viewer(request.user, zone)
    date_range = date_range_resolve(request.GET, tz=viewer.tz)
    currency = _currency()
    context = {
        "publisher": request.publisher,
        "zone": zone,
        "website": zone.website,
        "codes": codes,
        "preview_url": embed["urls"]["iframe"],
        "currency": currency,
        "date_range": date_range,
    }
    if date_range.rng is None:
        return render(request, "dashboards/publisher/zone_detail.html", context, status=422)
    report = stats.zone_trend(viewer, zone, date_range.rng)
    figures = report.data["stats"]
    if not figures["impressions"] and not figures["requests"]:
        date_range_hint(date_range, where=viewer.where())
    context.update(
        stats=figures,
        period=report.data,
        chart=stats.daily_chart(report.data["daily_trend"], currency),
    )
    return render(request, "dashboards/publisher/zone_detail.html", context)


# --- Reports ------------------------------------------------------------------------------


@require_GET
@publisher_page
def reports(request: HttpRequest) -> HttpResponse:
    zone_choices = selectors.zone_list(user=request.user).select_related("website")
    viewer = stats.publisher_viewer(request.user, request.publisher)
    date_range = date_range_resolve(
        request.GET,
        tz=viewer.tz,
        form_class=ReportFilterForm,
        form_kwargs={"zones": zone_choices},
    )
    form = date_range.form
    built = None
    if date_range.rng is not None:
        zone_id = form.cleaned_data.get("zone")
        try:
            if request.GET.get("format") == "csv":
                kind = request.GET.get("report", "overview")
                if kind not in stats.REPORT_KINDS:
                    kind = "overview"
                report = stats.report_for(viewer, zone_id, date_range.rng, kind)
                if kind == "hourly":  # a chart, not a table: the API's CSV
                    return csv_response(report)
                table = _tables(request, report, kind)
                return table_csv(table, filename=report.rng.filename(report.name))
            built = stats.reports_for(viewer, zone_id, date_range.rng)
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc, field_map={"from": "start", "to": "end", "zone_id": "zone"})
    currency = _currency()
    context = {
        "publisher": request.publisher,
        "form": form,
        "date_range": date_range,
        "extra_fields": [form["zone"]],
        "currency": currency,
    }
    if built is not None:
        overview = built["overview"]
        zone_totals = built["zones"].data["totals"]
        if not overview.data["totals"]["impressions"] and not zone_totals["requests"]:
            date_range_hint(date_range, where=viewer.where())
        query = request.GET.copy()
        query.pop("format", None)
        query.pop("report", None)
        context.update(
            overview=overview.data,
            range_label=stats.days_label(overview.rng),
            daily_chart=stats.daily_chart(overview.data["daily"], currency),
            hourly=built["hourly"].data,
            hourly_chart=stats.hourly_chart(built["hourly"].data["hours"], currency),
            zone_rows=built["zones"].data["zones"],
            zone_table=_tables(request, built["zones"], "zones"),
            daily_table=_tables(request, overview, "overview"),
            zone_totals=zone_totals,
            geo_rows=built["geo"].rows,
            device_rows=built["devices"].rows,
            csv_urls={
                kind: f"{reverse('publisher:reports')}?{_with(query, format='csv', report=kind)}"
                for kind in stats.REPORT_KINDS
            },
        )
    status = 422 if form.errors else 200
    return render(request, "dashboards/publisher/reports.html", context, status=status)


def _report_columns(kind: str) -> list[Column]:
    currency = _currency()
    if kind == "zones":
        return [
            Column("zone_name", "Zone"),
            Column("floor_price", "Floor (CPM)", numeric=True),
            Column("requests", "Ad requests", numeric=True),
            Column("fill_rate", "Fill rate %", numeric=True),
            Column("impressions", "Impressions", numeric=True),
            Column("clicks", "Clicks", numeric=True),
            Column("revenue", f"Earnings ({currency})", numeric=True),
        ]
    return [
        Column("date", "Date"),
        Column("impressions", "Impressions", numeric=True),
        Column("clicks", "Clicks", numeric=True),
        Column("ctr", "CTR %", numeric=True),
        Column("revenue", f"Earnings ({currency})", numeric=True),
        Column("ecpm", "eCPM", numeric=True),
    ]


def _tables(request: HttpRequest, report, kind: str):
    """The page's zone or day table (sorted as the URL says), also its CSV."""
    if kind == "zones":
        return table_sort(
            request,
            columns=_report_columns(kind),
            rows=report.data["zones"],
            default="-revenue",
            param="zone_sort",
            page_param="zone_page",
        )
    return table_sort(
        request,
        columns=_report_columns(kind),
        rows=report.data["daily"],
        default="-date",
        param="day_sort",
        page_param="day_page",
    )


def _with(query, **extra) -> str:
    query = query.copy()
    for key, value in extra.items():
        query[key] = value
    return query.urlencode()


# --- Payout settings ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@publisher_page
def payout(request: HttpRequest) -> HttpResponse:
    publisher = request.publisher
    form = PayoutForm(request.POST or None, initial=PayoutForm.initial_for(publisher))
    if request.method == "POST" and form.is_valid():
        try:
            services.publisher_update(
                publisher=publisher,
                actor=request.user,
                payout_method=form.cleaned_data["payout_method"],
                payout_details=form.payout_details(),
            )
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Payout settings saved.")
            return redirect("publisher:payout")
    return render(
        request,
        "dashboards/publisher/payout.html",
        {
            "publisher": publisher,
            "form": form,
            "minimum_payout": setting_get("minimum_payout"),
            "share_percent": stats.share_percent(publisher),
            "currency": _currency(),
        },
        status=422 if form.errors else 200,
    )
