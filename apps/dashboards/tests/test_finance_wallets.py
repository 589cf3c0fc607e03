"""Finance's wallet pages through the Django test client: the list with the API's figures
(filters, search, a pinned query count), one wallet with its ledger, and recording a bank
transfer or an adjustment through the billing services; access, CSRF, and refused input
shown on the form without a ledger entry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.billing import selectors, services
from apps.billing.models import PaymentMethod, Transaction, TransactionKind, WalletMode
from apps.delivery.models import HourlyStat
from conftest import client_for

from .billing_data import advertiser_with_ad, publisher_with_zone, spend, wallet_of

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def balance(wallet) -> Decimal:
    return Decimal(selectors.wallet_balance_micros(wallet=wallet)) / 1_000_000


@pytest.fixture
def finance(finance_user) -> Client:
    return login(finance_user)


@pytest.fixture
def shop():
    """A prepaid USD wallet with 100.00 deposited and 12.50 spent today (not posted yet)."""
    advertiser, ad = advertiser_with_ad("Shoe Shop")
    _, zone = publisher_with_zone("Daily Planet")
    wallet = services.wallet_update(wallet=wallet_of(advertiser), mode=WalletMode.PREPAID)
    services.deposit_record(wallet=wallet, amount=Decimal("100.00"), actor=None, reference="T-1")
    now = timezone.now()
    spend(ad, zone, now.date(), spend_micros=12_500_000)
    HourlyStat.objects.update(hour=now.replace(minute=0, second=0, microsecond=0))
    return wallet_of(advertiser)


def credit_many(wallet, count: int) -> None:
    """``count`` adjustments of 1.00, reasons N0, N1, …"""
    for index in range(count):
        services.adjustment_record(
            wallet=wallet, amount=Decimal("1.00"), reason=f"N{index}", actor=None
        )


def detail_url(wallet) -> str:
    return reverse("finance:wallet_detail", args=[wallet.pk])


def deposit_url(wallet) -> str:
    return reverse("finance:wallet_deposit", args=[wallet.pk])


def adjust_url(wallet) -> str:
    return reverse("finance:wallet_adjust", args=[wallet.pk])


# --- Access -------------------------------------------------------------------------------


def test_anonymous_users_go_to_the_login_page(shop):
    for url in (reverse("finance:wallets"), detail_url(shop)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = Client().post(deposit_url(shop), {"amount": "5.00"})
    assert response["Location"].startswith(reverse("accounts:login"))
    assert shop.transactions.count() == 1


@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.PARTNER])
def test_other_roles_are_refused(role, shop):
    client = login(UserFactory(role=role))
    assert client.get(reverse("finance:wallets")).status_code == 403
    assert client.get(detail_url(shop)).status_code == 403
    assert client.post(deposit_url(shop), {"amount": "5.00"}).status_code == 403
    assert client.post(adjust_url(shop), {"amount": "5.00", "reason": "x"}).status_code == 403
    assert shop.transactions.count() == 1


def test_the_wallets_owner_is_refused_too(shop):
    client = login(shop.advertiser.user)
    assert client.get(detail_url(shop)).status_code == 403
    assert client.post(deposit_url(shop), {"amount": "5.00"}).status_code == 403
    assert shop.transactions.count() == 1


def test_admins_may_use_the_wallet_pages(admin_user, shop):
    client = login(admin_user)
    response = client.get(reverse("finance:wallets"))
    assert response.status_code == 200
    tabs = html(response).split('aria-label="Finance"')[1].split("</nav>")[0]
    assert f'href="{reverse("finance:wallets")}" aria-current="page"' in tabs
    assert client.get(detail_url(shop)).status_code == 200
    client.post(deposit_url(shop), {"amount": "1.00"})
    assert shop.transactions.filter(kind=TransactionKind.DEPOSIT).count() == 2


def test_finance_navigation_links_the_wallets(finance):
    page = html(finance.get(reverse("finance:home")))
    nav = page.split('aria-label="Main"')[1].split("</nav>")[0]
    assert f'href="{reverse("finance:wallets")}"' in nav
    assert "deposits and adjustments on the" in page  # the overview's note points here


def test_unknown_wallets_are_404(finance):
    assert finance.get(reverse("finance:wallet_detail", args=[999_999])).status_code == 404
    assert finance.post(reverse("finance:wallet_deposit", args=[999_999]), {}).status_code == 404
    assert finance.post(reverse("finance:wallet_adjust", args=[999_999]), {}).status_code == 404


def test_the_forms_only_answer_post(finance, shop):
    assert finance.get(deposit_url(shop)).status_code == 405
    assert finance.get(adjust_url(shop)).status_code == 405


def test_recording_needs_the_csrf_token(finance_user, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance_user)
    page = html(client.get(detail_url(shop)))
    for form_id in ("deposit-form", "adjustment-form"):
        assert 'name="csrfmiddlewaretoken"' in page.split(f'id="{form_id}"')[1].split("</form>")[0]
    assert client.post(deposit_url(shop), {"amount": "50.00"}).status_code == 403
    response = client.post(adjust_url(shop), {"amount": "5.00", "reason": "Goodwill"})
    assert response.status_code == 403
    assert shop.transactions.count() == 1
    # With the page's token the same post goes through.
    token = client.cookies["csrftoken"].value
    response = client.post(deposit_url(shop), {"amount": "50.00", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert shop.transactions.count() == 2


# --- The list -----------------------------------------------------------------------------


def test_wallet_list_shows_the_apis_figures_with_pinned_queries(
    finance, finance_user, shop, django_assert_max_num_queries
):
    others = []
    for index in range(4):
        advertiser, _ = advertiser_with_ad(f"Other {index}", currency="EUR")
        wallet = wallet_of(advertiser)
        services.deposit_record(wallet=wallet, amount=Decimal(f"{index + 1}0.00"), actor=None)
        others.append(wallet)
    services.wallet_update(wallet=others[0], credit_limit=Decimal("250.00"))
    # Session, user, count, page, ledger sums, unposted and today's spend; one more when
    # the platform settings are not cached. Five rows, no query per row.
    with django_assert_max_num_queries(7):
        response = finance.get(reverse("finance:wallets"))
    assert response.status_code == 200
    summaries = response.context["page"].object_list
    assert [s.wallet.advertiser.company for s in summaries] == [
        "Other 0",
        "Other 1",
        "Other 2",
        "Other 3",
        "Shoe Shop",
    ]
    api = client_for(finance_user).get("/api/v1/billing/wallets", {"per_page": 50}).json()["data"]
    by_id = {row["id"]: row for row in api}
    for summary in summaries:
        row = by_id[summary.wallet.pk]
        assert str(summary.balance) == row["balance"]
        assert str(summary.spend_today) == row["spend_today"]
        assert (None if summary.available is None else str(summary.available)) == row["available"]
    page = html(response)
    row = page.split(f'id="wallet-{shop.pk}"')[1].split("</tr>")[0]
    assert "Shoe Shop" in row and "Prepaid" in row and "USD" in row
    assert "87.50" in row and "12.50" in row  # 100 deposited, 12.50 spent today
    credit = page.split(f'id="wallet-{others[0].pk}"')[1].split("</tr>")[0]
    assert "250.00" in credit and "260.00" in credit  # limit, and balance plus limit
    assert detail_url(shop) in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"mode": "prepaid"}, {"Shoe Shop"}),
        ({"mode": "postpaid"}, {"Rival Inc", "Shoe Warehouse"}),
        ({"q": "shoe"}, {"Shoe Shop", "Shoe Warehouse"}),
        ({"q": " Rival "}, {"Rival Inc"}),
        ({"q": "shoe", "mode": "postpaid"}, {"Shoe Warehouse"}),
        ({"q": "nobody"}, set()),
    ],
)
def test_wallet_filters(finance, shop, query, expected):
    for company in ("Rival Inc", "Shoe Warehouse"):
        services.wallet_update(
            wallet=wallet_of(advertiser_with_ad(company)[0]), mode=WalletMode.POSTPAID
        )
    response = finance.get(reverse("finance:wallets"), query)
    assert response.status_code == 200
    found = {s.wallet.advertiser.company for s in response.context["page"].object_list}
    assert found == expected
    if not expected:
        assert "No wallets match this filter." in html(response)


def test_bad_filters_are_form_errors(finance, shop):
    response = finance.get(reverse("finance:wallets"), {"mode": "credit"})
    assert response.status_code == 422
    assert "Fix the filters above" in html(response)


def test_the_list_is_paginated(finance):
    for index in range(27):
        advertiser_with_ad(f"Advertiser {index:02}")
    first = finance.get(reverse("finance:wallets"), {"mode": "postpaid"})
    assert len(first.context["page"].object_list) == 25
    assert "?mode=postpaid&amp;page=2" in html(first)
    second = finance.get(reverse("finance:wallets"), {"mode": "postpaid", "page": 2})
    assert [s.wallet.advertiser.company for s in second.context["page"].object_list] == [
        "Advertiser 25",
        "Advertiser 26",
    ]


# --- One wallet ---------------------------------------------------------------------------


def test_wallet_detail_shows_figures_and_ledger(finance, shop):
    services.adjustment_record(wallet=shop, amount=Decimal("-2.00"), reason="Typo", actor=None)
    response = finance.get(detail_url(shop))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.balance, summary.available, summary.spend_today) == (
        Decimal("85.50"),
        Decimal("85.50"),
        Decimal("12.50"),
    )
    page = html(response)
    assert "Wallet of Shoe Shop" in page and "Prepaid wallet in USD" in page
    assert "85.50" in page and "ref. T-1" in page and "Typo" in page
    assert f'action="{deposit_url(shop)}"' in page and f'action="{adjust_url(shop)}"' in page
    assert 'value="USD"' in page  # the transfer's currency defaults to the wallet's
    assert reverse("finance:invoices") + f"?advertiser={shop.advertiser_id}" in page
    for prefix in ("/advertiser/", "/publisher/", "/billing/", "/staff/"):
        assert f'href="{prefix}' not in page


def test_the_ledger_is_paginated_newest_first(finance, shop):
    credit_many(shop, 30)
    first = finance.get(detail_url(shop))
    entries = list(first.context["page"].object_list)
    assert len(entries) == 25 and entries[0].description == "N29"
    assert f'href="{detail_url(shop)}?page=2"' in html(first)
    second = finance.get(detail_url(shop), {"page": 2})
    oldest = list(second.context["page"].object_list)
    assert len(oldest) == 6 and (oldest[-1].kind, oldest[-1].reference) == ("deposit", "T-1")


def test_an_invoice_payment_links_the_finance_invoice(finance):
    from .billing_data import invoice_for_month

    advertiser, ad = advertiser_with_ad("Payer")
    _, zone = publisher_with_zone("Site")
    invoice = invoice_for_month(advertiser, ad, zone, 1, amount="10.00")
    services.invoice_mark_paid(invoice=invoice, reference="B-1")
    page = html(finance.get(detail_url(wallet_of(advertiser))))
    assert reverse("finance:invoice_detail", args=[invoice.uuid]) in page


# --- Recording money ----------------------------------------------------------------------


def test_a_bank_transfer_is_a_deposit_in_the_ledger(finance, finance_user, shop):
    response = finance.post(
        deposit_url(shop),
        {
            "amount": "250.00",
            "currency": "usd",
            "reference": "TRX-2026-7",
            "description": "Top-up for June",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(shop)
    entry = Transaction.objects.filter(wallet=shop).latest("id")
    assert (entry.kind, entry.amount_micros, entry.currency) == (
        TransactionKind.DEPOSIT,
        250_000_000,
        "USD",
    )
    assert (entry.method, entry.reference, entry.description, entry.created_by) == (
        PaymentMethod.BANK_TRANSFER,
        "TRX-2026-7",
        "Top-up for June",
        finance_user,
    )
    assert balance(shop) == Decimal("337.50")
    page = finance.get(response["Location"])
    assert "Bank transfer of 250.00 USD recorded for Shoe Shop." in html(page)
    assert page.context["summary"].balance == Decimal("337.50")


def test_a_deposit_without_a_description_says_how_it_came(finance, shop):
    finance.post(deposit_url(shop), {"amount": "10.00", "currency": ""})
    entry = Transaction.objects.filter(wallet=shop).latest("id")
    assert entry.description == "Deposit by bank transfer"


@pytest.mark.parametrize("amount", ["-5.00", "5.00"])
def test_an_adjustment_goes_either_way(finance, finance_user, shop, amount):
    response = finance.post(adjust_url(shop), {"amount": amount, "reason": " Goodwill "})
    assert response["Location"] == detail_url(shop)
    entry = Transaction.objects.filter(wallet=shop).latest("id")
    assert (entry.kind, entry.amount_micros, entry.description, entry.created_by) == (
        TransactionKind.ADJUSTMENT,
        int(Decimal(amount) * 1_000_000),
        "Goodwill",
        finance_user,
    )
    assert balance(shop) == Decimal("87.50") + Decimal(amount)
    sign = "+" if not amount.startswith("-") else ""
    message = f"Adjustment of {sign}{amount} USD recorded for Shoe Shop."
    assert message in html(finance.get(detail_url(shop)))


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "0"}, "amount", "Must be greater than 0."),
        ({"amount": "-10.00"}, "amount", "Must be greater than 0."),
        ({"amount": ""}, "amount", "This field is required."),
        ({"amount": "ten"}, "amount", "Enter a number."),
        ({"amount": "1.005"}, "amount", "Ensure that there are no more than 2 decimal places."),
        ({"amount": "1e12"}, "amount", "Ensure this value is less than or equal to"),
        ({"amount": "NaN"}, "amount", "Enter a number."),
        ({"amount": "10.00", "currency": "EUR"}, "currency", "This wallet is in USD"),
        ({"amount": "10.00", "currency": "EURO"}, "currency", "at most 3 characters"),
        ({"amount": "10.00", "currency": "E1R"}, "currency", "three-letter ISO 4217 code"),
        ({"amount": "10.00", "reference": "x" * 201}, "reference", "at most 200 characters"),
    ],
)
def test_refused_deposits_are_form_errors_without_a_ledger_entry(
    finance, shop, data, field, message
):
    response = finance.post(deposit_url(shop), data)
    assert response.status_code == 422
    form = response.context["deposit_form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message.split("'")[0] in html(response)
    assert 'id="deposit-form"' in html(response)
    assert shop.transactions.count() == 1
    assert balance(shop) == Decimal("87.50")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "0.00", "reason": "Nothing"}, "amount", "An adjustment cannot be 0."),
        ({"amount": "5.00", "reason": ""}, "reason", "This field is required."),
        ({"amount": "5.00", "reason": "   "}, "reason", "This field is required."),
        ({"amount": "-1e12", "reason": "Huge"}, "amount", "greater than or equal to"),
        ({"reason": "No amount"}, "amount", "This field is required."),
    ],
)
def test_refused_adjustments_are_form_errors_without_a_ledger_entry(
    finance, shop, data, field, message
):
    response = finance.post(adjust_url(shop), data)
    assert response.status_code == 422
    assert any(message in error for error in response.context["adjustment_form"].errors[field])
    assert message in html(response)
    assert shop.transactions.count() == 1
    assert balance(shop) == Decimal("87.50")


def test_a_refused_form_keeps_the_input_and_the_page_works(finance, shop):
    credit_many(shop, 30)
    response = finance.post(adjust_url(shop), {"amount": "0", "reason": "Keep me"})
    page = html(response)
    assert 'value="Keep me"' in page
    assert not response.context["deposit_form"].is_bound
    # Rendered at the form's address, the ledger's pages still link the wallet page.
    assert f'href="{detail_url(shop)}?page=2"' in page


def test_a_deposit_restarts_a_prepaid_advertiser_out_of_funds(finance):
    advertiser, ad = advertiser_with_ad("Empty Co")
    _, zone = publisher_with_zone("Site")
    wallet = services.wallet_update(wallet=wallet_of(advertiser), mode=WalletMode.PREPAID)
    spend(ad, zone, timezone.now().date(), spend_micros=1_000_000)
    HourlyStat.objects.update(hour=datetime.now(UTC).replace(minute=0, second=0, microsecond=0))
    page = html(finance.get(reverse("finance:wallets")))
    assert "Out of funds" in page
    assert "campaigns are paused" in html(finance.get(detail_url(wallet)))
    finance.post(deposit_url(wallet), {"amount": "20.00"})
    assert "Out of funds" not in html(finance.get(reverse("finance:wallets")))
    assert selectors.wallet_spend_limits()[advertiser.pk] == 20_000_000
