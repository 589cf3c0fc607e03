"""Billing pages through the Django test client: an advertiser's wallet, ledger and invoices
(downloads included), partners acting for the advertisers they manage, and a publisher's
payouts; access, scoping (another account's object is a 404), CSRF and pinned query counts."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.platform_settings import settings_update
from apps.accounts.tests.factories import UserFactory
from apps.billing import documents, services
from apps.billing.api.wallets import wallet_rows
from apps.billing.models import Payment, PayoutStatus, TransactionKind, Wallet
from apps.delivery.models import HourlyStat
from conftest import client_for

from .billing_data import (
    advertiser_with_ad,
    invoice_for_month,
    payout_for_month,
    publisher_with_zone,
    spend,
    wallet_of,
)

pytestmark = pytest.mark.django_db

ADVERTISER_PAGES = ("billing_ui:wallet", "billing_ui:transactions", "billing_ui:invoices")


def html(response) -> str:
    return response.content.decode()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop():
    """An advertiser with a campaign's ad, and a publisher's zone it ran on."""
    advertiser, ad = advertiser_with_ad("Shoe Shop", currency="EUR", timezone="Europe/Berlin")
    return SimpleNamespace(advertiser=advertiser, ad=ad, wallet=wallet_of(advertiser))


@pytest.fixture
def news():
    publisher, zone = publisher_with_zone("Daily Planet")
    return SimpleNamespace(publisher=publisher, zone=zone)


@pytest.fixture
def client(shop) -> Client:
    return login(shop.advertiser.user)


@pytest.fixture
def rival(news):
    advertiser, ad = advertiser_with_ad("Rival Inc")
    invoice = invoice_for_month(advertiser, ad, news.zone)
    return SimpleNamespace(advertiser=advertiser, invoice=invoice)


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", (*ADVERTISER_PAGES, "billing_ui:payouts"))
def test_anonymous_users_go_to_the_login_page(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.PUBLISHER, Role.FINANCE])
@pytest.mark.parametrize("name", ADVERTISER_PAGES)
def test_advertiser_billing_refuses_other_roles(role, name):
    response = login(UserFactory(role=role)).get(reverse(name))
    assert response.status_code == 403
    assert "does not give access" in html(response)


@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.FINANCE, Role.PARTNER])
def test_publisher_payouts_refuse_other_roles(role):
    assert login(UserFactory(role=role)).get(reverse("billing_ui:payouts")).status_code == 403


def test_navigation_links_billing_and_payouts(client, news):
    assert f'href="{reverse("billing_ui:wallet")}"' in html(client.get(reverse("advertiser:home")))
    publisher_page = html(login(news.publisher.user).get(reverse("publisher:home")))
    assert f'href="{reverse("billing_ui:payouts")}"' in publisher_page


# --- Wallet -------------------------------------------------------------------------------


def test_wallet_shows_the_apis_figures(client, shop, news):
    services.deposit_record(
        wallet=shop.wallet, amount=Decimal("500.00"), actor=None, reference="TRX-1"
    )
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    spend(shop.ad, news.zone, hour.date(), spend_micros=12_345_000)
    HourlyStat.objects.filter(advertiser_id=shop.advertiser.pk).update(hour=hour)
    api = wallet_rows([Wallet.objects.select_related("advertiser").get(pk=shop.wallet.pk)])[0]

    response = client.get(reverse("billing_ui:wallet"))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert str(summary.balance) == api["balance"] == "487.66"  # 500 - 12.345 (half-even)
    assert str(summary.spend_today) == api["spend_today"] == "12.34"
    assert summary.available is None and api["available"] is None  # postpaid, no limit
    page = html(response)
    assert "487.66 <span" in page and "EUR" in page
    assert "No limit" in page and "Postpaid" in page
    assert "Europe/Berlin" in page
    assert "TRX-1" in page  # recent transactions


def test_an_advertiser_cannot_switch_to_another_wallet(client, shop, rival):
    response = client.get(reverse("billing_ui:wallet"), {"advertiser": rival.advertiser.pk})
    assert response.context["wallet"].pk == shop.wallet.pk
    assert "Rival Inc" not in html(response)
    assert 'id="advertiser-switch"' not in html(response)


def test_prepaid_wallet_shows_available_and_warns_when_used_up(client, shop):
    services.wallet_update(wallet=shop.wallet, mode="prepaid")
    page = html(client.get(reverse("billing_ui:wallet")))
    assert "Ads pause when this reaches 0" in page
    assert "Your balance is used up" in page


def test_without_payment_provider_the_page_explains_bank_transfer(client, shop):
    settings_update(
        values={
            "bank_transfer_instructions": "IBAN DE00 1234 5678\nBIC TESTDEFF",
            "billing_address": "Ad Platform GmbH\nMain St 1",
        },
        actor=None,
    )
    page = html(client.get(reverse("billing_ui:wallet")))
    assert "Top up by card" not in page
    assert "IBAN DE00 1234 5678<br>BIC TESTDEFF" in page
    assert "Ad Platform GmbH" in page
    assert f"WALLET-{shop.wallet.pk}" in page


def test_bank_transfer_falls_back_to_the_support_address(client):
    page = html(client.get(reverse("billing_ui:wallet")))
    assert "mailto:support@adplatform.local" in page


def test_card_top_up_starts_a_checkout_and_redirects_to_it(client, shop):
    settings_update(values={"stripe_secret_key": "sk_test_123"}, actor=None)
    assert "Top up by card" in html(client.get(reverse("billing_ui:wallet")))
    session = SimpleNamespace(id="cs_test_1", url="https://checkout.stripe.com/c/pay/cs_test_1")
    with mock.patch("stripe.checkout.Session.create", return_value=session) as create:
        response = client.post(reverse("billing_ui:topup"), {"amount": "25.00"})
    assert response.status_code == 302
    assert response["Location"] == session.url
    payment = Payment.objects.get()
    assert (payment.wallet_id, payment.amount, payment.currency) == (
        shop.wallet.pk,
        Decimal("25.00"),
        "EUR",
    )
    kwargs = create.call_args.kwargs
    assert kwargs["success_url"].endswith(reverse("billing_ui:wallet") + "?checkout=success")
    assert not shop.wallet.transactions.exists()  # money only when the provider confirms
    back = html(client.get(reverse("billing_ui:wallet"), {"checkout": "success"}))
    assert "being confirmed" in back


def test_card_top_up_errors_are_messages(client):
    response = client.post(reverse("billing_ui:topup"), {"amount": "25.00"}, follow=True)
    assert "Card payments are not configured" in html(response)
    settings_update(values={"stripe_secret_key": "sk_test_123"}, actor=None)
    response = client.post(reverse("billing_ui:topup"), {"amount": "0.50"}, follow=True)
    assert "Top-up amount" in html(response)
    import stripe

    with mock.patch("stripe.checkout.Session.create", side_effect=stripe.StripeError("down")):
        response = client.post(reverse("billing_ui:topup"), {"amount": "5"}, follow=True)
    assert response.status_code == 200
    page = html(response)
    # The payment service's stable sentence, never the library's own text.
    assert "The payment provider could not start the checkout" in page
    assert "StripeError" not in page


def test_billing_details_are_saved_through_the_service(client, shop):
    response = client.post(
        reverse("billing_ui:wallet"),
        {"billing_name": " Shoe Shop GmbH ", "billing_address": "Main St 1", "vat_id": "DE123"},
    )
    assert response.status_code == 302
    shop.wallet.refresh_from_db()
    assert (shop.wallet.billing_name, shop.wallet.billing_address, shop.wallet.vat_id) == (
        "Shoe Shop GmbH",
        "Main St 1",
        "DE123",
    )
    assert "Billing details saved" in html(client.get(response["Location"]))


def test_billing_details_refuse_what_the_api_refuses(client, shop):
    response = client.post(
        reverse("billing_ui:wallet"), {"billing_name": "x", "vat_id": "DE<script>"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["vat_id"]
    shop.wallet.refresh_from_db()
    assert shop.wallet.billing_name == ""


def test_billing_forms_need_the_csrf_token(shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shop.advertiser.user)
    page = html(client.get(reverse("billing_ui:wallet")))
    assert 'name="csrfmiddlewaretoken"' in page
    assert client.post(reverse("billing_ui:wallet"), {"billing_name": "X"}).status_code == 403
    assert client.post(reverse("billing_ui:topup"), {"amount": "5"}).status_code == 403
    shop.wallet.refresh_from_db()
    assert shop.wallet.billing_name == ""


# --- Transactions -------------------------------------------------------------------------


def test_transactions_are_paginated_and_filtered_with_pinned_queries(
    client, shop, django_assert_max_num_queries
):
    for n in range(27):
        services.deposit_record(
            wallet=shop.wallet, amount=Decimal("10.00"), actor=None, reference=f"REF-{n:02d}"
        )
    services.adjustment_record(
        wallet=shop.wallet, amount=Decimal("-3.00"), reason="Goodwill fix", actor=None
    )
    # Session, user, advertiser, wallet, count, page; one more when the platform settings
    # are not cached.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("billing_ui:transactions"))
    page = response.context["page"]
    assert page.paginator.count == 28 and len(page.object_list) == 25
    assert "Goodwill fix" in html(response)  # newest first
    second = client.get(reverse("billing_ui:transactions"), {"page": 2})
    assert len(second.context["page"].object_list) == 3
    filtered = client.get(reverse("billing_ui:transactions"), {"kind": "adjustment"})
    assert [e.kind for e in filtered.context["page"].object_list] == [TransactionKind.ADJUSTMENT]
    assert "-3.00 EUR" in html(filtered)
    assert "REF-" not in html(filtered)


def test_a_partner_sees_the_wallet_of_the_advertiser_it_manages(shop, rival):
    partner = UserFactory(role=Role.PARTNER)
    shop.advertiser.managers.add(partner)
    client = login(partner)
    response = client.get(reverse("billing_ui:wallet"))
    assert response.status_code == 200
    assert response.context["wallet"].pk == shop.wallet.pk
    # The switcher only offers managed advertisers; another id is ignored.
    response = client.get(reverse("billing_ui:invoices"), {"advertiser": rival.advertiser.pk})
    assert response.context["request"].advertiser.pk == shop.advertiser.pk
    assert rival.invoice.number not in html(response)
    assert (
        client.get(reverse("billing_ui:invoice_pdf", args=[rival.invoice.uuid])).status_code == 404
    )


def test_a_partner_without_advertisers_gets_an_explanation():
    response = login(UserFactory(role=Role.PARTNER)).get(reverse("billing_ui:wallet"))
    assert "No advertiser has granted you access" in html(response)


# --- Invoices -----------------------------------------------------------------------------


@pytest.fixture
def invoices(shop, news):
    """Paid, open (overdue), open, draft and void invoices of the shop."""
    paid = invoice_for_month(shop.advertiser, shop.ad, news.zone, 5)
    paid = services.invoice_mark_paid(invoice=paid, reference="BANK-9")
    overdue = invoice_for_month(shop.advertiser, shop.ad, news.zone, 4, issued_days_ago=40)
    current = invoice_for_month(shop.advertiser, shop.ad, news.zone, 3, amount="99.99")
    draft = invoice_for_month(shop.advertiser, shop.ad, news.zone, 2, issue=False)
    void = invoice_for_month(shop.advertiser, shop.ad, news.zone, 1)
    void = services.invoice_void(invoice=void, reason="Wrong month")
    return SimpleNamespace(paid=paid, overdue=overdue, current=current, draft=draft, void=void)


def test_invoice_list_shows_status_badges_and_downloads_with_pinned_queries(
    client, invoices, rival, django_assert_max_num_queries
):
    # Session, user, advertiser, count, page; one more when the platform settings are not
    # cached. Five rows, no query per row.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("billing_ui:invoices"))
    page = html(response)
    assert response.context["page"].paginator.count == 5
    for status in ("paid", "open", "draft", "void"):
        assert f"badge badge-{status}" in page
    assert page.count("badge-overdue") == 1
    assert invoices.current.number in page and "99.99 EUR" in page
    assert reverse("billing_ui:invoice_pdf", args=[invoices.current.uuid]) in page
    assert reverse("billing_ui:invoice_csv", args=[invoices.current.uuid]) in page
    assert rival.invoice.number not in page
    only_open = client.get(reverse("billing_ui:invoices"), {"status": "open"})
    assert {i.pk for i in only_open.context["page"].object_list} == {
        invoices.overdue.pk,
        invoices.current.pk,
    }


def test_invoice_detail_shows_lines_totals_and_entries(client, invoices):
    response = client.get(reverse("billing_ui:invoice_detail", args=[invoices.paid.uuid]))
    page = html(response)
    assert response.status_code == 200
    assert "Shoe Shop campaign: advertising" in page
    assert "12.50 EUR" in page and "BANK-9" in page
    assert "Payment of invoice" in page  # the deposit recorded by mark paid (postpaid)
    overdue = html(client.get(reverse("billing_ui:invoice_detail", args=[invoices.overdue.uuid])))
    assert "was due on" in overdue


def test_invoice_downloads_are_the_apis_documents(client, shop, invoices):
    invoice = invoices.current
    pdf = client.get(reverse("billing_ui:invoice_pdf", args=[invoice.uuid]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    csv_page = client.get(reverse("billing_ui:invoice_csv", args=[invoice.uuid]))
    assert csv_page["Content-Type"] == documents.CSV_CONTENT_TYPE
    assert csv_page["Content-Disposition"] == f'attachment; filename="{invoice.number}.csv"'
    api = client_for(shop.advertiser.user).get(f"/api/v1/invoices/{invoice.uuid}/csv")
    assert csv_page.content == api.content
    assert b"Total" in csv_page.content


def test_a_failing_pdf_is_a_message_not_a_500(client, invoices):
    with mock.patch.object(
        documents, "invoice_pdf", side_effect=documents.DocumentError("PDF broke")
    ):
        response = client.get(
            reverse("billing_ui:invoice_pdf", args=[invoices.current.uuid]), follow=True
        )
    assert response.status_code == 200
    assert "PDF broke" in html(response)


@pytest.mark.parametrize(
    "name", ["billing_ui:invoice_detail", "billing_ui:invoice_pdf", "billing_ui:invoice_csv"]
)
def test_another_advertisers_invoice_is_a_404(client, rival, name):
    assert client.get(reverse(name, args=[rival.invoice.uuid])).status_code == 404


def test_the_billing_tabs_link_every_page(client):
    page = html(client.get(reverse("billing_ui:invoices")))
    for name in ADVERTISER_PAGES:
        assert f'href="{reverse(name)}"' in page


# --- Publisher payouts --------------------------------------------------------------------


@pytest.fixture
def payouts(news, shop):
    """A paid payout, an approved one, then earnings below the minimum since."""
    paid = payout_for_month(news.publisher, shop.ad, news.zone, 3, earnings="60.00")
    services.payout_approve(payout=paid, actor=None)
    services.payout_mark_paid(payout=paid, actor=None, reference="SEPA-77")
    approved = payout_for_month(news.publisher, shop.ad, news.zone, 2, earnings="75.50")
    services.payout_approve(payout=approved, actor=None)
    first = timezone.now().date().replace(day=1)
    spend(shop.ad, news.zone, first, spend_micros=10_000_000, revenue_micros=7_250_000)
    return SimpleNamespace(paid=paid, approved=approved)


@pytest.fixture
def publisher_client(news) -> Client:
    return login(news.publisher.user)


def test_payouts_page_shows_earnings_not_paid_out_and_the_minimum(
    publisher_client, news, payouts, django_assert_max_num_queries
):
    # Session, user, publisher, count, page, payout totals, earnings since the last payout;
    # one more when the platform settings are not cached.
    with django_assert_max_num_queries(8):
        response = publisher_client.get(reverse("billing_ui:payouts"))
    balance = response.context["balance"]
    assert balance.since_last_payout == Decimal("7.25")
    assert balance.awaiting_payment == Decimal("75.50")
    assert balance.not_paid_out == Decimal("82.75")
    assert balance.paid_to_date == Decimal("60.00")
    assert balance.minimum == Decimal("50.00") and balance.minimum_progress == 14
    page = html(response)
    assert "82.75" in page and "50.00" in page
    assert "SEPA-77" in page
    assert "badge badge-paid" in page and "badge badge-approved" in page
    assert f'href="{reverse("publisher:payout")}"' in page
    assert reverse("billing_ui:payout_csv", args=[payouts.paid.uuid]) in page
    only_paid = publisher_client.get(reverse("billing_ui:payouts"), {"status": "paid"})
    assert [p.pk for p in only_paid.context["page"].object_list] == [payouts.paid.pk]


def test_payouts_page_asks_for_a_payout_method(publisher_client):
    page = html(publisher_client.get(reverse("billing_ui:payouts")))
    assert "Choose a payout method" in page
    assert "No payouts yet" in page


def test_payout_detail_and_statement(publisher_client, payouts, shop):
    payout = payouts.approved
    page = html(publisher_client.get(reverse("billing_ui:payout_detail", args=[payout.uuid])))
    assert "75.50 USD" in page and "Daily Planet site" in page
    response = publisher_client.get(reverse("billing_ui:payout_csv", args=[payout.uuid]))
    assert response["Content-Type"] == documents.CSV_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="payout-')
    assert response.content.decode() == documents.payout_csv(payout)


def test_another_publishers_payout_is_a_404(publisher_client, shop):
    other, zone = publisher_with_zone("Other Times")
    payout = payout_for_month(other, shop.ad, zone, 1)
    for name in ("billing_ui:payout_detail", "billing_ui:payout_csv"):
        assert publisher_client.get(reverse(name, args=[payout.uuid])).status_code == 404
    assert payout.status == PayoutStatus.PENDING


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_invoice_pdf_shows_due_date_terms_instructions_and_amount_due(client, shop, news):
    settings_update(
        values={
            "payment_terms_days": 14,
            "bank_transfer_instructions": "Bank: Demo Bank\nIBAN: DE89 3704 0044 0532 0130 00",
        },
        actor=None,
    )
    invoice = invoice_for_month(shop.advertiser, shop.ad, news.zone, 2, amount="1234.50")
    text = pdf_text(client.get(reverse("billing_ui:invoice_pdf", args=[invoice.uuid])).content)
    due = (invoice.issued_at + timezone.timedelta(days=14)).date().isoformat()
    assert f"Due date: {due}" in text
    assert "payable within 14 days" in text
    assert "IBAN: DE89 3704 0044 0532 0130 00" in text
    assert f"give {invoice.number} as the payment reference" in text
    assert "Amount due EUR 1,234.50" in text  # thousands separators, as on every page
    assert "1,234.50" in text and "1234.50" not in text

    paid = services.invoice_mark_paid(invoice=invoice, reference="BANK-1")
    text = pdf_text(client.get(reverse("billing_ui:invoice_pdf", args=[paid.uuid])).content)
    assert "Amount due EUR 0.00" in text and "Nothing is due" in text


def test_billing_page_says_plainly_what_is_owed_now(client, shop, news):
    fresh, _ = advertiser_with_ad("Fresh Shop")
    page = html(login(fresh.user).get(reverse("billing_ui:wallet")))
    assert "You owe nothing now" in page and "No invoice is open." in page
    paid = invoice_for_month(shop.advertiser, shop.ad, news.zone, 5)  # oldest month first
    services.invoice_mark_paid(invoice=paid, reference="X")
    late = invoice_for_month(
        shop.advertiser, shop.ad, news.zone, 4, amount="20.00", issued_days_ago=40
    )
    open_one = invoice_for_month(shop.advertiser, shop.ad, news.zone, 3, amount="1000.00")
    spend(shop.ad, news.zone, timezone.now().date(), spend_micros=3_000_000)  # not invoiced
    page = html(client.get(reverse("billing_ui:wallet")))
    page = re.search(r"<section [^>]*data-owed-now>(.*?)</section>", page, re.S).group(1)
    assert "You owe 1,020.00 EUR now" in page
    assert "2 open invoices" in page
    assert open_one.number in page and late.number in page and paid.number not in page
    assert "20.00 EUR is overdue" in page
    assert "Spent and not invoiced yet: 3.00 EUR" in page


def test_payouts_page_says_when_the_minimum_is_reached_and_when_it_is_paid(shop, news):
    client = login(news.publisher.user)
    spend(
        shop.ad, news.zone, timezone.now().date(), spend_micros=10_000_000, revenue_micros=7_000_000
    )
    page = html(client.get(reverse("billing_ui:payouts")))
    assert "43.00 USD more, or it carries over" in page  # 7.00 of the 50.00 minimum
    HourlyStat.objects.update(revenue_micros=60_000_000)
    page = html(client.get(reverse("billing_ui:payouts")))
    from apps.billing import clock

    month_end = clock.month_bounds(timezone.now().date())[1]
    assert f"Reached: your next payout is made after {month_end.isoformat()}" in page
