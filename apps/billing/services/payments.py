"""Card top-ups through the payment provider: start a checkout, act on its notifications.

A completed payment becomes a ``deposit`` (its provider id is the entry's unique
``external_id``, so a replayed notification records nothing) and ``payment.completed``; a
failed or expired one marks the payment failed and emits ``payment.failed``.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.common.errors import ApiError, BusinessRuleError
from apps.common.events import domain_event_emit

from ..models import Payment, PaymentMethod, PaymentStatus, Wallet
from ..money import as_text
from ..payments import (
    ProviderEvent,
    ProviderUnavailableError,
    WebhookRejectedError,
    payment_provider,
)
from .wallets import amount_positive_micros, currency_check, deposit_record

logger = logging.getLogger(__name__)


class ProviderUnreachableError(ApiError):
    """The payment provider could not be reached (network, DNS, TLS, timeout)."""

    status_code = 502
    default_detail = "The payment provider could not be reached; try again later."
    default_code = "payment_provider_unavailable"
    summary = "payment provider unavailable"


class ProviderError(ApiError):
    """The payment provider answered, with an error (keys, limits, its own outage)."""

    status_code = 502
    default_detail = (
        "The payment provider could not start the checkout; try again later or contact support."
    )
    default_code = "payment_provider_error"
    summary = "payment provider error"


def _not_configured() -> BusinessRuleError:
    return BusinessRuleError(
        "Card payments are not configured on this platform (no payment provider keys).",
        code="payments_not_configured",
    )


def checkout_start(
    *,
    wallet: Wallet,
    amount: Decimal,
    actor: User | None,
    currency: str | None = None,
    success_url: str = "",
    cancel_url: str = "",
) -> tuple[Payment, str]:
    """Start a hosted checkout for a top-up; returns the payment and the page to send the
    payer to. The deposit is written when the provider reports the payment completed."""
    provider = payment_provider()
    if provider is None or not provider.can_checkout:
        raise _not_configured()
    amount_positive_micros(amount)
    currency_check(wallet, currency)
    payment = Payment.objects.create(
        wallet=wallet,
        provider=provider.name,
        amount=amount,
        currency=wallet.currency,
        created_by=actor,
    )
    back = f"{settings.SITE_URL.rstrip('/')}/"
    try:
        session = provider.create_checkout(
            payment=payment,
            amount=amount,
            currency=wallet.currency,
            success_url=success_url or back,
            cancel_url=cancel_url or back,
        )
    except ProviderUnavailableError as exc:
        # The provider's own words were logged by the provider; clients get ours.
        error = ProviderError() if exc.reached else ProviderUnreachableError()
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = str(error.detail)
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        raise error from exc
    payment.external_id = session.session_id
    payment.checkout_url = session.url
    payment.save(update_fields=["external_id", "checkout_url", "updated_at"])
    return payment, session.url


def _payment_for(event: ProviderEvent) -> Payment | None:
    qs = Payment.objects.select_for_update(of=("self",)).select_related("wallet__advertiser__user")
    if event.session_id:
        payment = qs.filter(external_id=event.session_id).first()
        if payment is not None:
            return payment
    try:
        payment_uuid = uuid.UUID(str(event.payment_uuid))
    except ValueError:  # absent or not ours
        return None
    return qs.filter(uuid=payment_uuid).first()


def payment_failed_event(*, payment: Payment, reason: str) -> None:
    wallet = payment.wallet
    domain_event_emit(
        event_type="payment.failed",
        owner=wallet.advertiser.user,
        data={
            "wallet_id": wallet.pk,
            "advertiser_id": wallet.advertiser_id,
            "payment_id": str(payment.uuid),
            "provider": payment.provider,
            "amount": as_text(payment.amount),
            "currency": payment.currency,
            "reason": reason,
        },
    )


@transaction.atomic
def _complete(payment: Payment, event: ProviderEvent) -> str:
    if payment.status == PaymentStatus.COMPLETED:
        return "duplicate"
    amount = event.amount if event.amount is not None else payment.amount
    currency = event.currency or payment.currency
    if currency != payment.wallet.currency or amount <= 0:
        return _fail(payment, f"Paid {amount} {currency}; the wallet is in {payment.currency}.")
    deposit_record(
        wallet=payment.wallet,
        amount=amount,
        actor=None,
        currency=currency,
        method=PaymentMethod.CARD,
        reference=event.session_id or str(payment.uuid),
        description=f"Card top-up ({payment.provider})",
        external_id=f"{payment.provider}:{event.session_id or payment.uuid}",
        event_extra={"payment_id": str(payment.uuid), "provider": payment.provider},
    )
    payment.amount = amount
    payment.status = PaymentStatus.COMPLETED
    payment.completed_at = timezone.now()
    payment.failure_reason = ""
    payment.save()
    return "completed"


def _fail(payment: Payment, reason: str) -> str:
    if payment.status != PaymentStatus.PENDING:
        return "duplicate"
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason[:500]
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    payment_failed_event(payment=payment, reason=payment.failure_reason)
    return "failed"


@transaction.atomic
def provider_webhook_handle(*, payload: bytes, signature: str) -> str:
    """Verify and apply one notification; returns what happened (``completed``, ``failed``,
    ``duplicate`` or ``ignored``). A bad signature is 400 ``invalid_signature``."""
    provider = payment_provider()
    if provider is None or not provider.can_receive:
        raise _not_configured()
    try:
        event = provider.parse_webhook(payload=payload, signature=signature)
    except WebhookRejectedError as exc:
        logger.warning("Rejected a payment notification: %s", exc)
        raise BusinessRuleError(
            "The notification's signature could not be verified.", code="invalid_signature"
        )
    if event.kind == "ignored":
        return "ignored"
    payment = _payment_for(event)
    if payment is None and event.wallet_id is not None and event.kind == "completed":
        # A checkout made outside this platform's flow but naming one of our wallets.
        wallet = Wallet.objects.filter(pk=event.wallet_id).first()
        if wallet is not None and event.amount is not None:
            payment = Payment.objects.create(
                wallet=wallet,
                provider=provider.name,
                amount=event.amount,
                currency=event.currency or wallet.currency,
                external_id=event.session_id,
            )
    if payment is None:
        logger.warning("Payment notification %s names no known payment", event.event_id)
        return "ignored"
    if event.kind == "completed":
        return _complete(payment, event)
    return _fail(payment, event.reason or "The payment failed.")
