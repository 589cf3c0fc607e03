"""Payment providers behind one small interface; Stripe Checkout is the one implemented.

A provider starts a hosted checkout for a wallet top-up and turns its signed notifications
into ``ProviderEvent``s. Keys come from the platform settings (``stripe_secret_key``,
``stripe_webhook_secret``; secrets, masked in the API) or else from the environment
(``STRIPE_SECRET_KEY``, ``STRIPE_WEBHOOK_SECRET``). Without them ``payment_provider()`` is
None and card top-ups answer 400.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from apps.accounts.platform_settings import setting_get

logger = logging.getLogger(__name__)

# Currencies Stripe counts in whole units rather than cents.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


def minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return int(Decimal(amount))
    return int(Decimal(amount) * 100)


def from_minor_units(value: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(value).quantize(Decimal("0.01"))
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CheckoutSession:
    provider: str
    session_id: str
    url: str


@dataclass(frozen=True)
class ProviderEvent:
    """A notification: ``kind`` is ``completed``, ``failed`` or ``ignored``."""

    kind: str
    event_id: str
    event_type: str
    session_id: str | None = None
    payment_uuid: str | None = None
    wallet_id: int | None = None
    amount: Decimal | None = None
    currency: str | None = None
    reason: str = ""


class WebhookRejectedError(Exception):
    """The notification's signature or body is not valid."""


class ProviderUnavailableError(Exception):
    """The provider could not be reached (``reached`` false) or answered with an error.

    It carries no text of the provider's library, whose messages name hosts, connection pools
    and request ids: the caller answers a stable message, the detail is logged where it
    happened.
    """

    def __init__(self, *, reached: bool):
        super().__init__("refused the request" if reached else "could not be reached")
        self.reached = reached


class PaymentProvider(Protocol):
    name: str

    @property
    def can_checkout(self) -> bool: ...

    @property
    def can_receive(self) -> bool: ...

    def create_checkout(
        self, *, payment, amount: Decimal, currency: str, success_url: str, cancel_url: str
    ) -> CheckoutSession: ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> ProviderEvent: ...


class StripeProvider:
    name = "stripe"
    COMPLETED = frozenset(
        {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
    )
    FAILED = frozenset(
        {
            "checkout.session.async_payment_failed",
            "checkout.session.expired",
            "payment_intent.payment_failed",
        }
    )

    def __init__(self, *, secret_key: str, webhook_secret: str):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret

    @property
    def can_checkout(self) -> bool:
        return bool(self.secret_key)

    @property
    def can_receive(self) -> bool:
        return bool(self.webhook_secret)

    def create_checkout(
        self, *, payment, amount: Decimal, currency: str, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        import stripe

        metadata = {"payment_uuid": str(payment.uuid), "wallet_id": str(payment.wallet_id)}
        try:
            session = stripe.checkout.Session.create(
                api_key=self.secret_key,
                mode="payment",
                client_reference_id=str(payment.uuid),
                line_items=[
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency.lower(),
                            "unit_amount": minor_units(amount, currency),
                            "product_data": {"name": "Advertising wallet top-up"},
                        },
                    }
                ],
                metadata=metadata,
                payment_intent_data={"metadata": metadata},
                success_url=success_url,
                cancel_url=cancel_url,
            )
        except stripe.APIConnectionError as exc:  # DNS, connect, TLS, timeouts
            logger.warning("Stripe could not be reached for payment %s: %r", payment.uuid, exc)
            raise ProviderUnavailableError(reached=False) from exc
        except stripe.StripeError as exc:
            logger.warning(
                "Stripe refused the checkout of payment %s: %s (HTTP %s, request %s): %s",
                payment.uuid,
                type(exc).__name__,
                getattr(exc, "http_status", None),
                getattr(exc, "request_id", None),
                exc,
            )
            raise ProviderUnavailableError(reached=True) from exc
        return CheckoutSession(provider=self.name, session_id=session.id, url=session.url)

    def parse_webhook(self, *, payload: bytes, signature: str) -> ProviderEvent:
        import stripe

        try:
            stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
            event = json.loads(payload)
            event_type = event["type"]
            obj = event["data"]["object"]
        except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError) as exc:
            raise WebhookRejectedError(str(exc)) from exc
        metadata = obj.get("metadata") or {}
        is_session = obj.get("object") == "checkout.session"
        currency = (obj.get("currency") or "").upper() or None
        minor = obj.get("amount_total") if is_session else obj.get("amount")
        common = {
            "event_id": str(event.get("id", "")),
            "event_type": event_type,
            "session_id": obj.get("id") if is_session else None,
            "payment_uuid": metadata.get("payment_uuid") or obj.get("client_reference_id"),
            "wallet_id": int(metadata["wallet_id"])
            if str(metadata.get("wallet_id", "")).isdigit()
            else None,
            "amount": from_minor_units(minor, currency) if minor is not None and currency else None,
            "currency": currency,
        }
        if event_type in self.COMPLETED and obj.get("payment_status") in (
            "paid",
            "no_payment_required",
        ):
            return ProviderEvent(kind="completed", **common)
        if event_type in self.FAILED:
            error = obj.get("last_payment_error") or {}
            reason = error.get("message") or event_type.rsplit(".", 1)[-1].replace("_", " ")
            return ProviderEvent(kind="failed", reason=reason, **common)
        return ProviderEvent(kind="ignored", **common)


def payment_provider() -> PaymentProvider | None:
    """The configured provider, or None when no Stripe key is set."""
    secret = str(setting_get("stripe_secret_key") or settings.STRIPE_SECRET_KEY)
    webhook = str(setting_get("stripe_webhook_secret") or settings.STRIPE_WEBHOOK_SECRET)
    if not secret and not webhook:
        return None
    return StripeProvider(secret_key=secret, webhook_secret=webhook)
