"""The finishing page of a campaign a partner created through the partner API.

The partner's answer links here (``ad_creation_link``). The advertiser, or the partner acting
for it, sets the campaign's bid, budget and dates, confirms each draft creative's size (a
banner) or length (a video), and submits: the campaign becomes active and its ads go to review.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from apps.campaigns.models import MAX_VIDEO_SECONDS, Ad
from apps.common.adformats import MAX_DIMENSION, STANDARD_SIZES, VIDEO_MIME_TYPES, AdType
from apps.partners import services as partner_services
from apps.partners.models import PartnerIntake

from ..accounts.shared import SERVICE_ERRORS, form_add_errors
from .acting import advertiser_page
from .forms import MONEY
from .views.common import campaign_or_404


class CampaignFinishForm(forms.Form):
    name = forms.CharField(max_length=200, min_length=3)
    bid_amount = forms.DecimalField(
        label="Bid (CPM)",
        min_value=Decimal("0.01"),
        help_text="Per thousand impressions.",
        **MONEY,
    )
    daily_budget = forms.DecimalField(
        required=False, min_value=Decimal("0"), help_text="Empty: no daily cap.", **MONEY
    )
    total_budget = forms.DecimalField(
        required=False, min_value=Decimal("0"), help_text="Empty: no total cap.", **MONEY
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: runs until stopped.",
    )

    def __init__(self, *args, ads: list[Ad], **kwargs):
        super().__init__(*args, **kwargs)
        self.ads = ads
        for ad in ads:
            if ad.type == AdType.BANNER:
                self.fields[f"ad_{ad.pk}_width"] = forms.IntegerField(
                    label="Width", min_value=1, max_value=MAX_DIMENSION, initial=ad.width
                )
                self.fields[f"ad_{ad.pk}_height"] = forms.IntegerField(
                    label="Height", min_value=1, max_value=MAX_DIMENSION, initial=ad.height
                )
            elif ad.type == AdType.VIDEO:
                self.fields[f"ad_{ad.pk}_duration_seconds"] = forms.IntegerField(
                    label="Length (seconds)",
                    min_value=1,
                    max_value=MAX_VIDEO_SECONDS,
                    initial=ad.duration_seconds,
                )
                self.fields[f"ad_{ad.pk}_video_mime"] = forms.ChoiceField(
                    label="Format",
                    choices=[(m, m) for m in VIDEO_MIME_TYPES],
                    initial=ad.video_mime,
                )

    def creative_rows(self) -> list[dict[str, Any]]:
        rows = []
        for ad in self.ads:
            names = [name for name in self.fields if name.startswith(f"ad_{ad.pk}_")]
            rows.append({"ad": ad, "fields": [self[name] for name in names]})
        return rows

    def campaign_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in ("name", "bid_amount", "daily_budget", "total_budget", "start_date")
        } | {"end_date": data.get("end_date")}

    def creative_fields(self) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for ad in self.ads:
            prefix = f"ad_{ad.pk}_"
            out[ad.pk] = {
                name.removeprefix(prefix): value
                for name, value in self.cleaned_data.items()
                if name.startswith(prefix)
            }
        return out


def _initial(campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "bid_amount": partner_services.draft_bid_placeholder(campaign),
        "daily_budget": campaign.daily_budget,
        "total_budget": campaign.total_budget,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
    }


def _add_ad_url(campaign, intake: PartnerIntake | None) -> str:
    params = {"campaign": campaign.pk}
    if intake is not None:
        params["destination_url"] = intake.target_url
    return f"{reverse('advertiser:ad_create')}?{urlencode(params)}"


@advertiser_page
@require_http_methods(["GET", "POST"])
def campaign_finish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    intake = PartnerIntake.objects.filter(campaign=campaign).select_related("partner").first()
    if intake is None or intake.is_finished:
        if intake is not None:
            messages.info(request, "This campaign was already submitted.")
        return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    ads = partner_services.intake_draft_ads(intake)
    form = CampaignFinishForm(request.POST or None, ads=ads, initial=_initial(campaign))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                partner_services.partner_intake_finish(
                    intake=intake,
                    actor=request.user,
                    campaign_fields=form.campaign_fields(),
                    creative_fields=form.creative_fields(),
                )
            except SERVICE_ERRORS as exc:
                form_add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Campaign “{form.cleaned_data['name']}” submitted. "
                    "Its ads serve once our team approves them.",
                )
                return redirect("advertiser:campaign_detail", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "intake": intake,
        "form": form,
        "rows": form.creative_rows(),
        "sizes": [f"{w}×{h}" for w, h in STANDARD_SIZES],
        "add_ad_url": _add_ad_url(campaign, intake),
        "other_ads": campaign.ads.filter(deleted_at__isnull=True).exclude(pk__in=intake.ad_ids),
    }
    return render(request, "dashboards/advertiser/campaign_finish.html", context, status=status)
