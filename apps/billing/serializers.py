"""Billing API input and output shapes (module-level, uniquely named for the schema).

Money is answered as a 2-place decimal string; ledger amounts also as exact integer micros.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rest_framework import serializers

from apps.common.api import PageQuery, StrictInputSerializer
from apps.common.integers import IdFilterField

from .clock import month_bounds
from .models import (
    MANUAL_METHODS,
    InvoiceStatus,
    PaymentMethod,
    PayoutStatus,
    TransactionKind,
    WalletMode,
)
from .money import as_text, cents

MAX_AMOUNT = Decimal("9999999999.99")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _amount_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("min_value", Decimal("0.01"))
    return serializers.DecimalField(max_digits=12, decimal_places=2, max_value=MAX_AMOUNT, **kwargs)


class MoneyOutputField(serializers.CharField):
    """A Decimal as a 2-place string."""

    def to_representation(self, value):
        return as_text(value)


class MicrosOutputField(serializers.CharField):
    """Exact micros as a 2-place string, rounded once (half-even)."""

    def to_representation(self, value):
        return str(cents(value))


class CurrencyField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(r"^[A-Za-z]{3}$", max_length=3, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


def _month_or_period(attrs: dict, *, start_field: str | None) -> dict:
    """``month`` (YYYY-MM) or explicit dates, not both."""
    month = attrs.pop("month", None)
    has_dates = "period_end" in attrs or (start_field and start_field in attrs)
    if month and has_dates:
        raise serializers.ValidationError(
            {"month": serializers.ErrorDetail("Give month or dates, not both.", code="invalid")}
        )
    if month:
        first, last = month_bounds(date(int(month[:4]), int(month[5:7]), 1))
        if start_field:
            attrs[start_field] = first
        attrs["period_end"] = last
    elif "period_end" not in attrs:
        raise serializers.ValidationError(
            {"period_end": serializers.ErrorDetail("Give month or period_end.", code="required")}
        )
    if start_field:
        if start_field not in attrs:
            raise serializers.ValidationError(
                {start_field: serializers.ErrorDetail("Required with period_end.", code="required")}
            )
        if attrs["period_end"] < attrs[start_field]:
            raise serializers.ValidationError(
                {
                    "period_end": serializers.ErrorDetail(
                        "The period must not end before it starts.", code="end_before_start"
                    )
                }
            )
    return attrs


# --- Wallets ------------------------------------------------------------------------------


class WalletListQuery(PageQuery):
    advertiser_id = IdFilterField()
    mode = serializers.ChoiceField(choices=WalletMode.choices, required=False)


class WalletUpdateInput(StrictInputSerializer):
    mode = serializers.ChoiceField(
        choices=WalletMode.choices, required=False, help_text="Admin only."
    )
    credit_limit = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        help_text="Admin only; postpaid wallets. null: no limit.",
    )
    billing_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    billing_address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    vat_id = serializers.RegexField(
        r"^[A-Za-z0-9 .-]*$", max_length=50, required=False, allow_blank=True
    )


class WalletOutput(serializers.Serializer):
    id = serializers.IntegerField()
    advertiser_id = serializers.IntegerField()
    advertiser_name = serializers.CharField()
    currency = serializers.CharField()
    mode = serializers.ChoiceField(choices=WalletMode.choices)
    balance = serializers.CharField(
        help_text="Ledger sum minus the spend not posted yet (today's included)."
    )
    credit_limit = serializers.CharField(allow_null=True)
    available = serializers.CharField(
        allow_null=True, help_text="Balance plus credit; null when spending is not limited."
    )
    spend_today = serializers.CharField(help_text="Spend so far today (advertiser's time zone).")
    unposted_spend = serializers.CharField(
        help_text="Spend since the last day posted to the ledger (the intraday running figure)."
    )
    posted_through = serializers.DateField(
        allow_null=True, help_text="The last day whose spend is posted to the ledger."
    )
    billing_name = serializers.CharField()
    billing_address = serializers.CharField()
    vat_id = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TransactionListQuery(PageQuery):
    type = serializers.ChoiceField(choices=TransactionKind.choices, required=False)


class TransactionOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    type = serializers.CharField(source="kind")
    amount = MicrosOutputField(
        source="amount_micros", help_text="Signed effect on the balance, 2 places."
    )
    amount_micros = serializers.IntegerField(help_text="The exact amount in millionths.")
    currency = serializers.CharField()
    description = serializers.CharField()
    method = serializers.CharField()
    reference = serializers.CharField()
    campaign_id = serializers.IntegerField(allow_null=True)
    day = serializers.DateField(allow_null=True)
    invoice_id = serializers.UUIDField(source="invoice.uuid", allow_null=True, default=None)
    payout_id = serializers.UUIDField(source="payout.uuid", allow_null=True, default=None)
    created_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class DepositInput(StrictInputSerializer):
    amount = _amount_field()
    currency = CurrencyField(required=False, help_text="Must be the wallet's currency.")
    method = serializers.ChoiceField(
        choices=MANUAL_METHODS, required=False, default=PaymentMethod.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AdjustmentInput(StrictInputSerializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        help_text="Positive credits the advertiser, negative charges it; not 0.",
    )
    reason = serializers.CharField(max_length=500)
    campaign_id = serializers.IntegerField(required=False, min_value=1)
    day = serializers.DateField(
        required=False, help_text="Corrects this day's spend (with campaign_id); billed with it."
    )

    def validate(self, attrs):
        if attrs["amount"] == 0:
            raise serializers.ValidationError(
                {"amount": serializers.ErrorDetail("Cannot be 0.", code="invalid")}
            )
        if "day" in attrs and "campaign_id" not in attrs:
            raise serializers.ValidationError(
                {"campaign_id": serializers.ErrorDetail("Required with day.", code="required")}
            )
        return attrs


class RefundInput(StrictInputSerializer):
    amount = _amount_field()
    reason = serializers.CharField(max_length=500)
    method = serializers.ChoiceField(
        choices=MANUAL_METHODS, required=False, default=PaymentMethod.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CheckoutInput(StrictInputSerializer):
    amount = _amount_field(min_value=Decimal("1.00"))
    currency = CurrencyField(required=False, help_text="Must be the wallet's currency.")
    success_url = serializers.URLField(max_length=2000, required=False)
    cancel_url = serializers.URLField(max_length=2000, required=False)


class CheckoutOutput(serializers.Serializer):
    payment_id = serializers.UUIDField()
    provider = serializers.CharField()
    session_id = serializers.CharField()
    checkout_url = serializers.URLField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField()


class WebhookReceivedOutput(serializers.Serializer):
    received = serializers.BooleanField()
    result = serializers.ChoiceField(choices=["completed", "failed", "duplicate", "ignored"])


class ReconciliationQuery(serializers.Serializer):
    advertiser_id = IdFilterField()
    locals()["from"] = serializers.DateField(required=False, help_text="First local day.")
    to = serializers.DateField(required=False, help_text="Last local day.")

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError(
                {"to": serializers.ErrorDetail("Must not be before from.", code="end_before_start")}
            )
        return attrs


class LedgerDriftOutput(serializers.Serializer):
    wallet_id = serializers.IntegerField()
    advertiser_id = serializers.IntegerField()
    day = serializers.DateField()
    campaign_id = serializers.IntegerField(allow_null=True)
    rollup = MicrosOutputField(source="rollup_micros")
    ledger = MicrosOutputField(source="ledger_micros")
    difference_micros = serializers.IntegerField()


class CounterDriftOutput(serializers.Serializer):
    campaign_id = serializers.IntegerField(
        allow_null=True, help_text="null: the advertiser's all-time counter (limited wallets)."
    )
    advertiser_id = serializers.IntegerField()
    counter = MicrosOutputField(source="counter_micros")
    rollup = MicrosOutputField(source="rollup_micros")
    difference_micros = serializers.IntegerField()


class ReconciliationOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    checked_at = serializers.DateTimeField()
    pending_events = serializers.IntegerField(help_text="Tracked events not drained yet.")
    ledger_vs_rollups = LedgerDriftOutput(many=True)
    counters_vs_rollups = CounterDriftOutput(many=True)


# --- Invoices -----------------------------------------------------------------------------


class InvoiceListQuery(PageQuery):
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, required=False)
    advertiser_id = IdFilterField()


class InvoiceCreateInput(StrictInputSerializer):
    advertiser_id = serializers.IntegerField(min_value=1)
    month = serializers.RegexField(MONTH_PATTERN, required=False, help_text="YYYY-MM")
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    issue = serializers.BooleanField(
        required=False, default=True, help_text="false keeps it a draft."
    )

    def validate(self, attrs):
        return _month_or_period(attrs, start_field="period_start")


class InvoiceMarkPaidInput(StrictInputSerializer):
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    method = serializers.ChoiceField(
        choices=MANUAL_METHODS, required=False, default=PaymentMethod.BANK_TRANSFER
    )


class InvoiceVoidInput(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class InvoiceItemOutput(serializers.Serializer):
    description = serializers.CharField()
    campaign_id = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    amount = MoneyOutputField()


class InvoiceOutput(serializers.Serializer):
    uuid = serializers.UUIDField()
    number = serializers.CharField(allow_null=True, help_text="Given when the invoice is issued.")
    advertiser_id = serializers.IntegerField(source="wallet.advertiser_id")
    wallet_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    currency = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    subtotal = MoneyOutputField()
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    tax = MoneyOutputField()
    total = MoneyOutputField()
    billing_name = serializers.CharField()
    billing_address = serializers.CharField()
    vat_id = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    def get_pdf_url(self, invoice) -> str:
        return f"/api/v1/invoices/{invoice.uuid}/pdf"

    def get_csv_url(self, invoice) -> str:
        return f"/api/v1/invoices/{invoice.uuid}/csv"


class InvoiceDetailOutput(InvoiceOutput):
    items = InvoiceItemOutput(many=True)
    transactions = TransactionOutput(many=True, help_text="Ledger entries applied to it.")


# --- Payouts ------------------------------------------------------------------------------


class PayoutListQuery(PageQuery):
    status = serializers.ChoiceField(choices=PayoutStatus.choices, required=False)
    publisher_id = IdFilterField()


class PayoutCreateInput(StrictInputSerializer):
    publisher_id = serializers.IntegerField(min_value=1)
    month = serializers.RegexField(MONTH_PATTERN, required=False, help_text="YYYY-MM")
    period_end = serializers.DateField(
        required=False, help_text="Last day covered; the period starts after the last payout."
    )

    def validate(self, attrs):
        return _month_or_period(attrs, start_field=None)


class PayoutMarkPaidInput(StrictInputSerializer):
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PayoutLineOutput(serializers.Serializer):
    zone_id = serializers.IntegerField()
    zone_name = serializers.CharField()
    website_name = serializers.CharField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    amount = MoneyOutputField()


class PayoutOutput(serializers.Serializer):
    uuid = serializers.UUIDField()
    publisher_id = serializers.IntegerField()
    publisher_name = serializers.CharField(source="publisher.name")
    status = serializers.ChoiceField(choices=PayoutStatus.choices)
    currency = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = MoneyOutputField(help_text="The statement's lines, each rounded once, added up.")
    earnings_micros = serializers.IntegerField(help_text="The exact earnings in millionths.")
    payout_method = serializers.CharField()
    reference = serializers.CharField()
    approved_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    csv_url = serializers.SerializerMethodField()

    def get_csv_url(self, payout) -> str:
        return f"/api/v1/payouts/{payout.uuid}/csv"


class PayoutDetailOutput(PayoutOutput):
    lines = PayoutLineOutput(many=True)
