"""Finance pages (finance users and admins): overview, invoices, payouts, wallets, financial
report."""

from django.urls import path

from .views import home, invoices, payouts, report, wallets

app_name = "finance"

urlpatterns = [
    path("", home.home, name="home"),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/new/", invoices.invoice_create, name="invoice_create"),
    path("invoices/<uuid:invoice_uuid>/", invoices.invoice_detail, name="invoice_detail"),
    path(
        "invoices/<uuid:invoice_uuid>/pdf/",
        invoices.invoice_document,
        {"kind": "pdf"},
        name="invoice_pdf",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/csv/",
        invoices.invoice_document,
        {"kind": "csv"},
        name="invoice_csv",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/issue/",
        invoices.invoice_action,
        {"action": "issue"},
        name="invoice_issue",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/mark-paid/",
        invoices.invoice_action,
        {"action": "mark_paid"},
        name="invoice_mark_paid",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/void/",
        invoices.invoice_action,
        {"action": "void"},
        name="invoice_void",
    ),
    path("payouts/", payouts.payouts, name="payouts"),
    path("payouts/generate/", payouts.payouts_generate, name="payouts_generate"),
    path("payouts/<uuid:payout_uuid>/", payouts.payout_detail, name="payout_detail"),
    path("payouts/<uuid:payout_uuid>/csv/", payouts.payout_csv, name="payout_csv"),
    path(
        "payouts/<uuid:payout_uuid>/approve/",
        payouts.payout_action,
        {"action": "approve"},
        name="payout_approve",
    ),
    path(
        "payouts/<uuid:payout_uuid>/mark-paid/",
        payouts.payout_action,
        {"action": "mark_paid"},
        name="payout_mark_paid",
    ),
    path("wallets/", wallets.wallets, name="wallets"),
    path("wallets/<int:wallet_id>/", wallets.wallet_detail, name="wallet_detail"),
    path("wallets/<int:wallet_id>/deposit/", wallets.wallet_deposit, name="wallet_deposit"),
    path("wallets/<int:wallet_id>/adjust/", wallets.wallet_adjust, name="wallet_adjust"),
    path("report/", report.report, name="report"),
    path("report/export.csv", report.report_csv, name="report_csv"),
]
