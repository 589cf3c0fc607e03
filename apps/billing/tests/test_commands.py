"""Management commands, tasks, demo data, the OpenAPI document and in-process running."""

import io
from datetime import date
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from apps.accounts import demo as accounts_demo
from apps.billing import demo, services, tasks
from apps.billing.models import Invoice, InvoiceStatus, Payout, Transaction, TransactionKind
from apps.billing.money import cents
from apps.campaigns import demo as campaigns_demo
from apps.delivery.models import HourlyStat
from apps.inventory import demo as inventory_demo
from apps.reporting import demo as reporting_demo

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


def load_demo(now):
    """The demo modules that make billing's demo, in ``demo_data``'s order, at ``now``."""
    with mock.patch("django.utils.timezone.now", lambda: now):
        accounts_demo.load()
        inventory_demo.load()
        campaigns_demo.load()
        reporting_demo.load()
        demo.load()


def test_demo_is_idempotent_and_bills_and_pays_what_the_rollups_hold():
    now = at(2026, 12, 7, 12)  # demo traffic from 2026-10-09 to 11:00 today
    load_demo(now)
    counts = (
        HourlyStat.objects.count(),
        Transaction.objects.count(),
        Invoice.objects.count(),
        Payout.objects.count(),
    )
    load_demo(now)
    assert (
        HourlyStat.objects.count(),
        Transaction.objects.count(),
        Invoice.objects.count(),
        Payout.objects.count(),
    ) == counts
    october, november = Invoice.objects.order_by("period_start")
    assert (october.period_start, october.status) == (date(2026, 10, 1), InvoiceStatus.PAID)
    assert (november.period_start, november.status) == (date(2026, 11, 1), InvoiceStatus.OPEN)
    for invoice in (october, november):  # each invoice bills exactly its month's rollups
        spent = HourlyStat.objects.filter(
            hour__gte=at(invoice.period_start.year, invoice.period_start.month, 1),
            hour__lt=at(2026, invoice.period_start.month + 1, 1),
        ).aggregate(total=Sum("spend_micros"))["total"]
        assert invoice.spend_micros == spent > 0
    paid, pending = Payout.objects.order_by("period_end")
    assert (paid.status, pending.status) == ("paid", "pending")
    earned = HourlyStat.objects.filter(hour__lt=at(2026, 12, 1)).aggregate(
        total=Sum("revenue_micros")
    )["total"]
    assert paid.amount + pending.amount == cents(earned)  # lines rounded per zone, once
    with mock.patch("django.utils.timezone.now", lambda: now):
        assert services.billing_reconcile()["ledger_vs_rollups"] == []


def test_demo_bills_a_finished_month_even_just_after_a_month_ends():
    load_demo(at(2026, 12, 1, 0, 10))  # inside the grace: November is not over for billing
    invoices = list(Invoice.objects.order_by("period_start"))
    assert [(i.period_start, i.period_end) for i in invoices] == [
        (date(2026, 10, 1), date(2026, 10, 31))
    ]
    assert invoices[0].status == InvoiceStatus.OPEN  # the last finished month is still owed
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
