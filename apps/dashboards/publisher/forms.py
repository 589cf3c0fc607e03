"""Publisher forms: websites, zones, payout settings and the report filters.

The forms only shape input; the inventory services validate it again (``full_clean``) and
their errors land on these forms through ``form_add_errors``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from apps.common.adformats import MAX_DIMENSION, STANDARD_SIZES, AdType
from apps.inventory.models import (
    CATEGORY_MAX_LENGTH,
    PayoutMethod,
    ZoneStatus,
    validate_category,
    zone_size_errors,
)

from ..daterange import DateRangeForm

NAME_MAX = 200
URL_MAX = 500
CUSTOM_SIZE = ""
SIZE_CHOICES = [
    (CUSTOM_SIZE, "Custom size (or none)"),
    *((f"{width}x{height}", f"{width} × {height}") for width, height in STANDARD_SIZES),
]


class WebsiteForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    url = forms.URLField(
        label="URL",
        max_length=URL_MAX,
        assume_scheme="https",
        help_text="The address of the site, e.g. https://news.example.com",
    )
    category = forms.CharField(
        max_length=CATEGORY_MAX_LENGTH,
        required=False,
        help_text="Optional lowercase word advertisers can target, such as news or sports.",
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Use an http:// or https:// address.")
        return url

    def clean_category(self) -> str:
        category = self.cleaned_data["category"].strip().lower()
        if category:
            validate_category(category)
        return category


_size_validators = [MinValueValidator(1), MaxValueValidator(MAX_DIMENSION)]


class ZoneForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, help_text="For you, e.g. “Sidebar top”.")
    type = forms.ChoiceField(
        choices=AdType.choices,
        help_text="Only ads of this type fill the zone. Banner and HTML zones need a size.",
    )
    size = forms.ChoiceField(
        choices=SIZE_CHOICES,
        required=False,
        label="Standard size",
        help_text="Pick a standard size, or leave “Custom” and type width and height.",
    )
    width = forms.IntegerField(required=False, validators=_size_validators, label="Width (px)")
    height = forms.IntegerField(required=False, validators=_size_validators, label="Height (px)")
    floor_price = forms.DecimalField(
        label="Floor price (CPM)",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        help_text="The lowest price per 1,000 impressions an ad must bid to show here.",
    )
    status = forms.ChoiceField(
        choices=ZoneStatus.choices,
        initial=ZoneStatus.ACTIVE,
        help_text="A paused zone answers every ad request with no ad.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial_size = f"{self.initial.get('width')}x{self.initial.get('height')}"
        if any(value == initial_size for value, _ in SIZE_CHOICES):
            self.initial.setdefault("size", initial_size)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        size = data.get("size")
        if size:
            width, height = (int(part) for part in size.split("x"))
            data["width"], data["height"] = width, height
        zone_type = data.get("type")
        if zone_type:
            for name, message in zone_size_errors(
                zone_type, data.get("width"), data.get("height")
            ).items():
                if name not in self.errors:
                    self.add_error(name, message)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "type": data["type"],
            "width": data.get("width"),
            "height": data.get("height"),
            "floor_price": data["floor_price"],
            "status": data["status"],
        }


class PayoutForm(forms.Form):
    """``payout_details`` is free-form JSON in the model; the form keeps one shape per method:
    PayPal ``{"email"}``, bank transfer ``{"account_holder", "iban", "bic", "bank_name"}``."""

    payout_method = forms.ChoiceField(
        choices=PayoutMethod.choices,
        label="Payout method",
        widget=forms.RadioSelect,
    )
    paypal_email = forms.EmailField(required=False, label="PayPal email")
    account_holder = forms.CharField(required=False, max_length=200, label="Account holder")
    iban = forms.CharField(
        required=False, max_length=64, label="IBAN or account number", strip=True
    )
    bic = forms.CharField(required=False, max_length=20, label="BIC / SWIFT")
    bank_name = forms.CharField(required=False, max_length=200, label="Bank name")

    BANK_FIELDS = ("account_holder", "iban", "bic", "bank_name")

    @classmethod
    def initial_for(cls, publisher) -> dict[str, Any]:
        details = publisher.payout_details or {}
        initial = {"payout_method": publisher.payout_method}
        if publisher.payout_method == PayoutMethod.PAYPAL:
            initial["paypal_email"] = details.get("email", "")
        elif publisher.payout_method == PayoutMethod.BANK_TRANSFER:
            initial.update({name: details.get(name, "") for name in cls.BANK_FIELDS})
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("payout_method")
        if (
            method == PayoutMethod.PAYPAL
            and not data.get("paypal_email")
            and ("paypal_email" not in self.errors)
        ):
            self.add_error("paypal_email", "Required for PayPal payouts.")
        if method == PayoutMethod.BANK_TRANSFER:
            for name in ("account_holder", "iban"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Required for bank transfers.")
        return data

    def payout_details(self) -> dict[str, str]:
        data = self.cleaned_data
        method = data["payout_method"]
        if method == PayoutMethod.PAYPAL:
            return {"email": data["paypal_email"]}
        if method == PayoutMethod.BANK_TRANSFER:
            details = {name: data.get(name, "").strip() for name in self.BANK_FIELDS}
            details["iban"] = details["iban"].replace(" ", "").upper()
            details["bic"] = details["bic"].replace(" ", "").upper()
            return {name: value for name, value in details.items() if value}
        return {}


class ReportFilterForm(DateRangeForm):
    """The date-range control and one of the publisher's zones."""

    zone = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Zone")

    def __init__(self, *args: Any, zones=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [
            ("", "All zones"),
            *((zone.pk, f"{zone.name} · {zone.website.name}") for zone in zones),
        ]
