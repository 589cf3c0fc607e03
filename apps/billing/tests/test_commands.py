"""Management commands, tasks, demo data, the OpenAPI document and in-process running."""

import io
from datetime import date
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from apps.accounts import demo as accounts_demo
from apps.billing import demo, selectors, services, tasks
from apps.billing.models import Invoice, InvoiceStatus, Payout, Transaction, TransactionKind
from apps.campaigns import demo as campaigns_demo
from apps.inventory import demo as inventory_demo

from .conftest import at, stat

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_post_spend_command_posts_up_to_a_date(wallet, ad, zone):
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_000)
    stat(ad, zone, at(2026, 3, 11, 9), spend=2_000)
    assert "1 advertiser-day(s)" in run("billing_post_spend", "--date", "2026-03-10")
    assert list(wallet.transactions.values_list("day", flat=True)) == [date(2026, 3, 10)]
    assert "1 advertiser-day(s)" in run("billing_post_spend")
    assert "0 advertiser-day(s)" in run("billing_post_spend")
    with pytest.raises(CommandError):
        call_command("billing_post_spend", "--date", "yesterday")


def test_invoice_and_payout_commands(wallet, ad, zone, publisher, clock_at):
    stat(ad, zone, at(2026, 3, 10, 9), spend=100_000_000)
    clock_at(at(2026, 4, 10))
    assert "1 invoice(s) issued" in run("billing_invoices", "--month", "2026-03")
    assert "0 invoice(s) issued" in run("billing_invoices", "--month", "2026-03")
    assert "1 payout(s) made" in run("billing_payouts", "--month", "2026-03")
    assert "0 payout(s) made" in run("billing_payouts", "--month", "2026-03")
    with pytest.raises(CommandError):
        call_command("billing_invoices", "--month", "March")


def test_reconcile_command(wallet, ad, zone, finance_user):
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_000)
    services.spend_post_due(at=at(2026, 3, 12))
    assert "agree" in run("billing_reconcile")
    stat(ad, zone, at(2026, 3, 10, 10), spend=500)
    with pytest.raises(SystemExit) as drift:
        run("billing_reconcile")
    assert drift.value.code == 1
    with pytest.raises(CommandError):
        call_command("billing_reconcile", "--adjust")
    out = run("billing_reconcile", "--adjust", "--reason", "late events")
    assert "1 adjustment(s) posted" in out and "agree" in out
    assert wallet.transactions.get(kind=TransactionKind.ADJUSTMENT).amount_micros == -500


def test_tasks_are_thin_and_idempotent(wallet, ad, zone, publisher, clock_at):
    stat(ad, zone, at(2026, 3, 10, 9), spend=100_000_000)
    clock_at(at(2026, 4, 2))
    assert tasks.post_daily_spend() == 1
    assert tasks.post_daily_spend() == 0
    assert tasks.issue_monthly_invoices() == 1
    assert tasks.generate_payouts() == 1
    assert tasks.reconcile() is True
    assert services.billing_run_due() == {
        "days_posted": 0,
        "invoices_issued": 0,
        "payouts_created": 0,
        "payouts_carried_over": 0,
    }


def test_in_process_worker_only_without_a_broker(settings):
    from apps.billing.services import periodic

    settings.BILLING_RUN_IN_PROCESS = False
    assert periodic.in_process_enabled() is False
    settings.BILLING_RUN_IN_PROCESS = True
    assert periodic.in_process_enabled() is True  # tests run tasks eagerly
    with mock.patch.object(periodic.threading, "Thread") as thread:
        periodic.in_process_worker_start()
        periodic.in_process_worker_start()
    assert thread.call_count == 1
    periodic._worker = None


def test_demo_is_idempotent():
    accounts_demo.load()
    inventory_demo.load()
    campaigns_demo.load()
    demo.load()
    counts = (Transaction.objects.count(), Invoice.objects.count(), Payout.objects.count())
    demo.load()
    assert (Transaction.objects.count(), Invoice.objects.count(), Payout.objects.count()) == counts
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.OPEN and str(invoice.total) == "90.00"
    assert str(Payout.objects.get().amount) == "63.00"
    wallet = invoice.wallet
    assert selectors.wallet_balance_micros(wallet=wallet) == 410_000_000  # 500.00 - 90.00
    assert services.billing_reconcile()["ledger_vs_rollups"] == []


def test_demo_bills_a_finished_month_even_just_after_a_month_ends():
    from apps.billing import clock

    accounts_demo.load()
    inventory_demo.load()
    campaigns_demo.load()
    with mock.patch.object(clock, "now", lambda: at(2026, 12, 1, 0, 10)):  # inside the grace
        demo.load()
    invoice = Invoice.objects.get()
    assert (invoice.period_start, invoice.period_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert Payout.objects.count() == 1


def test_endpoints_are_in_the_openapi_document(api_client):
    paths = api_client.get("/api/v1/docs-json").json()["paths"]
    for path in (
        "/api/v1/billing/wallets",
        "/api/v1/billing/wallets/{wallet_id}",
        "/api/v1/billing/wallets/{wallet_id}/transactions",
        "/api/v1/billing/wallets/{wallet_id}/deposits",
        "/api/v1/billing/wallets/{wallet_id}/checkout",
        "/api/v1/billing/stripe/webhook",
        "/api/v1/billing/reconciliation",
        "/api/v1/invoices",
        "/api/v1/invoices/{invoice_uuid}",
        "/api/v1/invoices/{invoice_uuid}/pdf",
        "/api/v1/invoices/{invoice_uuid}/csv",
        "/api/v1/invoices/{invoice_uuid}/mark-paid",
        "/api/v1/payouts",
        "/api/v1/payouts/{payout_uuid}",
        "/api/v1/payouts/{payout_uuid}/approve",
        "/api/v1/payouts/{payout_uuid}/mark-paid",
        "/api/v1/payouts/{payout_uuid}/csv",
    ):
        assert path in paths, path
    deposit = paths["/api/v1/billing/wallets/{wallet_id}/deposits"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "422"} <= set(deposit)
    assert "401" not in paths["/api/v1/billing/stripe/webhook"]["post"]["responses"]
