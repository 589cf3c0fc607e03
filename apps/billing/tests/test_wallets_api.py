"""Black-box tests of /api/v1/billing/wallets…: scoping, roles, bad input, the envelope."""

from decimal import Decimal

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.billing import services
from apps.billing.models import Transaction, TransactionKind
from apps.common.models import DomainEvent
from conftest import client_for

from .conftest import assert_error, at, stat, wallet_of

pytestmark = pytest.mark.django_db

WALLETS = "/api/v1/billing/wallets"


def url(wallet, suffix: str = "") -> str:
    return f"{WALLETS}/{wallet.pk}{suffix}"


# --- List and detail ----------------------------------------------------------------------


def test_list_is_scoped(admin_client, finance_client, owner_client, wallet, other_advertiser):
    other = wallet_of(other_advertiser)
    for client in (admin_client, finance_client):
        ids = {row["id"] for row in client.get(WALLETS).json()["data"]}
        assert {wallet.pk, other.pk} <= ids
    body = owner_client.get(WALLETS).json()
    assert [row["id"] for row in body["data"]] == [wallet.pk]
    assert body["pagination"] == {"page": 1, "per_page": 25, "count": 1, "total": 1, "pages": 1}


def test_partner_sees_the_wallets_it_manages(partner_user, wallet, other_advertiser):
    wallet.advertiser.managers.add(partner_user)
    client = client_for(partner_user)
    assert [row["id"] for row in client.get(WALLETS).json()["data"]] == [wallet.pk]
    assert client.get(url(wallet)).status_code == 200
    assert_error(client.get(url(wallet_of(other_advertiser))), 404, "not_found")


def test_publishers_and_anonymous_are_refused(api_client, publisher_client, wallet):
    assert_error(api_client.get(WALLETS), 401)
    assert_error(api_client.get(url(wallet)), 401)
    assert_error(publisher_client.get(WALLETS), 403)
    assert_error(publisher_client.get(url(wallet)), 403)


def test_detail_shape(owner_client, wallet, ad, zone, clock_at):
    services.deposit_record(wallet=wallet, amount=Decimal("25.00"), actor=None)
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_234_567)
    clock_at(at(2026, 3, 10, 12))
    response = owner_client.get(url(wallet))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data == {
        "id": wallet.pk,
        "advertiser_id": wallet.advertiser_id,
        "advertiser_name": "Acme Outdoor",
        "currency": "USD",
        "mode": "postpaid",
        "balance": "23.77",
        "credit_limit": None,
        "available": None,
        "spend_today": "1.23",
        "unposted_spend": "1.23",
        "posted_through": None,
        "billing_name": "",
        "billing_address": "",
        "vat_id": "",
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
    }


def test_other_accounts_wallet_is_404(owner_client, other_advertiser):
    other = wallet_of(other_advertiser)
    for path in ("", "/transactions"):
        assert_error(owner_client.get(url(other, path)), 404, "not_found")
    assert_error(owner_client.patch(url(other), {"billing_name": "x"}, format="json"), 404)
    assert_error(owner_client.get(f"{WALLETS}/999999"), 404)


# --- Update -------------------------------------------------------------------------------


def test_owner_edits_billing_details_but_not_mode(owner_client, wallet):
    response = owner_client.patch(
        url(wallet),
        {"billing_name": "Acme GmbH", "billing_address": "1 Main St\nBerlin", "vat_id": "DE123"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["billing_name"] == "Acme GmbH"
    assert_error(owner_client.patch(url(wallet), {"mode": "prepaid"}, format="json"), 403)
    assert_error(owner_client.patch(url(wallet), {"credit_limit": "10.00"}, format="json"), 403)
    assert wallet_of(wallet.advertiser).mode == "postpaid"


def test_admin_sets_mode_and_credit(admin_client, finance_client, wallet):
    response = admin_client.patch(url(wallet), {"credit_limit": "500.00"}, format="json")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["mode"], data["credit_limit"], data["available"]) == (
        "postpaid",
        "500.00",
        "500.00",
    )
    response = admin_client.put(url(wallet), {"mode": "prepaid"}, format="json")
    data = response.json()["data"]
    assert (data["mode"], data["credit_limit"], data["available"]) == ("prepaid", None, "0.00")
    body = assert_error(
        admin_client.patch(url(wallet), {"credit_limit": "5.00"}, format="json"), 422
    )
    assert body["details"][0]["path"] == ["body", "credit_limit"]
    assert_error(finance_client.patch(url(wallet), {"mode": "postpaid"}, format="json"), 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "credit"}, "mode"),
        ({"credit_limit": "-1"}, "credit_limit"),
        ({"credit_limit": "abc"}, "credit_limit"),
        ({"billing_name": "x" * 201}, "billing_name"),
        ({"balance": "100.00"}, "balance"),
    ],
)
def test_update_bad_input(admin_client, wallet, body, field):
    response = assert_error(admin_client.patch(url(wallet), body, format="json"), 422)
    assert ["body", field] in [d["path"] for d in response["details"]]


# --- Ledger -------------------------------------------------------------------------------


def test_transactions_are_paginated_and_filtered(owner_client, finance_user, wallet, ad, zone):
    services.deposit_record(
        wallet=wallet, amount=Decimal("10.00"), actor=finance_user, reference="TRX-1"
    )
    stat(ad, zone, at(2026, 3, 10, 9), spend=17_500)
    services.spend_post_due(at=at(2026, 3, 12))
    body = owner_client.get(url(wallet, "/transactions")).json()
    assert body["pagination"]["total"] == 2
    kinds = {row["type"]: row for row in body["data"]}
    deposit, spend = kinds["deposit"], kinds["spend"]
    assert (deposit["amount"], deposit["amount_micros"]) == ("10.00", 10_000_000)
    assert deposit["created_by_id"] == finance_user.pk
    assert deposit["reference"] == "TRX-1"
    assert deposit["method"] == "bank_transfer"
    assert (spend["amount"], spend["amount_micros"]) == ("-0.02", -17_500)
    assert (spend["campaign_id"], spend["day"]) == (ad.campaign_id, "2026-03-10")
    assert "Winter Sale" in spend["description"]
    only = owner_client.get(url(wallet, "/transactions"), {"type": "spend"}).json()["data"]
    assert [row["type"] for row in only] == ["spend"]
    assert_error(owner_client.get(url(wallet, "/transactions"), {"type": "gift"}), 422)
    page = owner_client.get(url(wallet, "/transactions"), {"per_page": 1, "page": 2}).json()
    assert page["pagination"]["count"] == 1 and page["pagination"]["pages"] == 2


# --- Deposits -----------------------------------------------------------------------------


def test_finance_records_a_deposit(finance_client, finance_user, wallet):
    response = finance_client.post(
        url(wallet, "/deposits"),
        {"amount": "150.00", "currency": "USD", "reference": "TRX-42"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["data"]["type"] == "deposit"
    assert body["data"]["amount"] == "150.00"
    assert body["wallet"]["balance"] == "150.00"
    event = DomainEvent.objects.get(event_type="payment.completed")
    assert event.owner == wallet.advertiser.user
    assert event.data["amount"] == "150.00" and event.data["wallet_id"] == wallet.pk


def test_admin_records_a_deposit_any_method(admin_client, wallet):
    response = admin_client.post(
        url(wallet, "/deposits"), {"amount": "5", "method": "cheque"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["method"] == "cheque"


def test_only_finance_and_admin_deposit(api_client, owner_client, partner_user, wallet):
    wallet.advertiser.managers.add(partner_user)
    body = {"amount": "10.00"}
    assert_error(api_client.post(url(wallet, "/deposits"), body, format="json"), 401)
    assert_error(owner_client.post(url(wallet, "/deposits"), body, format="json"), 403)
    assert_error(client_for(partner_user).post(url(wallet, "/deposits"), body, format="json"), 403)
    publisher = client_for(UserFactory(role=Role.PUBLISHER))
    assert_error(publisher.post(url(wallet, "/deposits"), body, format="json"), 403)
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "99999999999"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": None}, "amount"),
        ({}, "amount"),
        ({"amount": "1.00", "currency": "DOLLARS"}, "currency"),
        ({"amount": "1.00", "method": "card"}, "method"),
        ({"amount": "1.00", "balance": "1"}, "balance"),
    ],
)
def test_deposit_bad_input_is_422_and_changes_nothing(finance_client, wallet, body, field):
    response = assert_error(finance_client.post(url(wallet, "/deposits"), body, format="json"), 422)
    assert ["body", field] in [d["path"] for d in response["details"]]
    assert not Transaction.objects.exists()


def test_deposit_in_a_foreign_currency_is_400(finance_client, wallet):
    response = finance_client.post(
        url(wallet, "/deposits"), {"amount": "10.00", "currency": "eur"}, format="json"
    )
    assert_error(response, 400, "currency_mismatch")
    assert not Transaction.objects.exists()


def test_deposit_malformed_json_is_400(finance_client, wallet):
    response = finance_client.post(
        url(wallet, "/deposits"), data="{amount: 1", content_type="application/json"
    )
    assert_error(response, 400)
    response = finance_client.post(
        url(wallet, "/deposits"), data="[1]", content_type="application/json"
    )
    assert_error(response, 422)


def test_deposit_to_unknown_wallet_is_404(finance_client):
    assert_error(
        finance_client.post(f"{WALLETS}/424242/deposits", {"amount": "1"}, format="json"), 404
    )


def test_deposit_replays_with_idempotency_key(finance_client, wallet):
    headers = {"HTTP_IDEMPOTENCY_KEY": "dep-1"}
    first = finance_client.post(
        url(wallet, "/deposits"), {"amount": "7.00"}, format="json", **headers
    )
    again = finance_client.post(
        url(wallet, "/deposits"), {"amount": "7.00"}, format="json", **headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    assert Transaction.objects.count() == 1


# --- Adjustments and refunds --------------------------------------------------------------


def test_adjustment_needs_a_reason_and_a_sign(finance_client, wallet):
    ok = finance_client.post(
        url(wallet, "/adjustments"), {"amount": "-2.50", "reason": "Late fee"}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["data"]["amount"] == "-2.50"
    assert ok.json()["wallet"]["balance"] == "-2.50"
    for body, field in (
        ({"amount": "0", "reason": "x"}, "amount"),
        ({"amount": "1.00"}, "reason"),
        ({"amount": "1.00", "reason": ""}, "reason"),
        ({"amount": "1.00", "reason": "x", "day": "2026-03-10"}, "campaign_id"),
    ):
        response = finance_client.post(url(wallet, "/adjustments"), body, format="json")
        assert ["body", field] in [d["path"] for d in assert_error(response, 422)["details"]]
    assert Transaction.objects.count() == 1


def test_refund_cannot_exceed_the_balance(finance_client, wallet):
    services.deposit_record(wallet=wallet, amount=Decimal("10.00"), actor=None)
    too_much = finance_client.post(
        url(wallet, "/refunds"), {"amount": "10.01", "reason": "closing"}, format="json"
    )
    assert_error(too_much, 400, "insufficient_balance")
    ok = finance_client.post(
        url(wallet, "/refunds"), {"amount": "10.00", "reason": "closing"}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["data"]["type"] == "refund"
    assert ok.json()["wallet"]["balance"] == "0.00"
    assert (
        wallet.transactions.filter(kind=TransactionKind.REFUND).get().amount_micros == -10_000_000
    )


def test_advertiser_cannot_adjust_or_refund(owner_client, wallet):
    body = {"amount": "1.00", "reason": "x"}
    assert_error(owner_client.post(url(wallet, "/adjustments"), body, format="json"), 403)
    assert_error(owner_client.post(url(wallet, "/refunds"), body, format="json"), 403)


def test_wrong_method_is_json_405(finance_client, wallet):
    assert_error(finance_client.get(url(wallet, "/deposits")), 405)
    assert_error(finance_client.delete(url(wallet)), 405)


# --- Reconciliation -----------------------------------------------------------------------


def test_reconciliation_endpoint(finance_client, owner_client, api_client, wallet, ad, zone):
    stat(ad, zone, at(2026, 3, 10, 9), spend=10_000)
    services.spend_post_due(at=at(2026, 3, 12))
    stat(ad, zone, at(2026, 3, 10, 10), spend=1_000)
    response = finance_client.get("/api/v1/billing/reconciliation", {"from": "2026-03-01"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["ok"] is False
    assert data["ledger_vs_rollups"][0]["difference_micros"] == 1_000
    assert data["ledger_vs_rollups"][0]["rollup"] == "0.01"
    assert_error(owner_client.get("/api/v1/billing/reconciliation"), 403)
    assert_error(api_client.get("/api/v1/billing/reconciliation"), 401)
    assert_error(
        finance_client.get(
            "/api/v1/billing/reconciliation", {"from": "2026-03-10", "to": "2026-03-01"}
        ),
        422,
    )
