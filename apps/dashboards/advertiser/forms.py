"""Forms of the advertiser pages. They turn browser input into the arguments of the campaigns
services (lists from comma-separated text, a frequency cap from two numbers); the services
validate (targeting codes, dates, required creative fields) and their errors come back onto
these forms through ``form_add_errors``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from apps.campaigns.models import (
    CAMPAIGN_CREATE_STATUSES,
    MAX_ATTRIBUTION_DAYS,
    MAX_FREQUENCY_IMPRESSIONS,
    MAX_FREQUENCY_WINDOW_HOURS,
    MIN_ATTRIBUTION_DAYS,
    AdStatus,
    Campaign,
    CampaignStatus,
    GoalType,
    Pacing,
    PricingModel,
    Priority,
)
from apps.campaigns.targeting import BROWSERS, DEVICES, OPERATING_SYSTEMS
from apps.common.adformats import MAX_DIMENSION, STANDARD_SIZES, VIDEO_MIME_TYPES, AdType

from ..daterange import DateRangeForm

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
BROWSER_LABELS = {"ie": "Internet Explorer", "uc": "UC Browser", "samsung": "Samsung Internet"}
OS_LABELS = {"macos": "macOS", "ios": "iOS", "chromeos": "ChromeOS"}
_SPLIT = re.compile(r"[\s,;]+")
MONEY = {"max_digits": 12, "decimal_places": 2}


def _words(value: str) -> list[str]:
    return [item for item in _SPLIT.split(value or "") if item]


def _label(name: str, labels: dict[str, str]) -> str:
    return labels.get(name, name.capitalize())


class CodeListField(forms.CharField):
    """Comma- or space-separated codes (``US, GB``), upper-cased; the service checks them."""

    def __init__(self, *, upper: bool = True, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.upper = upper

    def to_python(self, value):
        words = _words(super().to_python(value))
        return [w.upper() if self.upper else w.lower() for w in words]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class IdListField(forms.CharField):
    """Comma-separated numeric ids (websites, zones)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        words = _words(super().to_python(value))
        bad = [w for w in words if not w.isdigit() or int(w) < 1]
        if bad:
            raise forms.ValidationError(
                f"Not an id: {', '.join(bad[:5])}. Use numbers like 12, 40."
            )
        return [int(w) for w in words]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


def _checks(choices, **kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200, min_length=3)
    status = forms.ChoiceField(
        choices=[(s, CampaignStatus(s).label) for s in CAMPAIGN_CREATE_STATUSES],
        initial=CampaignStatus.DRAFT,
        help_text="Draft campaigns never serve; activate when the ads are ready.",
    )
    pricing_model = forms.ChoiceField(choices=PricingModel.choices, initial=PricingModel.CPM)
    bid_amount = forms.DecimalField(
        label="Bid",
        min_value=Decimal("0.01"),
        help_text="CPM: per thousand impressions; CPC: per click; CPA: per conversion.",
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
    pacing = forms.ChoiceField(choices=Pacing.choices, initial=Pacing.EVEN)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.STANDARD)
    frequency_cap_impressions = forms.IntegerField(
        label="Frequency cap: impressions",
        required=False,
        min_value=1,
        max_value=MAX_FREQUENCY_IMPRESSIONS,
        help_text="At most this many impressions per person…",
    )
    frequency_cap_window_hours = forms.IntegerField(
        label="…per this many hours",
        required=False,
        min_value=1,
        max_value=MAX_FREQUENCY_WINDOW_HOURS,
    )
    category = forms.CharField(
        required=False,
        max_length=50,
        help_text="Your campaign's own category, e.g. “travel” (publishers may block it).",
    )
    # Targeting: empty means no restriction.
    countries = CodeListField(
        help_text="ISO country codes separated by commas, e.g. US, GB, DE.",
        widget=forms.TextInput(attrs={"placeholder": "US, GB"}),
    )
    regions = CodeListField(
        help_text="ISO 3166-2 regions, e.g. US-CA, DE-BY.",
        widget=forms.TextInput(attrs={"placeholder": "US-CA"}),
    )
    devices = _checks([(d, d.capitalize()) for d in DEVICES])
    browsers = _checks([(b, _label(b, BROWSER_LABELS)) for b in BROWSERS])
    os = _checks([(o, _label(o, OS_LABELS)) for o in OPERATING_SYSTEMS], label="Operating systems")
    days = _checks(
        [(str(i), name) for i, name in enumerate(DAY_NAMES)],
        help_text="In the advertiser's time zone.",
    )
    hours = _checks(
        [(str(h), f"{h:02d}") for h in range(24)],
        help_text="Hours of the day (00 = midnight to 1 am) in the advertiser's time zone.",
    )
    websites_include = IdListField(label="Only these website ids")
    websites_exclude = IdListField(label="Never these website ids")
    zones_include = IdListField(label="Only these zone ids")
    zones_exclude = IdListField(label="Never these zone ids")
    categories = CodeListField(
        upper=False,
        label="Website categories",
        help_text="Only show on sites in these categories, e.g. news, sports.",
    )

    TARGETING_FIELDS = (
        "countries",
        "regions",
        "devices",
        "browsers",
        "os",
        "days",
        "hours",
        "websites_include",
        "websites_exclude",
        "zones_include",
        "zones_exclude",
        "categories",
    )

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(campaign)
        super().__init__(*args, **kwargs)
        if campaign is not None:
            del self.fields["status"]  # status changes go through the status buttons
        else:
            self.fields["start_date"].initial = timezone.localdate()

    @staticmethod
    def initial_for(campaign: Campaign) -> dict[str, Any]:
        targeting = campaign.targeting or {}
        initial = {
            name: getattr(campaign, name)
            for name in (
                "name",
                "pricing_model",
                "bid_amount",
                "daily_budget",
                "total_budget",
                "start_date",
                "end_date",
                "pacing",
                "priority",
                "frequency_cap_impressions",
                "frequency_cap_window_hours",
                "category",
            )
        }
        for key in ("countries", "regions", "devices", "browsers", "os", "categories"):
            initial[key] = targeting.get(key) or []
        initial["days"] = [str(d) for d in targeting.get("days") or []]
        initial["hours"] = [str(h) for h in targeting.get("hours") or []]
        for key in ("websites", "zones"):
            lists = targeting.get(key) or {}
            initial[f"{key}_include"] = lists.get("include") or []
            initial[f"{key}_exclude"] = lists.get("exclude") or []
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        """The campaign service's arguments from the cleaned data."""
        data = self.cleaned_data
        impressions = data.get("frequency_cap_impressions")
        window = data.get("frequency_cap_window_hours")
        frequency_cap = None
        if impressions is not None or window is not None:
            frequency_cap = {"impressions": impressions, "window_hours": window}
        kwargs = {
            "name": data["name"],
            "pricing_model": data["pricing_model"],
            "bid_amount": data["bid_amount"],
            "daily_budget": data.get("daily_budget"),
            "total_budget": data.get("total_budget"),
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "pacing": data["pacing"],
            "priority": data["priority"],
            "frequency_cap": frequency_cap,
            "category": data.get("category", "").strip(),
            "targeting": {
                "countries": data["countries"],
                "regions": data["regions"],
                "devices": data["devices"],
                "browsers": data["browsers"],
                "os": data["os"],
                "days": [int(d) for d in data["days"]],
                "hours": [int(h) for h in data["hours"]],
                "websites": {
                    "include": data["websites_include"],
                    "exclude": data["websites_exclude"],
                },
                "zones": {"include": data["zones_include"], "exclude": data["zones_exclude"]},
                "categories": data["categories"],
            },
        }
        if "status" in self.fields:
            kwargs["status"] = data["status"]
        return kwargs


# --- Ads ----------------------------------------------------------------------------------

# The fields each ad type uses (required ones are the model's AD_REQUIRED_FIELDS); fields of
# other types are not sent, so switching type in the form never stores stale values.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    AdType.BANNER: ("image_url", "width", "height", "headline"),
    AdType.TEXT: ("headline", "body", "sponsor"),
    AdType.NATIVE: ("headline", "body", "image_url", "call_to_action", "sponsor"),
    AdType.HTML: ("html", "width", "height"),
    AdType.VIDEO: ("video_url", "video_mime", "duration_seconds", "width", "height"),
}
CREATIVE_FORM_FIELDS = tuple(dict.fromkeys(f for fields in TYPE_FIELDS.values() for f in fields))
TYPE_HELP = {
    AdType.BANNER: "An image in a fixed size (e.g. 300×250).",
    AdType.TEXT: "A headline and a line of text; no image.",
    AdType.NATIVE: "Image, headline and text that blend into the publisher's page.",
    AdType.HTML: "Your own HTML, run in a sandboxed frame.",
    AdType.VIDEO: "A video file (MP4, WebM…) for video zones.",
}


class AdForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For you; readers never see it.")
    type = forms.ChoiceField(
        choices=[(t.value, f"{t.label} — {TYPE_HELP[t]}") for t in AdType],
        initial=AdType.BANNER,
        widget=forms.RadioSelect,
        label="Ad type",
    )
    destination_url = forms.CharField(
        label="Destination URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/offer"}),
        help_text="Where a click leads.",
    )
    headline = forms.CharField(
        max_length=150,
        required=False,
        help_text="The title of text and native ads; a banner's alternative text.",
    )
    body = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Text"
    )
    image_url = forms.CharField(
        label="Image URL",
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://cdn.example.com/banner.png"}),
    )
    width = forms.IntegerField(min_value=1, max_value=MAX_DIMENSION, required=False)
    height = forms.IntegerField(min_value=1, max_value=MAX_DIMENSION, required=False)
    html = forms.CharField(
        label="HTML",
        required=False,
        strip=False,
        max_length=65_536,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text="Runs in a sandboxed frame without access to the publisher's page.",
    )
    video_url = forms.CharField(
        label="Video URL",
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://cdn.example.com/spot.mp4"}),
    )
    video_mime = forms.ChoiceField(
        label="Video format",
        required=False,
        choices=[("", "—")] + [(m, m) for m in VIDEO_MIME_TYPES],
    )
    duration_seconds = forms.IntegerField(
        label="Duration (seconds)", min_value=1, max_value=600, required=False
    )
    call_to_action = forms.CharField(
        max_length=30, required=False, help_text="Button text, e.g. “Shop now”."
    )
    sponsor = forms.CharField(
        max_length=100, required=False, help_text="Shown as “Sponsored by …”."
    )
    weight = forms.IntegerField(
        min_value=1,
        max_value=1000,
        initial=100,
        help_text="Share among this campaign's ads of the same rank (1-1000).",
    )
    status = forms.ChoiceField(choices=AdStatus.choices, initial=AdStatus.ACTIVE)

    def __init__(self, *args, campaigns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaigns is not None:
            self.fields["campaign"] = forms.TypedChoiceField(
                choices=[(c.pk, c.name) for c in campaigns], coerce=int, label="Campaign"
            )
            self.order_fields(["campaign", "name"])

    @property
    def size_choices(self) -> list[str]:
        return [f"{w}×{h}" for w, h in STANDARD_SIZES]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        ad_type = data["type"]
        kwargs = {
            "name": data["name"],
            "type": ad_type,
            "destination_url": data["destination_url"].strip(),
            "weight": data["weight"],
            "status": data["status"],
        }
        used = TYPE_FIELDS[ad_type]
        for name in CREATIVE_FORM_FIELDS:
            value = data.get(name)
            if name not in used:
                value = None
            if isinstance(value, str) and name != "html":
                value = value.strip()
            kwargs[name] = value
        return kwargs

    @staticmethod
    def initial_for(ad) -> dict[str, Any]:
        names = ("name", "type", "destination_url", "weight", "status", *CREATIVE_FORM_FIELDS)
        return {name: getattr(ad, name) for name in names}


# --- Conversion goals ---------------------------------------------------------------------


class GoalForm(forms.Form):
    name = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=GoalType.choices, initial=GoalType.SALE)
    default_value = forms.DecimalField(
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        help_text="Counted when the pixel sends no value.",
        **MONEY,
    )
    attribution_window_days = forms.IntegerField(
        label="Attribution window (days)",
        min_value=MIN_ATTRIBUTION_DAYS,
        max_value=MAX_ATTRIBUTION_DAYS,
        initial=30,
        help_text="Conversions count when they follow a click within this many days.",
    )
    campaign = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Optional: count conversions for one campaign only.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "All campaigns")] + [
            (c.pk, c.name) for c in campaigns
        ]


# --- Reports ------------------------------------------------------------------------------


class ReportFilterForm(DateRangeForm):
    """The date-range control and a campaign (any id: the report checks it through the
    campaign selectors, 404 when not visible)."""

    campaign = forms.IntegerField(required=False, min_value=1, widget=forms.Select)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].widget.choices = [("", "All campaigns")] + [
            (c.pk, c.name) for c in campaigns
        ]
