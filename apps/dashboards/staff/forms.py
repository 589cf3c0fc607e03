"""Staff forms: user search and creation, rejection reasons, the platform settings.

The settings form is built from the registry in ``apps.accounts.platform_settings`` and
validated by the API's own ``SettingsUpdateInput``, so the page and ``PUT /api/v1/settings``
accept exactly the same values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from rest_framework import serializers

from apps.accounts.models import Role
from apps.accounts.platform_settings import DEFINITIONS, MASK, SECRET_KEYS, SettingsUpdateInput

from ..accounts.forms import TimezoneField

ROLE_CHOICES = [(role.label, role.label.capitalize()) for role in Role]
STATUS_CHOICES = [("", "Any status"), ("active", "Active"), ("inactive", "Deactivated")]
REASON_MAX = 500


class UserFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    role = forms.ChoiceField(choices=[("", "All roles"), *ROLE_CHOICES], required=False)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": "Email or name", "autocomplete": "off"}
        )


class UserCreateForm(forms.Form):
    email = forms.EmailField(max_length=254)
    name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=Role.ADVERTISER.label,
        help_text="A new publisher starts pending; approve it in the approvals queue.",
    )
    password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not too common. Tell the user to change it.",
    )
    timezone = TimezoneField(initial="UTC")

    def role_value(self) -> Role:
        role = Role.from_name(self.cleaned_data["role"])
        assert role is not None  # the choice field only offers known names
        return role


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX, required=False)


# --- Platform settings --------------------------------------------------------------------

# Sections of the settings page: (title, [(key, label, help)]). A key added to the registry
# later and not listed here shows up under "Other".
SETTING_SECTIONS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "General",
        [
            ("site_name", "Site name", "Shown in the dashboards' header and in emails."),
            ("site_url", "Site URL", "The public address of this platform."),
            ("support_email", "Support email", "Where users are told to write."),
        ],
    ),
    (
        "Money",
        [
            ("currency", "Currency", "Three-letter code (ISO 4217) of new accounts, e.g. USD."),
            (
                "default_revenue_share",
                "Default revenue share",
                "New publishers' share of what advertisers pay, 0 to 1 (0.7 = 70 %).",
            ),
            ("minimum_payout", "Minimum payout", "Publishers are paid from this balance on."),
            ("tax_rate", "Tax rate", "Added to invoices, 0 to 1 (0.2 = 20 %)."),
            ("invoice_prefix", "Invoice prefix", "Up to 10 capital letters, digits or '-'."),
            ("billing_address", "Billing address", "Printed on invoices."),
            (
                "default_wallet_mode",
                "Default wallet mode",
                "For new advertisers: prepaid stops serving when the balance runs out; "
                "postpaid is invoiced afterwards.",
            ),
            (
                "bank_transfer_instructions",
                "Bank transfer instructions",
                "Shown to advertisers on their wallet page when card payments are off.",
            ),
            (
                "payment_terms_days",
                "Payment terms (days)",
                "An open invoice is overdue this many days after it was issued.",
            ),
        ],
    ),
    (
        "Ad review",
        [
            (
                "auto_approve_ads",
                "Approve new ads automatically",
                "Skips the review queue for every new or changed ad.",
            ),
        ],
    ),
    (
        "Security",
        [
            (
                "mfa_required_for_staff",
                "Require MFA for admins and finance",
                "They must set up an authenticator app before they can sign in.",
            ),
        ],
    ),
    (
        "Email (SMTP)",
        [
            ("smtp_host", "SMTP host", ""),
            ("smtp_port", "SMTP port", ""),
            ("smtp_user", "SMTP user", ""),
            ("smtp_password", "SMTP password", ""),
            ("smtp_use_tls", "Use TLS", ""),
        ],
    ),
    (
        "Payments",
        [
            ("stripe_publishable_key", "Stripe publishable key", ""),
            ("stripe_secret_key", "Stripe secret key", ""),
            ("stripe_webhook_secret", "Stripe webhook secret", ""),
            ("paypal_client_id", "PayPal client id", ""),
            ("paypal_client_secret", "PayPal client secret", ""),
            ("paypal_mode", "PayPal mode", ""),
        ],
    ),
]
SECRET_HELP = "Stored and hidden. Leave the dots to keep it, or clear the field to remove it."


def setting_sections() -> list[tuple[str, list[tuple[str, str, str]]]]:
    listed = {key for _, fields in SETTING_SECTIONS for key, _, _ in fields}
    known = [
        (title, [f for f in fields if f[0] in DEFINITIONS]) for title, fields in SETTING_SECTIONS
    ]
    other = [
        (key, key.replace("_", " ").capitalize(), "") for key in DEFINITIONS if key not in listed
    ]
    return [*known, *([("Other", other)] if other else [])]


def _form_field(key: str, label: str, help_text: str) -> forms.Field:
    definition = DEFINITIONS[key]
    kind = definition.field
    common = {"label": label, "help_text": SECRET_HELP if key in SECRET_KEYS else help_text}
    if issubclass(kind, serializers.BooleanField):
        return forms.BooleanField(required=False, **common)
    if issubclass(kind, serializers.ChoiceField):
        choices = [(c, c) for c in definition.options["choices"]]
        return forms.ChoiceField(choices=choices, **common)
    # Everything else is checked by SettingsUpdateInput; the widget only helps the browser.
    if key in SECRET_KEYS:
        widget: forms.Widget = forms.PasswordInput(
            render_value=True, attrs={"autocomplete": "new-password"}
        )
    elif issubclass(kind, serializers.EmailField):
        widget = forms.EmailInput()
    elif issubclass(kind, serializers.URLField):
        widget = forms.URLInput()
    elif issubclass(kind, serializers.IntegerField):
        widget = forms.NumberInput()
    elif issubclass(kind, serializers.DecimalField):
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
    elif key in ("billing_address", "bank_transfer_instructions"):
        widget = forms.Textarea(attrs={"rows": 3})
    else:
        widget = forms.TextInput()
    return forms.CharField(required=False, strip=True, widget=widget, **common)


class SettingsForm(forms.Form):
    """Every registered setting. Secrets that are set show the mask, never their value."""

    def __init__(self, *args: Any, current: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.sections = setting_sections()
        for _, fields in self.sections:
            for key, label, help_text in fields:
                self.fields[key] = _form_field(key, label, help_text)
                value = current.get(key)
                if key in SECRET_KEYS:
                    value = MASK if value else ""
                self.initial[key] = "" if value is None else value

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[key] for key, _, _ in fields]) for title, fields in self.sections]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        payload = {key: data.get(key) for key in self.fields if key not in self.errors}
        serializer = SettingsUpdateInput(data=payload, partial=True)
        if not serializer.is_valid():
            for key, errors in serializer.errors.items():
                for error in errors if isinstance(errors, list) else [errors]:
                    self.add_error(key if key in self.fields else None, str(error))
            return data
        self.validated = dict(serializer.validated_data)
        return data

    def changed_values(self) -> dict[str, Any]:
        """Only what differs from the stored values; a secret sent back as the mask is left
        out (``settings_update`` would skip it anyway)."""
        changed = {}
        for key, value in self.validated.items():
            if key in SECRET_KEYS and value == MASK:
                continue
            if _same(key, self.current.get(key), value):
                continue
            changed[key] = value
        return changed


def _same(key: str, stored: Any, new: Any) -> bool:
    if isinstance(stored, bool) or isinstance(new, bool):
        return stored is new
    if issubclass(DEFINITIONS[key].field, serializers.DecimalField):
        try:
            return Decimal(str(stored)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return str(stored) == str(new)
