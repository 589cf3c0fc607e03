"""Wallets and the money finance moves by hand: deposits, refunds, adjustments.

Every change to what funds an advertiser (anything but spend) bumps the inventory version
after commit, so serving re-reads ``wallet_spend_limits`` and stops or resumes the
advertiser's campaigns.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.accounts.platform_settings import setting_get
from apps.campaigns.models import Advertiser
from apps.common.errors import BusinessRuleError, FieldValidationError
from apps.common.events import domain_event_emit, inventory_changed

from ..models import PaymentMethod, Transaction, TransactionKind, Wallet, WalletMode
from ..money import cents, micros_of

UNSET: Any = object()


def wallet_ensure(*, advertiser: Advertiser) -> Wallet:
    """The advertiser's wallet, made on first need in its currency and the default mode."""
    wallet = Wallet.objects.filter(advertiser=advertiser).first()
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            return Wallet.objects.create(
                advertiser=advertiser,
                currency=advertiser.currency,
                mode=str(setting_get("default_wallet_mode")),
            )
    except IntegrityError:  # made concurrently
        return Wallet.objects.get(advertiser=advertiser)


def wallet_follow_advertiser(*, advertiser: Advertiser) -> None:
    """Keep an unused wallet in its advertiser's currency (a used one keeps its own)."""
    wallet = wallet_ensure(advertiser=advertiser)
    if wallet.currency != advertiser.currency and not wallet.transactions.exists():
        wallet.currency = advertiser.currency
        wallet.save(update_fields=["currency", "updated_at"])


@transaction.atomic
def wallet_update(
    *,
    wallet: Wallet,
    mode: str = UNSET,
    credit_limit: Decimal | None = UNSET,
    billing_name: str = UNSET,
    billing_address: str = UNSET,
    vat_id: str = UNSET,
) -> Wallet:
    """Change the mode or credit limit (admin) or the billing details (owner).

    Switching to prepaid drops the credit limit; a credit limit on a prepaid wallet is 422.
    """
    wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    funding_before = (wallet.mode, wallet.credit_limit)
    if mode is not UNSET:
        wallet.mode = mode
        if mode == WalletMode.PREPAID and credit_limit is UNSET:
            wallet.credit_limit = None
    if credit_limit is not UNSET:
        if credit_limit is not None and wallet.mode == WalletMode.PREPAID:
            raise FieldValidationError(
                "credit_limit", "Only postpaid wallets have a credit limit.", code="invalid"
            )
        wallet.credit_limit = credit_limit
    for name, value in (
        ("billing_name", billing_name),
        ("billing_address", billing_address),
        ("vat_id", vat_id),
    ):
        if value is not UNSET:
            setattr(wallet, name, value.strip())
    wallet.full_clean()
    wallet.save()
    if (wallet.mode, wallet.credit_limit) != funding_before:
        inventory_changed(kind="advertiser", ids=[wallet.advertiser_id], fields=["funds"])
    return wallet


# --- Ledger entries -----------------------------------------------------------------------


def ledger_entry(*, wallet: Wallet, kind: str, amount_micros: int, **fields) -> Transaction:
    """Append one entry to ``wallet``'s ledger; funding changes reach serving after commit."""
    entry = Transaction.objects.create(
        wallet=wallet, kind=kind, amount_micros=amount_micros, currency=wallet.currency, **fields
    )
    if kind != TransactionKind.SPEND:
        inventory_changed(kind="advertiser", ids=[wallet.advertiser_id], fields=["funds"])
    return entry


def currency_check(wallet: Wallet, currency: str | None) -> None:
    if currency and currency.upper() != wallet.currency:
        raise BusinessRuleError(
            f"This wallet is in {wallet.currency}; a deposit in {currency.upper()} cannot be "
            "recorded. Convert it first.",
            code="currency_mismatch",
        )


def amount_positive_micros(amount: Decimal, field: str = "amount") -> int:
    if amount is None or Decimal(amount) <= 0:
        raise FieldValidationError(field, "Must be greater than 0.", code="too_small")
    return micros_of(amount)


def payment_event(*, entry: Transaction, wallet: Wallet, **extra) -> None:
    """``payment.completed`` for money that reached the wallet."""
    domain_event_emit(
        event_type="payment.completed",
        owner=wallet.advertiser.user,
        data={
            "wallet_id": wallet.pk,
            "advertiser_id": wallet.advertiser_id,
            "transaction_id": str(entry.uuid),
            "amount": str(cents(entry.amount_micros)),
            "currency": wallet.currency,
            "method": entry.method,
            "reference": entry.reference,
            **extra,
        },
    )


@transaction.atomic
def deposit_record(
    *,
    wallet: Wallet,
    amount: Decimal,
    actor: User | None,
    currency: str | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    description: str = "",
    external_id: str | None = None,
    invoice=None,
    event_extra: dict | None = None,
) -> Transaction:
    """Money received for ``wallet`` (a bank transfer, a card payment, an invoice paid)."""
    micros = amount_positive_micros(amount)
    currency_check(wallet, currency)
    wallet = Wallet.objects.select_related("advertiser__user").get(pk=wallet.pk)
    entry = ledger_entry(
        wallet=wallet,
        kind=TransactionKind.DEPOSIT,
        amount_micros=micros,
        method=method,
        reference=reference[:200],
        description=(description or f"Deposit by {PaymentMethod(method).label.lower()}")[:500],
        external_id=external_id,
        invoice=invoice,
        created_by=actor,
    )
    payment_event(entry=entry, wallet=wallet, **(event_extra or {}))
    return entry


@transaction.atomic
def adjustment_record(
    *,
    wallet: Wallet,
    reason: str,
    actor: User | None,
    amount: Decimal | None = None,
    amount_micros: int | None = None,
    campaign_id: int | None = None,
    day: date | None = None,
) -> Transaction:
    """A correction either way (positive credits the advertiser); always with a reason.

    With ``day`` (and usually ``campaign_id``) it corrects that day's posted spend and is
    billed with it on the invoice covering the day.
    """
    micros = amount_micros if amount_micros is not None else micros_of(amount or 0)
    if micros == 0:
        raise FieldValidationError("amount", "An adjustment cannot be 0.", code="invalid")
    if not reason or not reason.strip():
        raise FieldValidationError("reason", "Say why the balance is adjusted.", code="required")
    return ledger_entry(
        wallet=wallet,
        kind=TransactionKind.ADJUSTMENT,
        amount_micros=micros,
        description=reason.strip()[:500],
        campaign_id=campaign_id,
        day=day,
        created_by=actor,
    )


@transaction.atomic
def refund_record(
    *,
    wallet: Wallet,
    amount: Decimal,
    reason: str,
    actor: User | None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
) -> Transaction:
    """Money paid back to the advertiser out of its balance (never more than it has)."""
    from ..selectors import wallet_balance_micros

    micros = amount_positive_micros(amount)
    wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    if micros > wallet_balance_micros(wallet=wallet):
        raise BusinessRuleError(
            "A refund cannot exceed the wallet's balance.", code="insufficient_balance"
        )
    return ledger_entry(
        wallet=wallet,
        kind=TransactionKind.REFUND,
        amount_micros=-micros,
        method=method,
        reference=reference[:200],
        description=(reason.strip() or "Refund")[:500],
        created_by=actor,
    )
