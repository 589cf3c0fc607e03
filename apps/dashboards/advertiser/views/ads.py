"""Ads (creatives): the list, create and edit per type with a live preview, pause/resume and
delete. Advertiser text is always escaped; HTML creatives are previewed only inside a
sandboxed ``<iframe srcdoc>`` (an opaque origin), never inserted into the page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.campaigns import selectors as campaign_selectors
from apps.campaigns import services as campaign_services
from apps.campaigns.models import AD_REQUIRED_FIELDS, AdStatus, ReviewStatus
from apps.common.adformats import STANDARD_SIZES, AdType

from ...accounts.shared import SERVICE_ERRORS, form_add_errors, message_service_error
from ..acting import advertiser_page
from ..forms import CREATIVE_FORM_FIELDS, TYPE_FIELDS, AdForm
from .common import ad_or_404, campaign_or_404, live_campaigns, paginate, query_without_page

SIZES = [f"{w}×{h}" for w, h in STANDARD_SIZES]


def _form_context(form: AdForm, **extra) -> dict:
    """The form, and its creative fields each with the ad types that use it (the page shows
    only the current type's fields)."""
    creative = []
    for name in CREATIVE_FORM_FIELDS:
        types = [t for t, fields in TYPE_FIELDS.items() if name in fields]
        required = [t for t in types if name in AD_REQUIRED_FIELDS.get(t, ())]
        value = form[name].value()
        creative.append(
            {
                "field": form[name],
                "types": " ".join(types),
                "required_for": " ".join(required),
                "filled": value not in (None, "") and str(value).strip() != "",
            }
        )
    return {"form": form, "creative_fields": creative, "sizes": SIZES, **extra}


@advertiser_page
def ad_list(request: HttpRequest) -> HttpResponse:
    review = request.GET.get("review", "")
    ad_type = request.GET.get("type", "")
    ads = campaign_selectors.ad_list(
        user=request.user,
        advertiser_id=request.advertiser.pk,
        review_status=review if review in ReviewStatus.values else None,
        ad_type=ad_type if ad_type in AdType.values else None,
    )
    page = paginate(request, ads)
    context = {
        "page": page,
        "ads": page.object_list,
        "review": review,
        "ad_type": ad_type,
        "review_choices": ReviewStatus.choices,
        "type_choices": AdType.choices,
        "query": query_without_page(request),
    }
    return render(request, "dashboards/advertiser/ad_list.html", context)


@advertiser_page
@require_http_methods(["GET", "POST"])
def ad_create(request: HttpRequest) -> HttpResponse:
    campaigns = list(live_campaigns(request))
    if not campaigns:
        messages.info(request, "Create a campaign first: every ad belongs to one.")
        return redirect("advertiser:campaign_create")
    initial = {
        "campaign": request.GET.get("campaign"),
        "type": request.GET.get("type"),
        "destination_url": request.GET.get("destination_url", "")[:2000],
    }
    form = AdForm(
        request.POST or None,
        campaigns=campaigns,
        initial={k: v for k, v in initial.items() if v},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                campaign = campaign_or_404(request, form.cleaned_data["campaign"])
                ad = campaign_services.ad_create(
                    campaign=campaign, actor=request.user, **form.service_kwargs()
                )
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc, field_map={"campaign_id": "campaign"})
            else:
                if ad.review_status == ReviewStatus.APPROVED:
                    messages.success(request, f"Ad “{ad.name}” created and approved.")
                else:
                    messages.success(
                        request, f"Ad “{ad.name}” created. It serves once our team approves it."
                    )
                return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    return render(
        request,
        "dashboards/advertiser/ad_form.html",
        _form_context(form, ad=None),
        status=status,
    )


@advertiser_page
@require_http_methods(["GET", "POST"])
def ad_edit(request: HttpRequest, ad_id: int) -> HttpResponse:
    ad = ad_or_404(request, ad_id)
    campaigns = list(live_campaigns(request))
    if ad.campaign not in campaigns:
        campaigns.insert(0, ad.campaign)
    initial = {**AdForm.initial_for(ad), "campaign": ad.campaign_id}
    form = AdForm(request.POST or None, campaigns=campaigns, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                fields = form.service_kwargs()
                if form.cleaned_data["campaign"] != ad.campaign_id:
                    fields["campaign"] = campaign_or_404(request, form.cleaned_data["campaign"])
                ad = campaign_services.ad_update(ad=ad, actor=request.user, **fields)
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc, field_map={"campaign_id": "campaign"})
            else:
                if ad.review_status == ReviewStatus.PENDING:
                    messages.success(request, "Ad saved. The changed creative awaits review.")
                else:
                    messages.success(request, "Ad saved.")
                return redirect("advertiser:campaign_detail", campaign_id=ad.campaign_id)
    return render(
        request,
        "dashboards/advertiser/ad_form.html",
        _form_context(form, ad=ad),
        status=status,
    )


@advertiser_page
@require_POST
def ad_status(request: HttpRequest, ad_id: int) -> HttpResponse:
    ad = ad_or_404(request, ad_id)
    target = request.POST.get("status", "")
    if target not in AdStatus.values:
        messages.error(request, "Unknown status.")
    else:
        try:
            ad = campaign_services.ad_update(ad=ad, actor=request.user, status=target)
        except SERVICE_ERRORS as exc:
            message_service_error(request, exc)
        else:
            word = "resumed" if target == AdStatus.ACTIVE else "paused"
            messages.success(request, f"Ad “{ad.name}” {word}.")
    return _back(request, ad)


@advertiser_page
@require_POST
def ad_delete(request: HttpRequest, ad_id: int) -> HttpResponse:
    ad = ad_or_404(request, ad_id)
    campaign_services.ad_delete(ad=ad)
    messages.success(request, f"Ad “{ad.name}” deleted.")
    return _back(request, ad)


def _back(request: HttpRequest, ad) -> HttpResponse:
    if request.POST.get("next") == "ads":
        return redirect("advertiser:ads")
    return redirect("advertiser:campaign_detail", campaign_id=ad.campaign_id)


def _http_url(value: str) -> str:
    """``value`` when it is an absolute http(s) URL, else ``""`` (never a ``javascript:``
    or ``data:`` address in the preview)."""
    value = (value or "").strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def _dimension(value: str, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 1 <= number <= 4000 else default


@advertiser_page
@require_POST
def ad_preview(request: HttpRequest) -> HttpResponse:
    """The preview of the ad form's current values (htmx, on every change). Nothing is saved
    and nothing is validated beyond what rendering needs."""
    data = request.POST
    ad_type = data.get("type", AdType.BANNER)
    if ad_type not in AdType.values:
        ad_type = AdType.BANNER
    default_w, default_h = (300, 250) if ad_type != AdType.VIDEO else (480, 270)
    preview = {
        "type": ad_type,
        "headline": data.get("headline", "").strip(),
        "body": data.get("body", "").strip(),
        "sponsor": data.get("sponsor", "").strip(),
        "call_to_action": data.get("call_to_action", "").strip(),
        "html": data.get("html", ""),
        "image_url": _http_url(data.get("image_url", "")),
        "video_url": _http_url(data.get("video_url", "")),
        "destination_url": _http_url(data.get("destination_url", "")),
        "width": _dimension(data.get("width"), default_w),
        "height": _dimension(data.get("height"), default_h),
    }
    return render(request, "dashboards/advertiser/_ad_preview.html", {"preview": preview})
