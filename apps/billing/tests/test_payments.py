"""Card top-ups: the Stripe checkout (API call mocked, no network) and signed webhooks built
the way Stripe signs them (HMAC-SHA256 of ``"{t}.{body}"`` with the webhook secret)."""

import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
import stripe

from apps.accounts.platform_settings import settings_update
from apps.billing.models import Payment, PaymentStatus, Transaction
from apps.billing.payments import from_minor_units, minor_units
from apps.common.models import DomainEvent

from .conftest import assert_error

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/billing/stripe/webhook"
SECRET = "whsec_test_secret"


def checkout_url(wallet) -> str:
    return f"/api/v1/billing/wallets/{wallet.pk}/checkout"


@pytest.fixture
def stripe_keys(db):
    settings_update(
        values={"stripe_secret_key": "sk_test_123", "stripe_webhook_secret": SECRET}, actor=None
    )


def signed(payload: dict, secret: str = SECRET, timestamp: int | None = None) -> tuple[str, str]:
    body = json.dumps(payload)
    stamp = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={digest}"


def post_event(client, payload: dict, **kw):
    body, header = signed(payload, **kw)
    return client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def session_event(payment, event_type="checkout.session.completed", **fields) -> dict:
    obj = {
        "id": payment.external_id,
        "object": "checkout.session",
        "amount_total": 2500,
        "currency": "usd",
        "payment_status": "paid",
        "client_reference_id": str(payment.uuid),
        "metadata": {"payment_uuid": str(payment.uuid), "wallet_id": str(payment.wallet_id)},
        **fields,
    }
    return {"id": "evt_1", "type": event_type, "data": {"object": obj}}


@pytest.fixture
def payment(wallet):
    return Payment.objects.create(
        wallet=wallet,
        provider="stripe",
        amount=Decimal("25.00"),
        currency="USD",
        external_id="cs_test_abc",
    )


def test_checkout_without_keys_is_a_clear_400(owner_client, wallet):
    response = owner_client.post(checkout_url(wallet), {"amount": "25.00"}, format="json")
    assert_error(response, 400, "payments_not_configured")
    assert not Payment.objects.exists()


def test_checkout_starts_a_stripe_session(owner_client, wallet, stripe_keys):
    session = SimpleNamespace(id="cs_test_xyz", url="https://checkout.stripe.com/c/pay/cs_test_xyz")
    with mock.patch("stripe.checkout.Session.create", return_value=session) as create:
        response = owner_client.post(checkout_url(wallet), {"amount": "25.00"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["session_id"], data["checkout_url"], data["status"]) == (
        "cs_test_xyz",
        session.url,
        "pending",
    )
    kwargs = create.call_args.kwargs
    assert kwargs["api_key"] == "sk_test_123"
    assert kwargs["line_items"][0]["price_data"] == {
        "currency": "usd",
        "unit_amount": 2500,
        "product_data": {"name": "Advertising wallet top-up"},
    }
    assert kwargs["metadata"]["payment_uuid"] == data["payment_id"]
    assert not Transaction.objects.exists()  # money only when the provider says it arrived


def test_checkout_bad_input(owner_client, rival_client, wallet, stripe_keys):
    assert_error(owner_client.post(checkout_url(wallet), {"amount": "0"}, format="json"), 422)
    assert_error(
        owner_client.post(checkout_url(wallet), {"amount": "5", "currency": "EUR"}, format="json"),
        400,
        "currency_mismatch",
    )
    assert_error(rival_client.post(checkout_url(wallet), {"amount": "5"}, format="json"), 404)


def test_provider_refusal_is_502(owner_client, wallet, stripe_keys):
    with mock.patch("stripe.checkout.Session.create", side_effect=stripe.StripeError("down")):
        response = owner_client.post(checkout_url(wallet), {"amount": "25.00"}, format="json")
    assert_error(response, 502, "payment_provider_error")
    assert Payment.objects.get().status == PaymentStatus.FAILED


UNREACHABLE = "The payment provider could not be reached; try again later."


def test_unreachable_provider_is_a_stable_502_and_logged(
    owner_client, wallet, stripe_keys, monkeypatch, caplog
):
    """The real library against a closed loopback port: its error names the host and the
    connection pool; the client gets our sentence, the log gets the detail."""
    monkeypatch.setattr(stripe, "api_base", "http://127.0.0.1:9")
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    with caplog.at_level(logging.WARNING, logger="apps.billing.payments"):
        response = owner_client.post(checkout_url(wallet), {"amount": "25.00"}, format="json")
    body = assert_error(response, 502, "payment_provider_unavailable")
    assert body["error"] == UNREACHABLE
    assert set(body) == {"success", "statusCode", "error", "message", "code"}
    text = response.content.decode()
    for leak in ("127.0.0.1", ":9", "Stripe", "onnection", "Errno", "api_base"):
        assert leak not in text, leak
    assert "127.0.0.1" in caplog.text  # the detail stays on the server
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == (PaymentStatus.FAILED, UNREACHABLE)


@pytest.mark.parametrize(
    ("error", "code", "leaks"),
    [
        (
            stripe.APIConnectionError(
                "Unexpected error communicating with Stripe. HTTPSConnectionPool("
                "host='api.stripe.com', port=443): Max retries exceeded with url: "
                "/v1/checkout/sessions (Caused by NewConnectionError('Failed to establish a "
                "new connection: [Errno 111] Connection refused'))"
            ),
            "payment_provider_unavailable",
            ("api.stripe.com", "HTTPSConnectionPool", "Errno", "/v1/checkout"),
        ),
        (
            stripe.AuthenticationError("Invalid API Key provided: sk_test_***123"),
            "payment_provider_error",
            ("sk_test", "API Key", "Invalid"),
        ),
        (
            stripe.RateLimitError("Request rate limit exceeded (req_8f3Kd)"),
            "payment_provider_error",
            ("req_8f3Kd", "rate limit"),
        ),
    ],
)
def test_library_errors_never_reach_the_client(
    owner_client, wallet, stripe_keys, error, code, leaks
):
    with mock.patch("stripe.checkout.Session.create", side_effect=error):
        response = owner_client.post(checkout_url(wallet), {"amount": "25.00"}, format="json")
    assert_error(response, 502, code)
    for leak in leaks:
        assert leak not in response.content.decode(), leak
    assert str(error) not in Payment.objects.get().failure_reason


def test_completed_webhook_records_one_deposit(api_client, wallet, payment, stripe_keys):
    response = post_event(api_client, session_event(payment))
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"received": True, "result": "completed"}
    deposit = wallet.transactions.get()
    assert (deposit.kind, deposit.amount_micros, deposit.method) == ("deposit", 25_000_000, "card")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    event = DomainEvent.objects.get(event_type="payment.completed")
    assert event.data["payment_id"] == str(payment.uuid)
    # Stripe retries: the same notification again changes nothing.
    again = post_event(api_client, session_event(payment))
    assert again.json()["data"]["result"] == "duplicate"
    assert wallet.transactions.count() == 1
    assert DomainEvent.objects.filter(event_type="payment.completed").count() == 1


def test_failed_payment_emits_payment_failed(api_client, wallet, payment, stripe_keys):
    response = post_event(api_client, session_event(payment, "checkout.session.expired"))
    assert response.json()["data"]["result"] == "failed"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    event = DomainEvent.objects.get(event_type="payment.failed")
    assert event.owner == wallet.advertiser.user and event.data["amount"] == "25.00"
    assert not wallet.transactions.exists()


def test_payment_intent_failure_found_by_metadata(api_client, payment, stripe_keys):
    intent = {
        "id": "evt_2",
        "type": "payment_intent.payment_failed",
        "data": {
            "object": {
                "id": "pi_1",
                "object": "payment_intent",
                "amount": 2500,
                "currency": "usd",
                "metadata": {"payment_uuid": str(payment.uuid)},
                "last_payment_error": {"message": "Your card was declined."},
            }
        },
    }
    assert post_event(api_client, intent).json()["data"]["result"] == "failed"
    payment.refresh_from_db()
    assert payment.failure_reason == "Your card was declined."


def test_paid_in_another_currency_is_not_deposited(api_client, wallet, payment, stripe_keys):
    post_event(api_client, session_event(payment, currency="eur"))
    assert not wallet.transactions.exists()
    assert DomainEvent.objects.filter(event_type="payment.failed").exists()


def test_bad_or_missing_signature_is_400(api_client, payment, stripe_keys):
    payload = session_event(payment)
    assert_error(post_event(api_client, payload, secret="whsec_wrong"), 400, "invalid_signature")
    stale = int(time.time()) - 3600
    assert_error(post_event(api_client, payload, timestamp=stale), 400, "invalid_signature")
    unsigned = api_client.post(WEBHOOK, payload, format="json")
    assert_error(unsigned, 400, "invalid_signature")
    garbage = api_client.post(
        WEBHOOK, data="not json", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=0"
    )
    assert_error(garbage, 400)
    assert not Transaction.objects.exists()


def test_webhook_is_not_held_to_the_anonymous_rate_limit(api_client, stripe_keys, settings):
    settings.RATELIMIT_API_ANON = "1/h"
    event = {"id": "evt_burst", "type": "customer.created", "data": {"object": {}}}
    statuses = [post_event(api_client, event).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_webhook_without_a_secret_is_400(api_client, payment):
    assert_error(post_event(api_client, session_event(payment)), 400, "payments_not_configured")


def test_unknown_events_are_acknowledged(api_client, stripe_keys):
    response = post_event(
        api_client, {"id": "evt_9", "type": "customer.created", "data": {"object": {}}}
    )
    assert response.json()["data"]["result"] == "ignored"


def test_keys_from_the_environment(api_client, payment, settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    assert post_event(api_client, session_event(payment)).json()["data"]["result"] == "completed"


def test_secret_keys_are_masked_in_settings(admin_client, stripe_keys):
    data = admin_client.get("/api/v1/settings").json()["data"]
    assert data["stripe_secret_key"] == "********"
    assert data["stripe_webhook_secret"] == "********"


def test_minor_units():
    assert minor_units(Decimal("12.34"), "USD") == 1234
    assert minor_units(Decimal("500"), "JPY") == 500
    assert from_minor_units(1234, "usd") == Decimal("12.34")
    assert from_minor_units(500, "JPY") == Decimal("500.00")
