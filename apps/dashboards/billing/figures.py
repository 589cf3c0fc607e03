"""The billing figures the pages show, built on the billing selectors.

A wallet's balance, credit and today's spend come from ``apps.billing.selectors`` exactly as the
API's wallet answer does. Two figures the API has no endpoint for are derived here, once:
when an open invoice is due (the ``payment_terms_days`` setting after it was issued), and what
a publisher has earned but not been paid yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum

from apps.accounts.platform_settings import setting_get
from apps.billing import clock, selectors
from apps.billing.models import (
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    Payout,
    PayoutStatus,
    Wallet,
    WalletMode,
)
from apps.billing.money import cents
from apps.delivery.models import HourlyStat
from apps.inventory.models import Publisher

# --- Wallets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletSummary:
    wallet: Wallet
    balance: Decimal
    available: Decimal | None  # None: spending is not limited (postpaid without a limit)
    spend_today: Decimal
    unposted: Decimal
    posted_through: date | None
    owed: selectors.AmountOwed | None = None  # the advertiser's billing page reads it

    @property
    def is_prepaid(self) -> bool:
        return self.wallet.mode == WalletMode.PREPAID

    @property
    def exhausted(self) -> bool:
        """Serving has stopped (or is about to) because the money ran out."""
        return self.available is not None and self.available <= 0


def wallet_summary(wallet: Wallet) -> WalletSummary:
    figures = selectors.wallet_figures([wallet])[wallet.pk]
    available = selectors.wallet_available_micros(wallet, figures)
    return WalletSummary(
        wallet=wallet,
        balance=cents(figures.balance_micros),
        available=None if available is None else cents(available),
        spend_today=cents(figures.today_micros),
        unposted=cents(figures.unposted_micros),
        posted_through=selectors.wallet_posted_through(wallet),
        owed=selectors.wallet_amount_owed(wallet=wallet, figures=figures),
    )


# --- Invoices -----------------------------------------------------------------------------


payment_terms_days = selectors.payment_terms_days


def overdue_q(*, at: datetime | None = None) -> Q:
    """Open invoices issued longer ago than the payment terms."""
    cutoff = (at or clock.now()) - timedelta(days=payment_terms_days())
    return Q(status=InvoiceStatus.OPEN, issued_at__lt=cutoff)


def invoices_mark_due(invoices: list[Invoice], *, at: datetime | None = None) -> list[Invoice]:
    """Set ``due_date`` (issued invoices) and ``is_overdue`` on each invoice, no queries."""
    now = at or clock.now()
    terms = payment_terms_days()
    for invoice in invoices:
        due = invoice.issued_at + timedelta(days=terms) if invoice.issued_at else None
        invoice.due_date = selectors.invoice_due_date(invoice, terms_days=terms)
        invoice.is_overdue = bool(due and invoice.status == InvoiceStatus.OPEN and due < now)
        invoice.amount_due = selectors.invoice_amount_due(invoice)
    return invoices


def tax_percent(invoice: Invoice) -> str:
    """The tax rate as the PDF prints it (``19.00``)."""
    return f"{invoice.tax_rate * 100:.2f}"


def invoices_in_period(qs: QuerySet, first: date | None, last: date | None) -> QuerySet:
    """Invoices whose billing period overlaps ``first``..``last`` (either may be open)."""
    if first is not None:
        qs = qs.filter(period_end__gte=first)
    if last is not None:
        qs = qs.filter(period_start__lte=last)
    return qs


# --- Publisher earnings -------------------------------------------------------------------


@dataclass(frozen=True)
class PublisherBalance:
    since_last_payout: Decimal  # earned after the last payout's period, in no payout yet
    awaiting_payment: Decimal  # pending and approved payouts
    awaiting_count: int
    paid_to_date: Decimal
    minimum: Decimal
    last_period_end: date | None

    @property
    def not_paid_out(self) -> Decimal:
        return self.since_last_payout + self.awaiting_payment

    @property
    def minimum_remaining(self) -> Decimal:
        """What the carried-over earnings still lack to reach the minimum payout."""
        return max(Decimal("0.00"), self.minimum - self.since_last_payout)

    @property
    def next_payout_after(self) -> date:
        """Earnings are paid out once the month they were earned in is over."""
        return clock.month_bounds(clock.now().date())[1]

    @property
    def minimum_progress(self) -> int:
        """How far the carried-over earnings are towards the minimum payout, in percent."""
        if self.minimum <= 0:
            return 100
        return min(100, int(self.since_last_payout * 100 / self.minimum))


def publisher_balance(publisher: Publisher) -> PublisherBalance:
    """Earnings not paid out yet, in two queries: the payouts (as the payout service counts
    them, each starting where the last ended) and the rollups after the last one."""
    paid = Q(status=PayoutStatus.PAID)
    totals = publisher.payouts.aggregate(
        window_end=Max("window_end"),
        period_end=Max("period_end"),
        paid=Sum("amount", filter=paid),
        awaiting=Sum("amount", filter=~paid),
        awaiting_count=Count("id", filter=~paid),
    )
    stats = HourlyStat.objects.filter(publisher_id=publisher.pk)
    if totals["window_end"] is not None:
        stats = stats.filter(hour__gte=totals["window_end"])
    earned = stats.aggregate(total=Sum("revenue_micros"))["total"] or 0
    return PublisherBalance(
        since_last_payout=cents(earned),
        awaiting_payment=totals["awaiting"] or Decimal("0.00"),
        awaiting_count=totals["awaiting_count"] or 0,
        paid_to_date=totals["paid"] or Decimal("0.00"),
        minimum=Decimal(str(setting_get("minimum_payout"))),
        last_period_end=totals["period_end"],
    )


def payouts_label(payouts: list[Payout]) -> list[Payout]:
    """Set ``method_label`` (the payout method as people read it) on each payout."""
    labels = dict(PaymentMethod.choices)
    for payout in payouts:
        payout.method_label = labels.get(payout.payout_method, payout.payout_method)
    return payouts


def payout_details_rows(publisher: Publisher) -> list[tuple[str, str]]:
    """The publisher's payout details as (label, value) rows for finance."""
    labels = {
        "email": "PayPal email",
        "account_holder": "Account holder",
        "iban": "IBAN / account",
        "bic": "BIC / SWIFT",
        "bank_name": "Bank",
    }
    details = publisher.payout_details or {}
    rows = [(labels[key], str(details[key])) for key in labels if details.get(key)]
    rows += [
        (key.replace("_", " ").capitalize(), str(value))
        for key, value in details.items()
        if key not in labels and value not in (None, "")
    ]
    return rows
