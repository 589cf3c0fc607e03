"""Forms of the finance pages: list filters, the invoice and payout actions, invoicing an
advertiser's month, generating payouts, the money finance moves on a wallet (bank transfers
and adjustments), and the financial report's period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from apps.billing import clock
from apps.billing.models import (
    MANUAL_METHODS,
    InvoiceStatus,
    PaymentMethod,
    PayoutStatus,
    WalletMode,
)
from apps.campaigns.models import Advertiser, validate_currency

OVERDUE = "overdue"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_ATTRS = {"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}
MANUAL_METHOD_CHOICES = [(m, PaymentMethod(m).label) for m in MANUAL_METHODS]


def month_text(day: date) -> str:
    return day.strftime("%Y-%m")


def _month_field(**kwargs: Any) -> forms.RegexField:
    return forms.RegexField(
        regex=MONTH_PATTERN,
        error_messages={"invalid": "Enter a month as YYYY-MM."},
        widget=forms.TextInput(attrs=MONTH_ATTRS),
        **kwargs,
    )


def _first_of(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


class _ChoicesForm(forms.Form):
    """A filter whose select lists (id, name) pairs read once by the view."""

    def _set_choices(self, name: str, rows: list[tuple[int, str]], empty: str) -> None:
        self.fields[name].choices = [("", empty), *((str(pk), label) for pk, label in rows)]


class InvoiceFilterForm(_ChoicesForm):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *InvoiceStatus.choices, (OVERDUE, "Overdue")],
        required=False,
        label="Status",
    )
    advertiser = forms.TypedChoiceField(coerce=int, required=False, label="Advertiser")
    period_from = forms.DateField(
        required=False, label="Period from", widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        required=False, label="Period to", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, advertisers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_choices("advertiser", advertisers, "All advertisers")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("period_from"), data.get("period_to")
        if first and last and last < first:
            self.add_error("period_to", "The period must not end before it starts.")
        return data


class InvoiceCreateForm(forms.Form):
    advertiser = forms.ModelChoiceField(
        queryset=Advertiser.objects.none(), label="Advertiser", empty_label="Choose an advertiser"
    )
    month = _month_field(
        label="Month", help_text="The calendar month to bill, in the advertiser's time zone."
    )
    issue = forms.BooleanField(
        required=False,
        initial=True,
        label="Issue it now",
        help_text="Numbers it and charges tax at once; untick it to keep a draft to check first.",
    )

    def __init__(self, *args: Any, advertisers, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advertiser"].queryset = advertisers
        self.fields["advertiser"].label_from_instance = lambda a: f"{a.company} ({a.currency})"
        if "month" not in self.initial:
            self.initial["month"] = month_text(clock.previous_month(clock.now().date()))

    def period(self) -> tuple[date, date]:
        return clock.month_bounds(_first_of(self.cleaned_data["month"]))


class InvoiceMarkPaidForm(forms.Form):
    reference = forms.CharField(max_length=200, required=False, label="Payment reference")
    method = forms.ChoiceField(
        choices=MANUAL_METHOD_CHOICES,
        required=False,
        initial=PaymentMethod.BANK_TRANSFER,
        label="Paid by",
    )

    def clean_method(self) -> str:
        return self.cleaned_data.get("method") or PaymentMethod.BANK_TRANSFER


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Reason")


class PayoutFilterForm(_ChoicesForm):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *PayoutStatus.choices], required=False, label="Status"
    )
    publisher = forms.TypedChoiceField(coerce=int, required=False, label="Publisher")

    def __init__(self, *args: Any, publishers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_choices("publisher", publishers, "All publishers")


class PayoutMarkPaidForm(forms.Form):
    reference = forms.CharField(max_length=200, required=False, label="Payment reference")


class PayoutsGenerateForm(forms.Form):
    month = _month_field(
        label="Month",
        help_text="Pays every publisher's earnings up to the end of this month.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "month" not in self.initial:
            self.initial["month"] = month_text(clock.previous_month(clock.now().date()))

    def clean_month(self) -> date:
        first = _first_of(self.cleaned_data["month"])
        if clock.month_bounds(first)[1] >= clock.now().date():
            raise forms.ValidationError(
                "That month is not over yet; payouts are made for finished months."
            )
        return first


# --- Wallets ------------------------------------------------------------------------------

# The billing API's bound on a typed amount; the sign and zero are the services' rules.
MAX_AMOUNT = Decimal("9999999999.99")


class WalletFilterForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[("", "All modes"), *WalletMode.choices], required=False, label="Mode"
    )
    q = forms.CharField(
        max_length=200,
        required=False,
        label="Advertiser",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Company name"}),
    )

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()


def _amount_field(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        max_value=MAX_AMOUNT,
        min_value=-MAX_AMOUNT,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class DepositForm(forms.Form):
    """A bank transfer received for the wallet; ``deposit_record`` checks the amount and
    the currency."""

    amount = _amount_field("Amount", help_text="What arrived, in the wallet's currency.")
    currency = forms.CharField(
        max_length=3,
        required=False,
        label="Currency",
        help_text="The transfer's currency, as the bank statement shows it.",
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    reference = forms.CharField(
        max_length=200,
        required=False,
        label="Payment reference",
        help_text="As on the bank statement: the wallet's reference above, or an invoice number.",
    )
    description = forms.CharField(
        max_length=500,
        required=False,
        label="Description",
        help_text="Shown to the advertiser in its transactions.",
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "deposit_%s")
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({currency})"
        self.fields["amount"].widget.attrs["min"] = "0.01"
        self.initial.setdefault("currency", currency)

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if currency:
            validate_currency(currency)
        return currency


class AdjustmentForm(forms.Form):
    """A correction either way, with the reason the ledger keeps."""

    amount = _amount_field(
        "Amount", help_text="Positive credits the advertiser, negative charges it."
    )
    reason = forms.CharField(
        max_length=500,
        label="Reason",
        help_text="Kept in the ledger and shown to the advertiser.",
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "adjustment_%s")
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({currency})"


# --- Financial report ---------------------------------------------------------------------

DEFAULT_REPORT_PERIOD = "this_month"  # finance reads the books a month at a time
