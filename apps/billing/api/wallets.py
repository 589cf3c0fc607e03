"""Wallets API: balances, the ledger, deposits and other money finance moves, card top-ups
through the payment provider and its webhook, and the reconciliation check."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.common.api import ok, paginate, paginated, validate_body, validate_query
from apps.common.schema import envelope, error_response

from .. import selectors, services
from ..models import Wallet
from ..money import as_text, cents
from ..serializers import (
    AdjustmentInput,
    CheckoutInput,
    CheckoutOutput,
    DepositInput,
    ReconciliationOutput,
    ReconciliationQuery,
    RefundInput,
    TransactionListQuery,
    TransactionOutput,
    WalletListQuery,
    WalletOutput,
    WalletUpdateInput,
    WebhookReceivedOutput,
)
from .common import (
    BillingApiView,
    CustomerBilling,
    FinanceOnly,
    wallet_for,
)

TAGS = ["Billing"]
ADMIN_ONLY_FIELDS = ("mode", "credit_limit")


def wallet_rows(wallets: list[Wallet]) -> list[dict]:
    """The wallets as the API answers them, their figures computed in one batch."""
    figures = selectors.wallet_figures(wallets)
    rows = []
    for wallet in wallets:
        figure = figures[wallet.pk]
        available = selectors.wallet_available_micros(wallet, figure)
        rows.append(
            {
                "id": wallet.pk,
                "advertiser_id": wallet.advertiser_id,
                "advertiser_name": wallet.advertiser.company,
                "currency": wallet.currency,
                "mode": wallet.mode,
                "balance": str(cents(figure.balance_micros)),
                "credit_limit": as_text(wallet.credit_limit),
                "available": None if available is None else str(cents(available)),
                "spend_today": str(cents(figure.today_micros)),
                "unposted_spend": str(cents(figure.unposted_micros)),
                "posted_through": selectors.wallet_posted_through(wallet),
                "billing_name": wallet.billing_name,
                "billing_address": wallet.billing_address,
                "vat_id": wallet.vat_id,
                "created_at": wallet.created_at,
                "updated_at": wallet.updated_at,
            }
        )
    return WalletOutput(rows, many=True).data


def wallet_data(wallet: Wallet) -> dict:
    return wallet_rows([wallet])[0]


class WalletListApi(BillingApiView):
    permission_classes = [CustomerBilling]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_list",
        summary="List wallets",
        parameters=[WalletListQuery],
        responses={200: envelope(WalletOutput, many=True)},
        description="Wallets the caller may see: admins and finance all, an advertiser its "
        "own, a partner those of the advertisers it manages. `balance` is derived from the "
        "ledger minus spend not posted yet; `available` adds the credit limit (null when "
        "spending is not limited: postpaid without a limit).",
    )
    def get(self, request):
        query = validate_query(WalletListQuery, request)
        wallets = selectors.wallet_list(
            user=request.user, advertiser_id=query.get("advertiser_id"), mode=query.get("mode")
        )
        items, meta = paginate(request, wallets)
        return Response({"success": True, "data": wallet_rows(items), "pagination": meta})


class WalletDetailApi(BillingApiView):
    permission_classes = [CustomerBilling]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_retrieve",
        summary="Get a wallet",
        description="Admin, finance, advertiser or partner: admins and finance any wallet, an "
        "advertiser its own, a partner those of the advertisers it manages; others "
        "are 404. The balance, available funds, today's spend and spend not posted "
        "yet, and the billing details.",
        responses={200: envelope(WalletOutput)},
    )
    def get(self, request, wallet_id: int):
        return ok(wallet_data(wallet_for(request, wallet_id)))

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_update",
        summary="Update a wallet's billing details",
        request=WalletUpdateInput,
        responses={200: envelope(WalletOutput)},
        description="The owner (or finance) edits the billing details printed on invoices; "
        "only an admin switches `mode` (prepaid/postpaid) or sets `credit_limit` (403 "
        "otherwise). Switching to prepaid drops the credit limit. Serving follows at once.",
        examples=[
            OpenApiExample(
                "Billing details",
                value={
                    "billing_name": "Acme GmbH",
                    "billing_address": "1 Main St",
                    "vat_id": "DE1",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Credit limit (admin)",
                value={"mode": "postpaid", "credit_limit": "500.00"},
                request_only=True,
            ),
        ],
    )
    def patch(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        data = validate_body(WalletUpdateInput, request, partial=True)
        if request.user.role != Role.ADMIN and any(f in data for f in ADMIN_ONLY_FIELDS):
            raise PermissionDenied("Only an admin changes the wallet mode or credit limit.")
        wallet = services.wallet_update(wallet=wallet, **data)
        return ok(wallet_data(selectors.wallet_get(user=request.user, wallet_id=wallet.pk)))

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_put",
        summary="Update a wallet (same as PATCH)",
        request=WalletUpdateInput,
        responses={200: envelope(WalletOutput)},
        description="Same as PATCH: send only the fields to change.",
    )
    def put(self, request, wallet_id: int):
        return self.patch(request, wallet_id)


class WalletTransactionListApi(BillingApiView):
    permission_classes = [CustomerBilling]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_transactions",
        summary="List a wallet's ledger entries",
        parameters=[TransactionListQuery],
        responses={200: envelope(TransactionOutput, many=True)},
        description="The wallet's ledger, newest first: deposits, daily spend per campaign, "
        "refunds and adjustments, each with who (`created_by_id`), when and why "
        "(`description`). Entries are never changed or deleted. `amount` is signed.",
    )
    def get(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        query = validate_query(TransactionListQuery, request)
        return paginated(
            request,
            selectors.transaction_list(wallet=wallet, kind=query.get("type")),
            TransactionOutput,
        )


def _created(entry, wallet: Wallet, request):
    return ok(
        TransactionOutput(entry).data,
        status=201,
        wallet=wallet_data(selectors.wallet_get(user=request.user, wallet_id=wallet.pk)),
    )


class WalletDepositApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_deposit",
        summary="Record a deposit",
        request=DepositInput,
        responses={201: envelope(TransactionOutput)},
        description="Finance or an admin records money received (a bank transfer by "
        "default) in the wallet's currency; another currency is 400 `currency_mismatch`, "
        "zero or negative is 422. Emits `payment.completed`. The answer carries the entry "
        "in `data` and the wallet after it in `wallet`.",
        examples=[
            OpenApiExample(
                "Bank transfer",
                value={"amount": "500.00", "currency": "USD", "reference": "TRX-2026-118"},
                request_only=True,
            )
        ],
    )
    def post(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        data = validate_body(DepositInput, request)
        entry = services.deposit_record(wallet=wallet, actor=request.user, **data)
        return _created(entry, wallet, request)


class WalletAdjustmentApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_adjust",
        summary="Record a ledger adjustment",
        request=AdjustmentInput,
        responses={201: envelope(TransactionOutput)},
        description="A correction with a reason: positive credits the advertiser, negative "
        "charges it. With `day` and `campaign_id` it corrects that day's posted spend (see "
        "reconciliation) and is billed with it.",
    )
    def post(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        data = validate_body(AdjustmentInput, request)
        entry = services.adjustment_record(wallet=wallet, actor=request.user, **data)
        return _created(entry, wallet, request)


class WalletRefundApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_refund",
        summary="Record a refund",
        request=RefundInput,
        responses={201: envelope(TransactionOutput)},
        description="Money paid back to the advertiser out of its balance; more than the "
        "balance is 400 `insufficient_balance`.",
    )
    def post(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        data = validate_body(RefundInput, request)
        entry = services.refund_record(wallet=wallet, actor=request.user, **data)
        return _created(entry, wallet, request)


class WalletCheckoutApi(BillingApiView):
    permission_classes = [CustomerBilling]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_wallets_checkout",
        summary="Start a card top-up",
        request=CheckoutInput,
        responses={201: envelope(CheckoutOutput), 502: error_response(502)},
        description="Start a card top-up with the payment provider (Stripe Checkout): send "
        "the payer to `checkout_url`. The deposit is recorded when the provider's webhook "
        "reports the payment completed. 400 `payments_not_configured` when no provider keys "
        "are set; 502 `payment_provider_unavailable` when the provider cannot be reached and "
        "`payment_provider_error` when it refuses (the details are logged, not answered).",
    )
    def post(self, request, wallet_id: int):
        wallet = wallet_for(request, wallet_id)
        data = validate_body(CheckoutInput, request)
        payment, url = services.checkout_start(wallet=wallet, actor=request.user, **data)
        return ok(
            {
                "payment_id": payment.uuid,
                "provider": payment.provider,
                "session_id": payment.external_id,
                "checkout_url": url,
                "amount": as_text(payment.amount),
                "currency": payment.currency,
                "status": payment.status,
            },
            status=201,
        )


class StripeWebhookApi(BillingApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Stripe sends bursts (and retries) from a few addresses: the anonymous API limit would
    # refuse payments. Every request is checked against the signing secret instead.
    throttle_classes: list = []

    @extend_schema(
        tags=TAGS,
        operation_id="billing_stripe_webhook",
        summary="Receive a Stripe webhook",
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "Stripe-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
            )
        ],
        responses={200: envelope(WebhookReceivedOutput)},
        description="Stripe's webhook, verified with the webhook signing secret (400 "
        "`invalid_signature` otherwise). `checkout.session.completed` records the deposit "
        "and emits `payment.completed`; failed or expired payments emit `payment.failed`. "
        "Replays change nothing.",
    )
    def post(self, request):
        result = services.provider_webhook_handle(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
        return ok({"received": True, "result": result})


class ReconciliationApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="billing_reconciliation",
        summary="Check billing reconciliation",
        parameters=[ReconciliationQuery],
        responses={200: envelope(ReconciliationOutput)},
        description="Differences between the hourly rollups and the posted ledger (per day "
        "and campaign) and between the serving spend counters and the rollups (per "
        "campaign). `ok` when there are none. Correct ledger drift with an adjustment.",
    )
    def get(self, request):
        query = validate_query(ReconciliationQuery, request)
        report = services.billing_reconcile(
            advertiser_id=query.get("advertiser_id"),
            first_day=query.get("from"),
            last_day=query.get("to"),
        )
        return ok(ReconciliationOutput(report).data)
