"""Billing reads, scoped once here, and the figures derived from the ledger.

Who sees what: admins and finance see every wallet, invoice and payout; an advertiser its
own wallet and invoices; a partner those of the advertisers it manages (the campaign
scoping rule, reused); a publisher its own payouts.

A wallet's balance is never stored: it is the sum of its ledger entries minus the spend not
posted yet (the rollups since the last posted day, today's included), so it moves with
every drained event and does not change when a day is posted.
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from apps.accounts.models import User
from apps.accounts.platform_settings import setting_get
from apps.campaigns.selectors import advertiser_list
from apps.delivery.models import HourlyStat
from apps.inventory.selectors import publisher_list
from apps.reporting.periods import tz_get

from . import clock
from .models import (
    Invoice,
    InvoiceStatus,
    Payout,
    Transaction,
    TransactionKind,
    Wallet,
    WalletMode,
)
from .money import cents, micros_of

# --- Wallets ------------------------------------------------------------------------------


def _visible_advertisers(user: User) -> QuerySet:
    return advertiser_list(user=user).prefetch_related(None).values("id")


def wallet_list(
    *, user: User, advertiser_id: int | None = None, mode: str | None = None
) -> QuerySet[Wallet]:
    qs = Wallet.objects.filter(advertiser__in=_visible_advertisers(user))
    if advertiser_id is not None:
        qs = qs.filter(advertiser_id=advertiser_id)
    if mode:
        qs = qs.filter(mode=mode)
    return qs.select_related("advertiser").order_by("id")


def wallet_get(*, user: User, wallet_id: int) -> Wallet | None:
    return wallet_list(user=user).filter(pk=wallet_id).first()


def transaction_list(*, wallet: Wallet, kind: str | None = None) -> QuerySet[Transaction]:
    qs = wallet.transactions.select_related("invoice", "payout").order_by("-created_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@dataclass(frozen=True)
class WalletFigures:
    ledger_micros: int = 0
    unposted_micros: int = 0
    today_micros: int = 0

    @property
    def balance_micros(self) -> int:
        return self.ledger_micros - self.unposted_micros


def _today_start(wallet: Wallet, at: datetime) -> datetime:
    tz = tz_get(wallet.advertiser.timezone)
    return clock.day_start(at.astimezone(tz).date(), tz)


def wallet_figures(
    wallets: list[Wallet], *, at: datetime | None = None
) -> dict[int, WalletFigures]:
    """Ledger sum, unposted spend and today's spend of each wallet, in two queries."""
    if not wallets:
        return {}
    at = at or clock.now()
    ledger = dict(
        Transaction.objects.filter(wallet__in=wallets)
        .values("wallet_id")
        .annotate(total=Sum("amount_micros"))
        .order_by()
        .values_list("wallet_id", "total")
    )
    unposted, today = Q(pk__in=[]), Q(pk__in=[])
    for wallet in wallets:
        mine = Q(advertiser_id=wallet.advertiser_id)
        if wallet.spend_posted_until is not None:
            mine &= Q(hour__gte=wallet.spend_posted_until)
        unposted |= mine
        today |= Q(advertiser_id=wallet.advertiser_id, hour__gte=_today_start(wallet, at))
    spend = {
        row["advertiser_id"]: row
        for row in HourlyStat.objects.filter(unposted | today)
        .values("advertiser_id")
        .annotate(
            unposted=Sum("spend_micros", filter=unposted),
            today=Sum("spend_micros", filter=today),
        )
        .order_by()
    }
    figures = {}
    for wallet in wallets:
        row = spend.get(wallet.advertiser_id, {})
        figures[wallet.pk] = WalletFigures(
            ledger_micros=ledger.get(wallet.pk) or 0,
            unposted_micros=row.get("unposted") or 0,
            today_micros=row.get("today") or 0,
        )
    return figures


def wallet_posted_through(wallet: Wallet) -> date | None:
    """The last local day whose spend is in the ledger."""
    if wallet.spend_posted_until is None:
        return None
    tz = tz_get(wallet.advertiser.timezone)
    return clock.hour_day(wallet.spend_posted_until - timedelta(hours=1), tz)


def wallet_balance_micros(*, wallet: Wallet) -> int:
    return wallet_figures([wallet])[wallet.pk].balance_micros


def wallet_available_micros(wallet: Wallet, figures: WalletFigures) -> int | None:
    """What may still be spent: the balance plus the credit; None when there is no limit."""
    if wallet.mode == WalletMode.PREPAID:
        return figures.balance_micros
    if wallet.credit_limit is None:
        return None
    return figures.balance_micros + micros_of(wallet.credit_limit)


def wallet_spend_limits(advertiser_ids: Iterable[int] | None = None) -> dict[int, int]:
    """advertiser_id → its funding in micros (deposits, refunds and adjustments, signed,
    plus the credit limit of a postpaid wallet), for wallets whose serving stops when the
    money runs out (of the given advertisers, or all). Serving compares it with the
    advertiser's all-time spend counter; unlimited wallets (postpaid without a limit) are
    absent."""
    limited = Wallet.objects.filter(
        Q(mode=WalletMode.PREPAID) | Q(mode=WalletMode.POSTPAID, credit_limit__isnull=False)
    )
    if advertiser_ids is not None:
        limited = limited.filter(advertiser_id__in=list(advertiser_ids))
    funding = dict(
        Transaction.objects.filter(wallet__in=limited)
        .exclude(kind=TransactionKind.SPEND)
        .values("wallet_id")
        .annotate(total=Sum("amount_micros"))
        .order_by()
        .values_list("wallet_id", "total")
    )
    limits = {}
    for wallet_id, advertiser_id, mode, credit_limit in limited.values_list(
        "id", "advertiser_id", "mode", "credit_limit"
    ):
        credit = micros_of(credit_limit) if mode == WalletMode.POSTPAID else 0
        limits[advertiser_id] = (funding.get(wallet_id) or 0) + credit
    return limits


# --- Invoices -----------------------------------------------------------------------------


def invoice_list(
    *, user: User, status: str | None = None, advertiser_id: int | None = None
) -> QuerySet[Invoice]:
    qs = Invoice.objects.filter(wallet__advertiser__in=_visible_advertisers(user))
    if status:
        qs = qs.filter(status=status)
    if advertiser_id is not None:
        qs = qs.filter(wallet__advertiser_id=advertiser_id)
    return qs.select_related("wallet__advertiser").order_by("-created_at", "-id")


def invoice_get(*, user: User, invoice_uuid: uuid_lib.UUID) -> Invoice | None:
    return invoice_list(user=user).filter(uuid=invoice_uuid).first()


def invoice_transactions(invoice: Invoice) -> QuerySet[Transaction]:
    return invoice.transactions.select_related("invoice", "payout").order_by("created_at", "id")


def payment_terms_days() -> int:
    """Days an issued invoice is payable in (the ``payment_terms_days`` platform setting)."""
    return int(setting_get("payment_terms_days"))


def invoice_due_date(invoice: Invoice, *, terms_days: int | None = None) -> date | None:
    """The day an issued invoice is due: its issue day plus the payment terms."""
    if invoice.issued_at is None:
        return None
    terms = payment_terms_days() if terms_days is None else terms_days
    return (invoice.issued_at + timedelta(days=terms)).date()


def invoice_amount_due(invoice: Invoice) -> Decimal:
    """What the customer still has to pay on the invoice: the total of an open invoice of a
    postpaid wallet; nothing once paid or void, and nothing for a prepaid wallet, whose
    balance already paid the spend (its invoice is a receipt)."""
    if invoice.status != InvoiceStatus.OPEN or invoice.wallet.mode == WalletMode.PREPAID:
        return Decimal("0.00")
    return invoice.total


@dataclass(frozen=True)
class AmountOwed:
    """What an advertiser owes now (open invoices) and what is spent but not invoiced yet."""

    currency: str
    owed_now: Decimal
    open_invoices: list[Invoice]
    next_due: date | None
    overdue: Decimal
    not_invoiced: Decimal


def wallet_amount_owed(
    *, wallet: Wallet, figures: WalletFigures, at: datetime | None = None
) -> AmountOwed:
    """Open invoices due (their amounts, the next due date, the overdue part) and the spend
    not on any invoice yet (posted and unposted), in two queries."""
    today = (at or clock.now()).date()
    terms = payment_terms_days()
    invoices = list(
        Invoice.objects.filter(wallet=wallet, status=InvoiceStatus.OPEN)
        .select_related("wallet")
        .order_by("issued_at", "id")
    )
    owed = [inv for inv in invoices if invoice_amount_due(inv) > 0]
    dues = [invoice_due_date(inv, terms_days=terms) for inv in owed]
    unbilled = (
        Transaction.objects.filter(
            wallet=wallet, kind=TransactionKind.SPEND, invoice__isnull=True
        ).aggregate(total=Sum("amount_micros"))["total"]
        or 0
    )
    return AmountOwed(
        currency=wallet.currency,
        owed_now=sum((invoice_amount_due(inv) for inv in owed), Decimal("0.00")),
        open_invoices=owed,
        next_due=min((due for due in dues if due), default=None),
        overdue=sum(
            (inv.total for inv, due in zip(owed, dues, strict=True) if due and due < today),
            Decimal("0.00"),
        ),
        not_invoiced=cents(-unbilled + figures.unposted_micros),
    )


# --- Payouts ------------------------------------------------------------------------------


def payout_list(
    *, user: User, status: str | None = None, publisher_id: int | None = None
) -> QuerySet[Payout]:
    qs = Payout.objects.filter(
        publisher__in=publisher_list(user=user).prefetch_related(None).values("id")
    )
    if status:
        qs = qs.filter(status=status)
    if publisher_id is not None:
        qs = qs.filter(publisher_id=publisher_id)
    return qs.select_related("publisher").order_by("-period_end", "-id")


def payout_get(*, user: User, payout_uuid: uuid_lib.UUID) -> Payout | None:
    return payout_list(user=user).filter(uuid=payout_uuid).first()
