"""Billing and finance pages in a real browser (Playwright driving Debian's Chromium).

On the demo data, finance signs in, opens the invoices, downloads last month's invoice as a
PDF, marks it paid inline (htmx) and approves the publisher's payout; the advertiser then finds
the invoice paid on its billing page, and the publisher its payout with the CSV statement.
Finance also records a bank transfer on the advertiser's wallet and sees the new balance.
Screenshots of each main page go to ``artifacts/screenshots/finance-<page>.png`` and
``billing-<page>.png``. Run with ``.venv/bin/pytest tests/browser/test_dashboard_finance.py``;
without ``/usr/bin/chromium`` the tests are skipped, except in CI (``CI`` set), where a
missing browser is a failure.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.support import BROWSER_MARKS, hermetic_context, screenshot, watched_page

pytestmark = BROWSER_MARKS


@pytest.fixture
def site(transactional_db, live_server, settings):
    """The demo data: last month's traffic, its invoice and the publisher's payout."""
    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def new_page(browser, site):
    """``new_page()`` opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make():
        context = hermetic_context(browser, site, accept_downloads=True)
        contexts.append(context)
        return watched_page(context)

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, name)


def demo_email(role) -> str:
    from apps.accounts.demo import DEMO_USERS

    return next(email for r, email, _ in DEMO_USERS if r == role)


def log_in(page, site: str, role, landing: str) -> None:
    from apps.accounts.demo import DEMO_PASSWORD

    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(demo_email(role))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}{landing}")


def demo_invoice():
    from apps.accounts.models import Role
    from apps.billing.models import Invoice

    # The demo bills its two finished months: the older invoice is paid, the last one open.
    return Invoice.objects.get(
        wallet__advertiser__user__email=demo_email(Role.ADVERTISER), status="open"
    )


def demo_payout():
    from apps.billing.models import Payout

    return Payout.objects.get(status="pending")  # the older month's payout is paid


def test_finance_downloads_and_marks_an_invoice_paid_and_the_advertiser_sees_it(new_page, site):
    from apps.accounts.models import Role
    from apps.billing.models import InvoiceStatus, PayoutStatus

    invoice = demo_invoice()
    assert invoice.status == InvoiceStatus.OPEN
    page = new_page()
    log_in(page, site, Role.FINANCE, "/finance/")
    expect(page.get_by_role("heading", name="Finance overview")).to_be_visible()
    assert page.locator('[data-stat="open-invoices"]').get_by_text(str(invoice.total)).count()
    shot(page, "finance-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    page.wait_for_url(f"{site}/finance/invoices/")
    row = page.locator(f"#invoice-{invoice.uuid}")
    expect(row.get_by_role("link", name=invoice.number, exact=True)).to_be_visible()
    shot(page, "finance-invoices")

    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"Download {invoice.number} as PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{invoice.number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    row.get_by_label(f"Payment reference for {invoice.number}").fill("DEMO-BANK-REF")
    row.get_by_role("button", name=f"Mark {invoice.number} paid").click()
    row.locator(".badge-paid").wait_for()
    expect(row.get_by_text(f"Invoice {invoice.number} marked paid.")).to_be_visible()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_reference) == (InvoiceStatus.PAID, "DEMO-BANK-REF")

    row.get_by_role("link", name=invoice.number, exact=True).click()
    page.wait_for_url(f"{site}/finance/invoices/{invoice.uuid}/")
    expect(page.get_by_text("DEMO-BANK-REF").first).to_be_visible()
    shot(page, "finance-invoice-detail")

    page.goto(f"{site}/finance/invoices/new/")
    expect(page.get_by_label("Advertiser")).to_be_visible()
    shot(page, "finance-invoice-create")

    payout = demo_payout()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
    page.wait_for_url(f"{site}/finance/payouts/")
    payout_row = page.locator(f"#payout-{payout.uuid}")
    payout_row.get_by_role("button", name=re.compile("^Approve the payout")).click()
    payout_row.locator(".badge-approved").wait_for()
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.APPROVED
    shot(page, "finance-payouts")
    payout_row.get_by_role("link", name=payout.publisher.name, exact=True).click()
    page.wait_for_url(f"{site}/finance/payouts/{payout.uuid}/")
    shot(page, "finance-payout-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Financial report").click()
    page.wait_for_url(f"{site}/finance/report/")
    page.get_by_label("Dates", exact=True).select_option("last_month")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=last_month"))
    page.wait_for_function("() => document.querySelector('canvas[data-chart-ready]') !== null")
    company = invoice.wallet.advertiser.company
    expect(page.locator("#report-advertisers").get_by_text(company)).to_be_visible()
    shot(page, "finance-report")
    assert page.errors == []

    # The advertiser finds the invoice paid on its billing page.
    advertiser = new_page()
    log_in(advertiser, site, Role.ADVERTISER, "/advertiser/")
    advertiser.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    advertiser.wait_for_url(f"{site}/billing/")
    expect(advertiser.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    # The payment finance recorded is the newest entry of the ledger.
    expect(advertiser.get_by_text("DEMO-BANK-REF").first).to_be_visible()
    shot(advertiser, "billing-wallet")
    advertiser.get_by_role("navigation", name="Billing").get_by_role(
        "link", name="Invoices"
    ).click()
    advertiser.wait_for_url(f"{site}/billing/invoices/")
    invoice_row = advertiser.locator(f'tr[data-invoice="{invoice.uuid}"]')
    expect(invoice_row.get_by_role("link", name=invoice.number, exact=True)).to_be_visible()
    expect(invoice_row.locator(".badge-paid")).to_be_visible()
    shot(advertiser, "billing-invoices")
    invoice_row.get_by_role("link", name=invoice.number, exact=True).click()
    advertiser.wait_for_url(f"{site}/billing/invoices/{invoice.uuid}/")
    with advertiser.expect_download() as download_info:
        advertiser.get_by_role("link", name="Download PDF").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    shot(advertiser, "billing-invoice-detail")
    advertiser.get_by_role("link", name="Transactions").click()
    advertiser.wait_for_url(f"{site}/billing/transactions/")
    expect(advertiser.get_by_text(f"Payment of invoice {invoice.number}")).to_be_visible()
    shot(advertiser, "billing-transactions")
    assert advertiser.errors == []


def test_finance_records_a_bank_transfer_and_sees_the_new_balance(new_page, site):
    from apps.accounts.models import Role
    from apps.billing import selectors
    from apps.billing.models import Wallet
    from apps.billing.money import cents

    wallet = Wallet.objects.select_related("advertiser").get(
        advertiser__user__email=demo_email(Role.ADVERTISER)
    )
    before = cents(selectors.wallet_balance_micros(wallet=wallet))
    company = wallet.advertiser.company
    page = new_page()
    log_in(page, site, Role.FINANCE, "/finance/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Wallets").click()
    page.wait_for_url(f"{site}/finance/wallets/")
    row = page.locator(f"#wallet-{wallet.pk}")
    expect(row.get_by_role("link", name=company, exact=True)).to_be_visible()
    shot(page, "finance-wallets")

    row.get_by_role("link", name=company, exact=True).click()
    page.wait_for_url(f"{site}/finance/wallets/{wallet.pk}/")
    deposit = page.locator("#deposit-form")
    deposit.get_by_label(re.compile(r"^Amount")).fill("250.00")
    deposit.get_by_label("Payment reference").fill("BROWSER-TRX-1")
    deposit.get_by_role("button", name="Record bank transfer").click()
    page.get_by_text(f"Bank transfer of 250.00 {wallet.currency} recorded").wait_for()
    assert page.url == f"{site}/finance/wallets/{wallet.pk}/"
    shown = page.locator('[data-stat="balance"] .stat-value').inner_text()
    assert Decimal(shown.split()[0].replace(",", "")) == before + Decimal("250.00")
    expect(page.locator("#wallet-transactions").get_by_text("ref. BROWSER-TRX-1")).to_be_visible()
    shot(page, "finance-wallet-detail")
    assert page.errors == []


def test_advertiser_saves_billing_details(new_page, site):
    from apps.accounts.models import Role
    from apps.billing.models import Wallet

    page = new_page()
    log_in(page, site, Role.ADVERTISER, "/advertiser/")
    page.goto(f"{site}/billing/")
    page.get_by_label("Billing name").fill("Acme Outdoor GmbH")
    page.get_by_label("Billing address").fill("Hauptstrasse 1\n10115 Berlin")
    page.get_by_label("VAT id").fill("DE123456789")
    page.get_by_role("button", name="Save billing details").click()
    page.wait_for_url(f"{site}/billing/")
    expect(page.get_by_text("Billing details saved")).to_be_visible()
    wallet = Wallet.objects.get(advertiser__user__email=demo_email(Role.ADVERTISER))
    assert (wallet.billing_name, wallet.vat_id) == ("Acme Outdoor GmbH", "DE123456789")
    assert page.errors == []


def test_publisher_sees_payouts_and_downloads_a_statement(new_page, site):
    from apps.accounts.models import Role

    payout = demo_payout()
    page = new_page()
    log_in(page, site, Role.PUBLISHER, "/publisher/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Payouts", exact=True
    ).click()
    page.wait_for_url(f"{site}/billing/payouts/")
    expect(page.locator('[data-stat="awaiting"]').get_by_text(str(payout.amount))).to_be_visible()
    shot(page, "billing-payouts")
    with page.expect_download() as download_info:
        page.locator(f'tr[data-payout="{payout.uuid}"]').get_by_role(
            "link", name=re.compile("^Download the statement")
        ).click()
    statement = Path(download_info.value.path()).read_text()
    assert statement.startswith("payout_id,") and str(payout.amount) in statement
    page.locator(f'tr[data-payout="{payout.uuid}"]').get_by_role("link").first.click()
    page.wait_for_url(f"{site}/billing/payouts/{payout.uuid}/")
    shot(page, "billing-payout-detail")
    assert page.errors == []


def test_pages_fit_a_phone_screen(new_page, site):
    from apps.accounts.models import Role

    invoice, payout = demo_invoice(), demo_payout()
    wallet = invoice.wallet
    finance_paths = (
        "/finance/",
        "/finance/invoices/",
        f"/finance/invoices/{invoice.uuid}/",
        "/finance/invoices/new/",
        "/finance/payouts/",
        f"/finance/payouts/{payout.uuid}/",
        "/finance/wallets/",
        f"/finance/wallets/{wallet.pk}/",
        "/finance/report/",
    )
    advertiser_paths = (
        "/billing/",
        "/billing/transactions/",
        "/billing/invoices/",
        f"/billing/invoices/{invoice.uuid}/",
    )
    publisher_paths = ("/billing/payouts/", f"/billing/payouts/{payout.uuid}/")
    for role, landing, paths in (
        (Role.FINANCE, "/finance/", finance_paths),
        (Role.ADVERTISER, "/advertiser/", advertiser_paths),
        (Role.PUBLISHER, "/publisher/", publisher_paths),
    ):
        page = new_page()
        log_in(page, site, role, landing)
        page.set_viewport_size({"width": 390, "height": 844})
        for path in paths:
            page.goto(f"{site}{path}")
            # Wide tables scroll inside their own box; the page never scrolls sideways.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, path
        assert page.errors == []
    shot(page, "billing-payouts-phone")


def test_advertiser_sees_what_is_owed_and_the_invoice_pdf_shows_the_due_date(new_page, site):
    from pypdf import PdfReader

    from apps.accounts.models import Role
    from apps.accounts.platform_settings import settings_update
    from apps.billing.selectors import invoice_due_date

    settings_update(
        values={"bank_transfer_instructions": "Demo Bank · IBAN DE02 1203 0000 0000 2020 51"},
        actor=None,
    )
    invoice = demo_invoice()
    due = invoice_due_date(invoice).isoformat()
    page = new_page()
    log_in(page, site, Role.ADVERTISER, "/advertiser/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    owed = page.locator("[data-owed-now]")
    total = f"{invoice.total:,.2f}"
    expect(
        owed.get_by_role("heading", name=f"You owe {total} {invoice.currency} now")
    ).to_be_visible()
    expect(owed.get_by_text(due)).to_be_visible()
    shot(page, "billing-wallet-owed")

    page.get_by_role("link", name=invoice.number, exact=True).first.click()
    page.wait_for_url(f"{site}/billing/invoices/{invoice.uuid}/")
    shot(page, "billing-invoice-detail")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("PDF")).first.click()
    pdf = PdfReader(download_info.value.path())
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert f"Due date: {due}" in text
    assert f"Amount due {invoice.currency} {total}" in text
    assert "IBAN DE02 1203 0000 0000 2020 51" in text
    assert f"give {invoice.number} as the payment reference" in text
