"""Django admin for billing: every page loads, the ledger is read-only, actions go through
the services (issue, mark paid, void; approve, mark paid)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from apps.billing import services
from apps.billing.models import Invoice, InvoiceStatus, Payout, PayoutStatus, Transaction

from .conftest import at, stat

pytestmark = pytest.mark.django_db

ADMIN = "/admin/billing"


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def books(wallet, ad, zone, publisher):
    """A deposit, a posted day, a draft invoice and a pending payout."""
    services.deposit_record(wallet=wallet, amount=Decimal("100.00"), actor=None, reference="T-1")
    stat(ad, zone, at(2026, 3, 10, 9), impressions=30_000, spend=75_000_000)
    invoice = services.invoice_create(
        wallet=wallet,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        issue=False,
        at=at(2026, 4, 2),
    )
    payout = services.payout_create(
        publisher=publisher, period_end=date(2026, 3, 31), at=at(2026, 4, 2)
    )
    return invoice, payout


def test_pages_load(admin_web, wallet, books):
    invoice, payout = books
    entry = Transaction.objects.first()
    pages = [
        f"{ADMIN}/wallet/",
        f"{ADMIN}/wallet/?mode__exact=postpaid",
        f"{ADMIN}/wallet/?q=Acme",
        f"{ADMIN}/wallet/{wallet.pk}/change/",
        f"{ADMIN}/transaction/",
        f"{ADMIN}/transaction/?kind__exact=spend",
        f"{ADMIN}/transaction/?q=T-1",
        f"{ADMIN}/transaction/{entry.pk}/change/",
        f"{ADMIN}/spendposting/",
        f"{ADMIN}/payment/",
        f"{ADMIN}/invoice/",
        f"{ADMIN}/invoice/?status__exact=draft",
        f"{ADMIN}/invoice/{invoice.pk}/change/",
        f"{ADMIN}/invoicesequence/",
        f"{ADMIN}/payout/",
        f"{ADMIN}/payout/?status__exact=pending",
        f"{ADMIN}/payout/{payout.pk}/change/",
    ]
    for page in pages:
        response = admin_web.get(page)
        assert response.status_code == 200, page
    balance = admin_web.get(f"{ADMIN}/wallet/{wallet.pk}/change/").content.decode()
    assert "25.00 USD" in balance  # 100.00 deposited, 75.00 spent (not posted yet)


def test_the_ledger_cannot_be_edited_or_deleted(admin_web, books):
    entry = Transaction.objects.get(kind="deposit")
    assert admin_web.get(f"{ADMIN}/transaction/add/").status_code == 403
    assert admin_web.get(f"{ADMIN}/transaction/{entry.pk}/delete/").status_code == 403
    response = admin_web.post(
        f"{ADMIN}/transaction/{entry.pk}/change/", {"amount_micros": 1, "description": "x"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.amount_micros == 100_000_000


def test_wallet_credit_limit_through_admin(admin_web, wallet):
    response = admin_web.post(
        f"{ADMIN}/wallet/{wallet.pk}/change/",
        {
            "mode": "postpaid",
            "credit_limit": "250.00",
            "billing_name": "Acme GmbH",
            "billing_address": "",
            "vat_id": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wallet.refresh_from_db()
    assert (wallet.credit_limit, wallet.billing_name) == (Decimal("250.00"), "Acme GmbH")
    refused = admin_web.post(
        f"{ADMIN}/wallet/{wallet.pk}/change/",
        {"mode": "prepaid", "credit_limit": "10.00", "billing_name": "", "vat_id": ""},
    )
    assert refused.status_code == 200  # the form shows the error
    wallet.refresh_from_db()
    assert wallet.mode == "postpaid"


def _action(admin_web, model: str, action: str, pk: int):
    return admin_web.post(
        f"{ADMIN}/{model}/", {"action": action, "_selected_action": [pk]}, follow=True
    )


def test_invoice_actions(admin_web, books):
    invoice, _ = books
    _action(admin_web, "invoice", "issue", invoice.pk)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and invoice.number == "INV-2026-000001"
    _action(admin_web, "invoice", "mark_paid", invoice.pk)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    response = _action(admin_web, "invoice", "void", invoice.pk)
    assert "cannot become void" in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


def test_payout_actions(admin_web, books):
    _, payout = books
    response = _action(admin_web, "payout", "mark_paid", payout.pk)
    assert "Approve it first" in response.content.decode()
    _action(admin_web, "payout", "approve", payout.pk)
    _action(admin_web, "payout", "mark_paid", payout.pk)
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.PAID
