"""Who may call which billing endpoint: anonymous 401, wrong role 403, another account's
object 404, for every endpoint; and list building that does not grow with the data."""

from datetime import date

import pytest

from apps.billing import services
from apps.campaigns.tests.factories import AdvertiserFactory
from apps.inventory.tests.factories import PublisherFactory
from conftest import client_for

from .conftest import assert_error, at, stat

pytestmark = pytest.mark.django_db

W = "/api/v1/billing/wallets/{wallet}"
I = "/api/v1/invoices/{invoice}"  # noqa: E741
P = "/api/v1/payouts/{payout}"

WALLET_ENDPOINTS = [
    ("get", "/api/v1/billing/wallets"),
    ("get", W),
    ("patch", W),
    ("put", W),
    ("get", W + "/transactions"),
    ("post", W + "/deposits"),
    ("post", W + "/adjustments"),
    ("post", W + "/refunds"),
    ("post", W + "/checkout"),
    ("get", "/api/v1/billing/reconciliation"),
]
INVOICE_ENDPOINTS = [
    ("get", "/api/v1/invoices"),
    ("post", "/api/v1/invoices"),
    ("get", I),
    ("get", I + "/pdf"),
    ("get", I + "/csv"),
    ("post", I + "/issue"),
    ("post", I + "/mark-paid"),
    ("post", I + "/void"),
]
PAYOUT_ENDPOINTS = [
    ("get", "/api/v1/payouts"),
    ("post", "/api/v1/payouts"),
    ("get", P),
    ("get", P + "/csv"),
    ("post", P + "/approve"),
    ("post", P + "/mark-paid"),
]
FINANCE_ONLY = {
    ("post", W + "/deposits"),
    ("post", W + "/adjustments"),
    ("post", W + "/refunds"),
    ("get", "/api/v1/billing/reconciliation"),
    ("post", "/api/v1/invoices"),
    ("post", I + "/issue"),
    ("post", I + "/mark-paid"),
    ("post", I + "/void"),
    ("post", "/api/v1/payouts"),
    ("post", P + "/approve"),
    ("post", P + "/mark-paid"),
}


@pytest.fixture
def objects(wallet, ad, zone, publisher):
    stat(ad, zone, at(2026, 3, 10, 9), spend=100_000_000)
    invoice = services.invoice_create(
        wallet=wallet,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        at=at(2026, 4, 2),
    )
    payout = services.payout_create(
        publisher=publisher, period_end=date(2026, 3, 31), at=at(2026, 4, 2)
    )
    return {"wallet": wallet.pk, "invoice": invoice.uuid, "payout": payout.uuid}


def call(client, method: str, path: str, objects: dict):
    return getattr(client, method)(path.format(**objects), {}, format="json")


@pytest.mark.parametrize(
    ("method", "path"), WALLET_ENDPOINTS + INVOICE_ENDPOINTS + PAYOUT_ENDPOINTS
)
def test_anonymous_is_401(api_client, objects, method, path):
    assert_error(call(api_client, method, path, objects), 401)


@pytest.mark.parametrize(
    ("method", "path"),
    WALLET_ENDPOINTS + [(m, p) for m, p in INVOICE_ENDPOINTS if m != "get"],
)
def test_publishers_have_no_wallets_and_cannot_manage_invoices(publisher, objects, method, path):
    assert_error(call(client_for(publisher.user), method, path, objects), 403)


def test_publishers_read_their_own_invoices_which_are_none(publisher, objects):
    """Seed 001: admins see all invoices, others their own."""
    client = client_for(publisher.user)
    listed = client.get("/api/v1/invoices")
    assert listed.status_code == 200
    assert listed.json()["data"] == []
    for path in (I, I + "/pdf", I + "/csv"):
        assert_error(call(client, "get", path, objects), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), PAYOUT_ENDPOINTS)
def test_advertisers_have_no_payouts(advertiser, objects, method, path):
    assert_error(call(client_for(advertiser.user), method, path, objects), 403)


@pytest.mark.parametrize(("method", "path"), sorted(FINANCE_ONLY))
def test_money_moves_only_by_finance_and_admins(advertiser, publisher, objects, method, path):
    client = client_for(publisher.user if path.startswith("/api/v1/payouts") else advertiser.user)
    assert_error(call(client, method, path, objects), 403)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (m, p)
        for m, p in WALLET_ENDPOINTS + INVOICE_ENDPOINTS
        if "{" in p and (m, p) not in FINANCE_ONLY
    ],
)
def test_another_advertisers_objects_are_404(objects, method, path):
    rival = client_for(AdvertiserFactory().user)
    assert_error(call(rival, method, path, objects), 404, "not_found")


@pytest.mark.parametrize("path", [P, P + "/csv"])
def test_another_publishers_payouts_are_404(objects, path):
    rival = client_for(PublisherFactory().user)
    assert_error(call(rival, "get", path, objects), 404, "not_found")


def test_lists_do_not_grow_queries_with_data(
    finance_client, objects, django_assert_max_num_queries
):
    for _ in range(5):
        AdvertiserFactory()
    for path in ("/api/v1/billing/wallets", "/api/v1/invoices", "/api/v1/payouts"):
        with django_assert_max_num_queries(10, info=path):
            assert finance_client.get(path).status_code == 200
    with django_assert_max_num_queries(10):
        finance_client.get(W.format(**objects) + "/transactions")
