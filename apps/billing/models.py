"""Wallets, the ledger, invoices and publisher payouts.

Money in the ledger is kept in **micros** (millionths of the currency, as the tracking
pipeline counts it), so a day of sub-cent CPM charges is posted exactly. Amounts that people
see on documents (invoice lines, taxes, payouts) are rounded once, half-even, to cents and
stored as ``NUMERIC``. See the README's "Money rules".

Ids of campaigns and zones are plain columns, not foreign keys: billing history must survive
the deletion of what it describes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.campaigns.models import validate_currency
from apps.common.models import TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class WalletMode(models.TextChoices):
    PREPAID = "prepaid", "Prepaid"
    POSTPAID = "postpaid", "Postpaid"


class Wallet(TimeStampedModel):
    """One per advertiser, in its currency. The balance is never stored: it is the ledger."""

    advertiser = models.OneToOneField(
        "campaigns.Advertiser", on_delete=models.CASCADE, related_name="wallet"
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    mode = models.CharField(max_length=10, choices=WalletMode.choices, default=WalletMode.POSTPAID)
    credit_limit = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Postpaid only: how far the balance may go below zero (empty: no limit).",
    )
    billing_name = models.CharField(max_length=200, blank=True)
    billing_address = models.TextField(max_length=1000, blank=True)
    vat_id = models.CharField("VAT id", max_length=50, blank=True)
    # End (UTC) of the last day whose spend was posted to the ledger; spend from here on is
    # the intraday running figure.
    spend_posted_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=WalletMode.values), name="wallet_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True)
                | (Q(credit_limit__gte=0) & Q(mode=WalletMode.POSTPAID)),
                name="wallet_credit_limit_postpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"Wallet of {self.advertiser}"

    def clean(self) -> None:
        super().clean()
        if self.mode == WalletMode.PREPAID and self.credit_limit is not None:
            raise ValidationError(
                {"credit_limit": ValidationError("Only postpaid wallets have a credit limit.")}
            )

    @property
    def is_limited(self) -> bool:
        """Whether serving stops when the money runs out (prepaid, or postpaid with a limit)."""
        return self.mode == WalletMode.PREPAID or self.credit_limit is not None


# --- The ledger ---------------------------------------------------------------------------


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    SPEND = "spend", "Spend"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"
    PAYOUT = "payout", "Payout"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card (payment provider)"
    CHEQUE = "cheque", "Cheque"
    CASH = "cash", "Cash"
    PAYPAL = "paypal", "PayPal"
    OTHER = "other", "Other"


# Money moved by hand through the API; cards come only from the payment provider.
MANUAL_METHODS = [m for m in PaymentMethod.values if m != PaymentMethod.CARD]


class ImmutableQuerySet(models.QuerySet):
    """Ledger rows are never deleted, and only their invoice allocation is ever written."""

    def delete(self):
        raise ValidationError("Ledger transactions cannot be deleted.")

    def update(self, **kwargs):
        if set(kwargs) - {"invoice", "invoice_id"}:
            raise ValidationError("Ledger transactions cannot be changed.")
        return super().update(**kwargs)


class Transaction(models.Model):
    """One immutable ledger entry: who (``created_by``), when (``created_at``), why
    (``description``). ``amount_micros`` is signed, the effect on the account's balance:
    deposits add, spend and refunds (money paid back to the advertiser) take away,
    adjustments go either way; a publisher's ``payout`` is what was paid out to it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    publisher = models.ForeignKey(
        "inventory.Publisher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    kind = models.CharField(max_length=20, choices=TransactionKind.choices, db_index=True)
    amount_micros = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=500)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    # A payment provider's id for the money (e.g. a Checkout Session): a replayed
    # notification finds it and records nothing.
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Spend (and corrections of it): the campaign and the advertiser's local day.
    campaign_id = models.BigIntegerField(null=True, blank=True)
    day = models.DateField(null=True, blank=True)
    invoice = models.ForeignKey(
        "Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
    )
    payout = models.ForeignKey(
        "Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    # PROTECT: the ledger keeps who moved the money (users are soft-deleted).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["wallet", "kind", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="transaction_kind_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(wallet__isnull=False, publisher__isnull=True)
                    & ~Q(kind=TransactionKind.PAYOUT)
                )
                | Q(wallet__isnull=True, publisher__isnull=False, kind=TransactionKind.PAYOUT),
                name="transaction_account",
            ),
            models.CheckConstraint(
                condition=(Q(kind=TransactionKind.DEPOSIT) & Q(amount_micros__gt=0))
                | (
                    Q(kind__in=[TransactionKind.SPEND, TransactionKind.REFUND])
                    & Q(amount_micros__lt=0)
                )
                | (Q(kind=TransactionKind.PAYOUT) & Q(amount_micros__lt=0))
                | (Q(kind=TransactionKind.ADJUSTMENT) & ~Q(amount_micros=0)),
                name="transaction_amount_sign",
            ),
            # One spend entry per wallet, campaign and day: posting a day twice is impossible.
            models.UniqueConstraint(
                fields=["wallet", "campaign_id", "day"],
                condition=Q(kind=TransactionKind.SPEND),
                name="transaction_spend_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} {self.currency}"

    def save(self, *args, **kwargs):
        if not self._state.adding and set(kwargs.get("update_fields") or ()) != {"invoice"}:
            raise ValidationError("Ledger transactions cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Ledger transactions cannot be deleted.")

    @property
    def amount_cents(self) -> Decimal:
        """The signed amount rounded once to cents, as people read it."""
        from .money import cents

        return cents(self.amount_micros)


class SpendPosting(models.Model):
    """A day of an advertiser's spend posted to the ledger (days without spend have none)."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="spend_postings")
    day = models.DateField(help_text="The advertiser's local day.")
    period_start = models.DateTimeField(help_text="First UTC hour posted.")
    period_end = models.DateTimeField(help_text="End (exclusive, UTC) of the hours posted.")
    spend_micros = models.BigIntegerField()
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "day"], name="spend_posting_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.wallet} {self.day}"


# --- Card payments ------------------------------------------------------------------------


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Payment(TimeStampedModel):
    """A top-up started with the payment provider; the deposit is written when it completes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"


# --- Invoices -----------------------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.OPEN, InvoiceStatus.VOID}),
    InvoiceStatus.OPEN: frozenset({InvoiceStatus.PAID, InvoiceStatus.VOID}),
    InvoiceStatus.PAID: frozenset(),
    InvoiceStatus.VOID: frozenset(),
}


class Invoice(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(
        max_length=40, null=True, blank=True, unique=True, help_text="Given when issued."
    )
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    spend_micros = models.BigIntegerField(help_text="Exact sum of the charges billed.")
    subtotal = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    tax = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    # The customer's billing details as they were when the invoice was issued.
    billing_name = models.CharField(max_length=200, blank=True)
    billing_address = models.TextField(max_length=1000, blank=True)
    vat_id = models.CharField(max_length=50, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=200, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_known"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="invoice_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT)
                | Q(number__isnull=False)
                | Q(status=InvoiceStatus.VOID),
                name="invoice_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice {self.uuid}"


class InvoiceItem(models.Model):
    """One line per campaign: the exact charges of the period, rounded once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    campaign_id = models.BigIntegerField(null=True, blank=True)
    description = models.CharField(max_length=300)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    amount_micros = models.BigIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class InvoiceSequence(models.Model):
    """The last invoice number given in a year; locked while the next one is taken."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


# --- Payouts ------------------------------------------------------------------------------


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.APPROVED}),
    PayoutStatus.APPROVED: frozenset({PayoutStatus.PAID}),
    PayoutStatus.PAID: frozenset(),
}


class Payout(TimeStampedModel):
    """A publisher's earnings from the end of its previous payout to ``period_end``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    publisher = models.ForeignKey(
        "inventory.Publisher", on_delete=models.PROTECT, related_name="payouts"
    )
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_end = models.DateTimeField(editable=False)
    earnings_micros = models.BigIntegerField()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(
        max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING, db_index=True
    )
    payout_method = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PayoutStatus.values), name="payout_status_known"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(
                fields=["publisher", "window_end"], name="payout_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.publisher} {self.period_start}–{self.period_end}"


class PayoutLine(models.Model):
    """The statement: one line per zone, rounded once."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    zone_id = models.BigIntegerField()
    zone_name = models.CharField(max_length=200)
    website_name = models.CharField(max_length=200, blank=True)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    earnings_micros = models.BigIntegerField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["zone_id"]

    def __str__(self) -> str:
        return self.zone_name
