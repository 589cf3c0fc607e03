from django.urls import path

from .api import invoices, payouts, wallets

urlpatterns = [
    path("billing/wallets", wallets.WalletListApi.as_view(), name="billing-wallets"),
    path(
        "billing/wallets/<id:wallet_id>",
        wallets.WalletDetailApi.as_view(),
        name="billing-wallet-detail",
    ),
    path(
        "billing/wallets/<id:wallet_id>/transactions",
        wallets.WalletTransactionListApi.as_view(),
        name="billing-wallet-transactions",
    ),
    path(
        "billing/wallets/<id:wallet_id>/deposits",
        wallets.WalletDepositApi.as_view(),
        name="billing-wallet-deposits",
    ),
    path(
        "billing/wallets/<id:wallet_id>/adjustments",
        wallets.WalletAdjustmentApi.as_view(),
        name="billing-wallet-adjustments",
    ),
    path(
        "billing/wallets/<id:wallet_id>/refunds",
        wallets.WalletRefundApi.as_view(),
        name="billing-wallet-refunds",
    ),
    path(
        "billing/wallets/<id:wallet_id>/checkout",
        wallets.WalletCheckoutApi.as_view(),
        name="billing-wallet-checkout",
    ),
    path("billing/stripe/webhook", wallets.StripeWebhookApi.as_view(), name="billing-stripe"),
    path(
        "billing/reconciliation",
        wallets.ReconciliationApi.as_view(),
        name="billing-reconciliation",
    ),
    path("invoices", invoices.InvoiceListApi.as_view(), name="invoices"),
    path(
        "invoices/<uuid:invoice_uuid>",
        invoices.InvoiceDetailApi.as_view(),
        name="invoice-detail",
    ),
    path("invoices/<uuid:invoice_uuid>/pdf", invoices.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("invoices/<uuid:invoice_uuid>/csv", invoices.InvoiceCsvApi.as_view(), name="invoice-csv"),
    path(
        "invoices/<uuid:invoice_uuid>/issue",
        invoices.InvoiceIssueApi.as_view(),
        name="invoice-issue",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/mark-paid",
        invoices.InvoiceMarkPaidApi.as_view(),
        name="invoice-mark-paid",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/void",
        invoices.InvoiceVoidApi.as_view(),
        name="invoice-void",
    ),
    path("payouts", payouts.PayoutListApi.as_view(), name="payouts"),
    path("payouts/<uuid:payout_uuid>", payouts.PayoutDetailApi.as_view(), name="payout-detail"),
    path(
        "payouts/<uuid:payout_uuid>/approve",
        payouts.PayoutApproveApi.as_view(),
        name="payout-approve",
    ),
    path(
        "payouts/<uuid:payout_uuid>/mark-paid",
        payouts.PayoutMarkPaidApi.as_view(),
        name="payout-mark-paid",
    ),
    path("payouts/<uuid:payout_uuid>/csv", payouts.PayoutCsvApi.as_view(), name="payout-csv"),
]
