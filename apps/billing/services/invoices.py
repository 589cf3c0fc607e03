"""Invoices: a period's posted spend per campaign, tax, a gapless number, and the money.

Lifecycle: ``draft`` → ``open`` (issued: numbered, the customer's billing details frozen) →
``paid``; a draft or an open invoice may be voided. Other changes answer 409.

An invoice bills the wallet's unbilled ``spend`` entries (and the day corrections of them)
of its period; they are allocated to it, so no charge is billed twice, and a void releases
them for the next invoice. Each line is the exact sum of a campaign's charges rounded once.
When it is issued the ledger gets the difference between the exact charges and the rounded
lines (``adjustment``, at most half a cent a line) and the tax (``adjustment``), so the
entries of an invoice add up to its total to the micro. Paying an invoice of a postpaid
wallet records the payment as a ``deposit``; a prepaid wallet paid in advance, so nothing
moves then. Voiding an issued invoice reverses its rounding and tax entries.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from apps.accounts.models import User
from apps.accounts.platform_settings import setting_get
from apps.common.errors import BusinessRuleError, ConflictError, FieldValidationError
from apps.delivery.models import HourlyStat
from apps.reporting.periods import tz_get

from .. import clock
from ..models import (
    INVOICE_TRANSITIONS,
    Invoice,
    InvoiceItem,
    InvoiceSequence,
    InvoiceStatus,
    PaymentMethod,
    Transaction,
    TransactionKind,
    Wallet,
    WalletMode,
)
from ..money import cents, micros_of, tax_of
from .spend import BILLED_KINDS, campaign_names, spend_post_due, spend_post_wallet
from .wallets import deposit_record, ledger_entry

MAX_PERIOD_DAYS = 366


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("wallet__advertiser__user")
        .get(pk=invoice.pk)
    )


def _transition(invoice: Invoice, status: str) -> None:
    if status not in INVOICE_TRANSITIONS[invoice.status]:
        raise ConflictError(
            f"A {invoice.status} invoice cannot become {status}.",
            code="invalid_status_transition",
        )


def invoice_number_next(*, year: int) -> str:
    """The next number of ``year``, taken under a row lock inside the caller's transaction,
    so a rolled-back issue gives its number back and the sequence has no gaps."""
    try:
        with transaction.atomic():
            InvoiceSequence.objects.get_or_create(year=year)
    except IntegrityError:  # another transaction made the row first
        pass
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{setting_get('invoice_prefix')}-{year}-{sequence.last_number:06d}"


def _quantities(wallet: Wallet, first: date, last: date) -> dict[int, dict[str, int]]:
    tz = tz_get(wallet.advertiser.timezone)
    rows = (
        HourlyStat.objects.filter(
            advertiser_id=wallet.advertiser_id,
            hour__gte=clock.day_start(first, tz),
            hour__lt=clock.day_end(last, tz),
        )
        .values("campaign_id")
        .annotate(
            impressions=Sum("impressions"), clicks=Sum("clicks"), conversions=Sum("conversions")
        )
        .order_by()
    )
    return {row.pop("campaign_id"): row for row in rows}


@transaction.atomic
def invoice_create(
    *,
    wallet: Wallet,
    period_start: date,
    period_end: date,
    actor: User | None = None,
    issue: bool = True,
    at: datetime | None = None,
) -> Invoice:
    """Bill ``wallet``'s unbilled charges of the (finished) period; issue it unless asked
    for a draft. Nothing to bill is 400 ``nothing_to_invoice``; a period already billed is
    409 ``already_invoiced``."""
    at = at or clock.now()
    if period_end < period_start:
        raise FieldValidationError(
            "period_end", "The period must not end before it starts.", code="end_before_start"
        )
    if (period_end - period_start).days + 1 > MAX_PERIOD_DAYS:
        raise FieldValidationError(
            "period_end", f"A period spans at most {MAX_PERIOD_DAYS} days.", code="too_big"
        )
    tz = tz_get(wallet.advertiser.timezone)
    if not clock.is_complete(period_end, tz, at):
        raise BusinessRuleError(
            "The period is not over yet in the advertiser's time zone.", code="period_not_over"
        )
    spend_post_wallet(wallet=wallet, at=at, through=period_end)
    wallet = (
        Wallet.objects.select_for_update(of=("self",))
        .select_related("advertiser__user")
        .get(pk=wallet.pk)
    )
    billable = wallet.transactions.filter(
        kind__in=BILLED_KINDS, day__gte=period_start, day__lte=period_end
    )
    entries = list(billable.filter(invoice__isnull=True))
    if not entries:
        if billable.exists():
            raise ConflictError(
                "The spend of this period is already invoiced.", code="already_invoiced"
            )
        raise BusinessRuleError(
            "There is no spend to invoice in this period.", code="nothing_to_invoice"
        )
    charges: dict[int | None, int] = defaultdict(int)
    for entry in entries:
        charges[entry.campaign_id] -= entry.amount_micros
    names = campaign_names(c for c in charges if c is not None)
    quantities = _quantities(wallet, period_start, period_end)
    span = f"{period_start.isoformat()} – {period_end.isoformat()}"
    items = []
    for campaign_id, micros in sorted(charges.items(), key=lambda kv: kv[0] or 0):
        if campaign_id is None:
            description = f"Adjustments, {span}"
        else:
            name = names.get(campaign_id, f"Campaign #{campaign_id}")
            description = f"{name}: advertising {span}"
        items.append(
            InvoiceItem(
                campaign_id=campaign_id,
                description=description[:300],
                amount_micros=micros,
                amount=cents(micros),
                **quantities.get(campaign_id, {}),
            )
        )
    subtotal = sum((item.amount for item in items), Decimal("0.00"))
    rate = Decimal(str(setting_get("tax_rate")))
    tax = tax_of(subtotal, rate)
    invoice = Invoice.objects.create(
        wallet=wallet,
        currency=wallet.currency,
        period_start=period_start,
        period_end=period_end,
        spend_micros=sum(charges.values()),
        subtotal=subtotal,
        tax_rate=rate,
        tax=tax,
        total=subtotal + tax,
        created_by=actor,
    )
    for item in items:
        item.invoice = invoice
    InvoiceItem.objects.bulk_create(items)
    Transaction.objects.filter(pk__in=[e.pk for e in entries]).update(invoice=invoice)
    if issue:
        invoice = invoice_issue(invoice=invoice, actor=actor, at=at)
    return invoice


@transaction.atomic
def invoice_issue(
    *, invoice: Invoice, actor: User | None = None, at: datetime | None = None
) -> Invoice:
    """Draft → open: number it, freeze the billing details, charge rounding and tax."""
    at = at or clock.now()
    invoice = _locked(invoice)
    _transition(invoice, InvoiceStatus.OPEN)
    wallet = invoice.wallet
    invoice.number = invoice_number_next(year=at.year)
    invoice.billing_name = wallet.billing_name or wallet.advertiser.company
    invoice.billing_address = wallet.billing_address
    invoice.vat_id = wallet.vat_id
    rounding = micros_of(invoice.subtotal) - invoice.spend_micros
    if rounding:
        ledger_entry(
            wallet=wallet,
            kind=TransactionKind.ADJUSTMENT,
            amount_micros=-rounding,
            description=f"Rounding of the lines of invoice {invoice.number} to cents",
            invoice=invoice,
            created_by=actor,
        )
    if invoice.tax:
        ledger_entry(
            wallet=wallet,
            kind=TransactionKind.ADJUSTMENT,
            amount_micros=-micros_of(invoice.tax),
            description=f"Tax ({invoice.tax_rate * 100:.2f}%) on invoice {invoice.number}",
            invoice=invoice,
            created_by=actor,
        )
    invoice.status = InvoiceStatus.OPEN
    invoice.issued_at = at
    invoice.save()
    return invoice


@transaction.atomic
def invoice_mark_paid(
    *,
    invoice: Invoice,
    actor: User | None = None,
    reference: str = "",
    method: str = PaymentMethod.BANK_TRANSFER,
    at: datetime | None = None,
) -> Invoice:
    """Open → paid. A postpaid wallet's payment is recorded as a deposit of the total."""
    at = at or clock.now()
    invoice = _locked(invoice)
    _transition(invoice, InvoiceStatus.PAID)
    wallet = invoice.wallet
    if wallet.mode == WalletMode.POSTPAID and invoice.total > 0:
        deposit_record(
            wallet=wallet,
            amount=invoice.total,
            actor=actor,
            method=method,
            reference=reference,
            description=f"Payment of invoice {invoice.number}",
            invoice=invoice,
            event_extra={"invoice_id": str(invoice.uuid), "invoice_number": invoice.number},
        )
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = at
    invoice.payment_reference = reference[:200]
    invoice.save()
    return invoice


@transaction.atomic
def invoice_void(
    *, invoice: Invoice, actor: User | None = None, reason: str = "", at: datetime | None = None
) -> Invoice:
    """Draft or open → void: reverse its rounding and tax, release its charges."""
    at = at or clock.now()
    invoice = _locked(invoice)
    _transition(invoice, InvoiceStatus.VOID)
    for entry in invoice.transactions.filter(kind=TransactionKind.ADJUSTMENT, day__isnull=True):
        ledger_entry(
            wallet=invoice.wallet,
            kind=TransactionKind.ADJUSTMENT,
            amount_micros=-entry.amount_micros,
            description=f"Reversed, invoice {invoice.number} void: {entry.description}"[:500],
            invoice=invoice,
            created_by=actor,
        )
    invoice.transactions.filter(day__isnull=False).update(invoice=None)
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = at
    invoice.void_reason = reason[:500]
    invoice.save()
    return invoice


def invoices_issue_monthly(
    *,
    month: date | None = None,
    at: datetime | None = None,
    advertiser_ids: list[int] | None = None,
) -> list[Invoice]:
    """Issue ``month``'s invoice (default: last month) for every advertiser with unbilled
    spend in it, once the month is over in its time zone. Running it again issues nothing."""
    at = at or clock.now()
    first, last = clock.month_bounds(month or clock.previous_month(at.date()))
    spend_post_due(at=at, through=last, advertiser_ids=advertiser_ids)
    pending = Transaction.objects.filter(
        kind__in=BILLED_KINDS, day__gte=first, day__lte=last, invoice__isnull=True
    ).filter(Q(wallet__advertiser_id__in=advertiser_ids) if advertiser_ids is not None else Q())
    wallet_ids = sorted(set(pending.values_list("wallet_id", flat=True)))
    issued = []
    for wallet in Wallet.objects.select_related("advertiser").filter(pk__in=wallet_ids):
        if not clock.is_complete(last, tz_get(wallet.advertiser.timezone), at):
            continue
        try:
            issued.append(invoice_create(wallet=wallet, period_start=first, period_end=last, at=at))
        except (BusinessRuleError, ConflictError):
            continue
    return issued
