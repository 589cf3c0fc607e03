"""Forms of the advertiser billing and publisher payout pages.

The billing details are checked by the API's own ``WalletUpdateInput``, so a page and an API
call accept exactly the same values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from apps.billing.models import InvoiceStatus, TransactionKind, Wallet
from apps.billing.serializers import MAX_AMOUNT, WalletUpdateInput

BILLING_FIELDS = ("billing_name", "billing_address", "vat_id")
# A wallet's own ledger never holds publisher payouts.
WALLET_KINDS = [(k, label) for k, label in TransactionKind.choices if k != TransactionKind.PAYOUT]


class BillingDetailsForm(forms.Form):
    billing_name = forms.CharField(
        max_length=200,
        required=False,
        label="Billing name",
        help_text="The company name printed on invoices (your account name when empty).",
    )
    billing_address = forms.CharField(
        max_length=1000,
        required=False,
        label="Billing address",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    vat_id = forms.CharField(
        max_length=50,
        required=False,
        label="VAT id",
        help_text="Letters, digits, spaces, dots and dashes.",
    )

    @classmethod
    def initial_for(cls, wallet: Wallet) -> dict[str, str]:
        return {name: getattr(wallet, name) for name in BILLING_FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        payload = {name: data.get(name, "") for name in BILLING_FIELDS if name not in self.errors}
        serializer = WalletUpdateInput(data=payload, partial=True)
        if not serializer.is_valid():
            for name, errors in serializer.errors.items():
                for error in errors if isinstance(errors, list) else [errors]:
                    self.add_error(name if name in self.fields else None, str(error))
        return data


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("1.00"),
        max_value=MAX_AMOUNT,
        label="Amount",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "1", "inputmode": "decimal"}),
    )


class TransactionFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "All types"), *WALLET_KINDS], required=False, label="Type"
    )


class InvoiceStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *InvoiceStatus.choices], required=False, label="Status"
    )
