"""Billing pages: an advertiser's wallet, ledger and invoices; a publisher's payouts."""

from django.urls import path

from . import views

app_name = "billing_ui"

urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("top-up/", views.topup, name="topup"),
    path("transactions/", views.transactions, name="transactions"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<uuid:invoice_uuid>/", views.invoice_detail, name="invoice_detail"),
    path(
        "invoices/<uuid:invoice_uuid>/pdf/",
        views.invoice_document,
        {"kind": "pdf"},
        name="invoice_pdf",
    ),
    path(
        "invoices/<uuid:invoice_uuid>/csv/",
        views.invoice_document,
        {"kind": "csv"},
        name="invoice_csv",
    ),
    path("payouts/", views.payouts, name="payouts"),
    path("payouts/<uuid:payout_uuid>/", views.payout_detail, name="payout_detail"),
    path("payouts/<uuid:payout_uuid>/csv/", views.payout_csv, name="payout_csv"),
]
