"""Campaigns: the list with today's pacing (the advertiser home), create, edit, detail with
its ads and a 30-day chart, and status changes (inline with htmx on the list)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.campaigns import selectors as campaign_selectors
from apps.campaigns import services as campaign_services
from apps.campaigns.models import CAMPAIGN_TRANSITIONS, Campaign, CampaignStatus
from apps.partners.models import PartnerIntake

from ...accounts.shared import SERVICE_ERRORS, form_add_errors, service_error_messages
from ...daterange import date_range_hint, date_range_resolve
from ..acting import advertiser_page
from ..forms import CampaignForm
from ..stats import (
    ads_totals,
    advertiser_kpis,
    advertiser_viewer,
    campaign_trend,
    campaign_viewer,
    campaigns_today,
    chart_data,
)
from .common import campaign_or_404, is_htmx, paginate, query_without_page
from .reports import campaigns_report

TOP_CAMPAIGNS = 5

# Button label, the status it moves to, and its style, per action name.
STATUS_ACTIONS = {
    "activate": ("Activate", CampaignStatus.ACTIVE, "btn-primary"),
    "resume": ("Resume", CampaignStatus.ACTIVE, "btn-primary"),
    "pause": ("Pause", CampaignStatus.PAUSED, ""),
    "complete": ("Complete", CampaignStatus.COMPLETED, ""),
    "archive": ("Archive", CampaignStatus.ARCHIVED, "btn-danger"),
}
STATUS_FILTERS = [("", "All but archived"), *CampaignStatus.choices]


def status_actions(campaign: Campaign) -> list[dict]:
    """The status buttons a campaign offers now (allowed transitions only)."""
    allowed = CAMPAIGN_TRANSITIONS.get(campaign.status, frozenset())
    actions = []
    for name, (label, target, style) in STATUS_ACTIONS.items():
        if target not in allowed:
            continue
        if name == "activate" and campaign.status != CampaignStatus.DRAFT:
            continue
        if name == "resume" and campaign.status == CampaignStatus.DRAFT:
            continue
        actions.append({"name": name, "label": label, "style": style})
    return actions


def _with_actions(campaigns: list[Campaign]) -> list[Campaign]:
    for campaign in campaigns:
        campaign.actions = status_actions(campaign)
    return campaigns


@advertiser_page
def campaign_list(request: HttpRequest) -> HttpResponse:
    advertiser = request.advertiser
    status = request.GET.get("status", "")
    if status not in CampaignStatus.values:
        status = ""
    search = request.GET.get("q", "").strip()[:100]
    campaigns = campaign_selectors.campaign_list(
        user=request.user, advertiser_id=advertiser.pk, status=status or None, search=search
    )
    if not status:
        campaigns = campaigns.exclude(status=CampaignStatus.ARCHIVED)
    page = paginate(request, campaigns)
    rows = _with_actions(list(page.object_list))
    viewer = advertiser_viewer(request.user, advertiser)
    pacing = campaigns_today(viewer=viewer, advertiser=advertiser, campaigns=rows)
    for campaign in rows:
        campaign.today = pacing[campaign.pk]
    kpis = advertiser_kpis(viewer)
    top = sorted(
        campaigns_report(viewer=viewer, rng=kpis.rng).rows,
        key=lambda row: (-Decimal(row["spend"]), -row["impressions"]),
    )[:TOP_CAMPAIGNS]
    context = {
        "kpis": kpis,
        "kpi_chart": chart_data(kpis.daily, advertiser.currency),
        "top_campaigns": top,
        "page": page,
        "campaigns": rows,
        "status": status,
        "search": search,
        "status_filters": STATUS_FILTERS,
        "query": query_without_page(request),
    }
    return render(request, "dashboards/advertiser/campaign_list.html", context)


@advertiser_page
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                advertiser = campaign_services.advertiser_acting(
                    user=request.user, advertiser_id=request.advertiser.pk
                )
                campaign, _ = campaign_services.campaign_create(
                    advertiser=advertiser, **form.service_kwargs()
                )
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, f"Campaign “{campaign.name}” created. Now add an ad.")
                return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    context = {"form": form, "campaign": None}
    return render(request, "dashboards/advertiser/campaign_form.html", context, status=status)


@advertiser_page
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    form = CampaignForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                campaign_services.campaign_update(campaign=campaign, **form.service_kwargs())
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, "Campaign saved.")
                return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    context = {"form": form, "campaign": campaign}
    return render(request, "dashboards/advertiser/campaign_form.html", context, status=status)


@advertiser_page
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    scope = campaign_viewer(request.user, campaign)
    date_range = date_range_resolve(request.GET, tz=scope.tz)
    viewer = advertiser_viewer(request.user, campaign.advertiser)
    ads = list(campaign_selectors.ad_list(user=request.user, campaign_id=campaign.pk))
    goals = campaign_selectors.conversion_goal_list(user=request.user, campaign_id=campaign.pk)
    today = campaigns_today(viewer=viewer, advertiser=campaign.advertiser, campaigns=[campaign])
    context = {
        "campaign": campaign,
        "actions": status_actions(campaign),
        "today": today[campaign.pk],
        "ads": ads,
        "goals": goals,
        "targeting": _targeting_summary(campaign.targeting or {}),
        # Campaigns made through the partner API always carry their ``source``.
        "intake": (
            PartnerIntake.objects.filter(campaign=campaign).select_related("partner").first()
            if campaign.source
            else None
        ),
        "date_range": date_range,
    }
    if date_range.rng is None:
        return render(request, "dashboards/advertiser/campaign_detail.html", context, status=422)
    report = campaign_trend(viewer=scope, campaign=campaign, rng=date_range.rng)
    stats = report.data["stats"]
    if not stats["impressions"] and not stats["clicks"]:
        date_range_hint(date_range, where=scope.where())
    per_ad = ads_totals(viewer=viewer, campaign=campaign, rng=report.rng)
    for ad in ads:
        ad.totals = per_ad.get(ad.pk)
    context.update(
        stats=stats,
        period=report.data,
        chart=chart_data(report.data["daily_trend"], campaign.advertiser.currency),
    )
    return render(request, "dashboards/advertiser/campaign_detail.html", context)


@advertiser_page
@require_POST
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Apply a status button (``action``) through ``campaign_transition``. An htmx request
    from the list gets the updated row back; others are redirected to where they came from."""
    campaign = campaign_or_404(request, campaign_id)
    action = request.POST.get("action", "")
    error = ""
    if action not in STATUS_ACTIONS:
        error = "Unknown action."
    else:
        _, target, _ = STATUS_ACTIONS[action]
        try:
            campaign = campaign_services.campaign_transition(campaign=campaign, status=target)
        except SERVICE_ERRORS as exc:
            error = " ".join(message for _, message in service_error_messages(exc))
    if is_htmx(request):
        campaign.actions = status_actions(campaign)
        viewer = advertiser_viewer(request.user, campaign.advertiser)
        pacing = campaigns_today(
            viewer=viewer, advertiser=campaign.advertiser, campaigns=[campaign]
        )
        campaign.today = pacing[campaign.pk]
        context = {"campaign": campaign, "row_error": error, "row_notice": "" if error else "Saved"}
        return render(request, "dashboards/advertiser/_campaign_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Campaign “{campaign.name}” is now {campaign.status}.")
    if request.POST.get("next") == "detail":
        return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    return redirect("advertiser:home")


DAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _targeting_summary(targeting: dict) -> list[tuple[str, str]]:
    """(label, value) lines for the targeting that restricts something."""
    lines = []
    for key, label in (
        ("countries", "Countries"),
        ("regions", "Regions"),
        ("devices", "Devices"),
        ("browsers", "Browsers"),
        ("os", "Operating systems"),
        ("categories", "Website categories"),
    ):
        if targeting.get(key):
            lines.append((label, ", ".join(str(v) for v in targeting[key])))
    if targeting.get("days"):
        lines.append(("Days", ", ".join(DAY_SHORT[d] for d in targeting["days"])))
    if targeting.get("hours"):
        lines.append(("Hours", ", ".join(f"{h:02d}" for h in targeting["hours"])))
    for key, label in (("websites", "Websites"), ("zones", "Zones")):
        lists = targeting.get(key) or {}
        if lists.get("include"):
            lines.append((f"{label} (only)", ", ".join(map(str, lists["include"]))))
        if lists.get("exclude"):
            lines.append((f"{label} (never)", ", ".join(map(str, lists["exclude"]))))
    return lines
