"""Invoices: billing posted spend, numbering, tax and rounding, the state machine, the API
(scoping, roles, bad input) and the PDF/CSV downloads."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from pypdf import PdfReader

from apps.accounts.platform_settings import settings_update
from apps.billing import services
from apps.billing.models import Invoice, InvoiceStatus, TransactionKind
from apps.campaigns.tests.factories import AdFactory, CampaignFactory
from apps.common.errors import BusinessRuleError, ConflictError
from apps.common.models import DomainEvent
from conftest import client_for

from .conftest import assert_error, at, stat, wallet_of

pytestmark = pytest.mark.django_db

INVOICES = "/api/v1/invoices"
MARCH = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31)}
AFTER_MARCH = at(2026, 4, 2)


def entries_total(invoice) -> int:
    return invoice.transactions.aggregate(s=Sum("amount_micros"))["s"]


@pytest.fixture
def march_spend(wallet, ad, zone):
    """Two campaigns with sub-cent charges: 0.0175 and 0.8000 (two lines)."""
    cpc = AdFactory(campaign=CampaignFactory(advertiser=wallet.advertiser, name="Spring Clicks"))
    stat(ad, zone, at(2026, 3, 10, 9), impressions=7, spend=17_500)
    stat(cpc, zone, at(2026, 3, 11, 9), impressions=50, clicks=2, spend=800_000)
    return ad, cpc


def make_invoice(wallet, **kw) -> Invoice:
    return services.invoice_create(wallet=wallet, **{**MARCH, "at": AFTER_MARCH, **kw})


def test_invoice_lines_round_once_and_the_ledger_adds_up(wallet, march_spend):
    ad, cpc = march_spend
    invoice = make_invoice(wallet)
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.number == "INV-2026-000001"
    items = {item.campaign_id: item for item in invoice.items.all()}
    assert (items[ad.campaign_id].amount, items[ad.campaign_id].amount_micros) == (
        Decimal("0.02"),
        17_500,
    )
    assert items[ad.campaign_id].impressions == 7
    assert (items[cpc.campaign_id].amount, items[cpc.campaign_id].clicks) == (Decimal("0.80"), 2)
    assert "Winter Sale" in items[ad.campaign_id].description
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("0.82"),
        Decimal("0.00"),
        Decimal("0.82"),
    )
    assert invoice.spend_micros == 817_500
    # Spend entries, plus the rounding of the lines, add up to the total exactly.
    kinds = sorted(invoice.transactions.values_list("kind", "amount_micros"))
    assert kinds == [("adjustment", -2_500), ("spend", -800_000), ("spend", -17_500)]
    assert entries_total(invoice) == -820_000


def test_tax_from_the_setting_is_charged_on_issue(wallet, march_spend):
    settings_update(values={"tax_rate": Decimal("0.19")}, actor=None)
    invoice = make_invoice(wallet)
    assert (invoice.subtotal, invoice.tax_rate, invoice.tax, invoice.total) == (
        Decimal("0.82"),
        Decimal("0.1900"),
        Decimal("0.16"),
        Decimal("0.98"),
    )
    assert entries_total(invoice) == -980_000


def test_numbers_are_sequential_and_given_on_issue(wallet, other_advertiser, zone, march_spend):
    draft = make_invoice(wallet, issue=False)
    assert draft.number is None and draft.status == InvoiceStatus.DRAFT
    assert not draft.transactions.filter(kind=TransactionKind.ADJUSTMENT).exists()
    other_ad = AdFactory(campaign=CampaignFactory(advertiser=other_advertiser))
    stat(other_ad, zone, at(2026, 3, 5, 9), spend=1_000_000)
    first = make_invoice(wallet_of(other_advertiser))
    issued = services.invoice_issue(invoice=draft, at=AFTER_MARCH)
    assert (first.number, issued.number) == ("INV-2026-000001", "INV-2026-000002")


def test_nothing_or_already_invoiced(wallet, march_spend):
    with pytest.raises(BusinessRuleError) as nothing:
        services.invoice_create(
            wallet=wallet,
            period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28),
            at=AFTER_MARCH,
        )
    assert nothing.value.error_code == "nothing_to_invoice"
    make_invoice(wallet)
    with pytest.raises(ConflictError) as again:
        make_invoice(wallet)
    assert again.value.error_code == "already_invoiced"
    with pytest.raises(BusinessRuleError) as early:
        make_invoice(wallet, at=at(2026, 3, 31, 12))
    assert early.value.error_code == "period_not_over"
    assert Invoice.objects.count() == 1


def test_monthly_invoices_are_issued_once(wallet, march_spend):
    made = services.invoices_issue_monthly(at=AFTER_MARCH)
    assert [i.wallet_id for i in made] == [wallet.pk]
    assert made[0].period_start == date(2026, 3, 1) and made[0].period_end == date(2026, 3, 31)
    assert services.invoices_issue_monthly(at=at(2026, 4, 3)) == []
    assert Invoice.objects.count() == 1


def test_state_machine(wallet, march_spend, finance_user):
    invoice = make_invoice(wallet)
    with pytest.raises(ConflictError):
        services.invoice_issue(invoice=invoice)
    paid = services.invoice_mark_paid(invoice=invoice, actor=finance_user, reference="BANK-1")
    assert paid.status == InvoiceStatus.PAID and paid.paid_at is not None
    # A postpaid wallet's payment is a deposit of the total, tied to the invoice.
    deposit = paid.transactions.get(kind=TransactionKind.DEPOSIT)
    assert deposit.amount_micros == 820_000 and deposit.reference == "BANK-1"
    assert DomainEvent.objects.filter(event_type="payment.completed").count() == 1
    for action in (services.invoice_mark_paid, services.invoice_void):
        with pytest.raises(ConflictError) as exc:
            action(invoice=paid)
        assert exc.value.error_code == "invalid_status_transition"


def test_void_reverses_and_releases_the_charges(wallet, march_spend):
    settings_update(values={"tax_rate": Decimal("0.10")}, actor=None)
    invoice = make_invoice(wallet)
    void = services.invoice_void(invoice=invoice, reason="wrong address")
    assert void.status == InvoiceStatus.VOID and void.number == "INV-2026-000001"
    assert entries_total(void) == 0  # rounding and tax reversed, charges released
    with pytest.raises(ConflictError):
        services.invoice_mark_paid(invoice=void)
    again = make_invoice(wallet)
    assert again.number == "INV-2026-000002" and again.total == invoice.total


def test_prepaid_invoice_paid_moves_no_money(wallet, march_spend):
    services.wallet_update(wallet=wallet, mode="prepaid")
    invoice = services.invoice_mark_paid(invoice=make_invoice(wallet))
    assert invoice.status == InvoiceStatus.PAID
    assert not invoice.transactions.filter(kind=TransactionKind.DEPOSIT).exists()


# --- API ----------------------------------------------------------------------------------


@pytest.fixture
def invoice(wallet, march_spend):
    return make_invoice(wallet)


def test_list_and_detail_are_scoped(
    admin_client, finance_client, owner_client, rival_client, invoice
):
    for client in (admin_client, finance_client, owner_client):
        body = client.get(INVOICES).json()
        assert [row["uuid"] for row in body["data"]] == [str(invoice.uuid)]
        assert body["pagination"]["total"] == 1
    assert rival_client.get(INVOICES).json()["data"] == []
    detail = owner_client.get(f"{INVOICES}/{invoice.uuid}")
    assert detail.status_code == 200
    data = detail.json()["data"]
    assert (data["status"], data["total"], data["number"]) == ("open", "0.82", invoice.number)
    assert [item["amount"] for item in data["items"]] == ["0.02", "0.80"]
    assert {t["type"] for t in data["transactions"]} == {"spend", "adjustment"}
    assert sum(Decimal(t["amount"]) for t in data["transactions"]) == Decimal("-0.82")
    assert data["pdf_url"] == f"/api/v1/invoices/{invoice.uuid}/pdf"
    for suffix in ("", "/pdf", "/csv"):
        assert_error(rival_client.get(f"{INVOICES}/{invoice.uuid}{suffix}"), 404, "not_found")


def test_partner_and_roles(api_client, publisher_client, partner_user, invoice):
    assert_error(api_client.get(INVOICES), 401)
    assert_error(api_client.get(f"{INVOICES}/{invoice.uuid}/pdf"), 401)
    assert publisher_client.get(INVOICES).json()["data"] == []  # their own: none
    partner = client_for(partner_user)
    assert partner.get(INVOICES).json()["data"] == []
    assert_error(partner.get(f"{INVOICES}/{invoice.uuid}"), 404)
    invoice.wallet.advertiser.managers.add(partner_user)
    assert partner.get(f"{INVOICES}/{invoice.uuid}").status_code == 200


def test_unknown_or_malformed_uuid_is_404(owner_client):
    assert_error(owner_client.get(f"{INVOICES}/00000000-0000-0000-0000-000000000000"), 404)
    assert_error(owner_client.get(f"{INVOICES}/not-a-uuid"), 404)


def test_list_filters(finance_client, invoice):
    assert finance_client.get(INVOICES, {"status": "paid"}).json()["data"] == []
    assert len(finance_client.get(INVOICES, {"status": "open"}).json()["data"]) == 1
    assert_error(finance_client.get(INVOICES, {"status": "late"}), 422)


def test_pdf_carries_the_totals_and_billing_details(owner_client, wallet, march_spend):
    services.wallet_update(
        wallet=wallet, billing_name="Acme Outdoor GmbH", billing_address="1 Main St", vat_id="DE1"
    )
    settings_update(values={"site_name": "Northwind Ads"}, actor=None)
    invoice = make_invoice(wallet)
    response = owner_client.get(f"{INVOICES}/{invoice.uuid}/pdf", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Northwind Ads",
        invoice.number,
        "Acme Outdoor GmbH",
        "1 Main St",
        "DE1",
        "Winter Sale",
        "0.02",
        "0.80",
        "Total USD",
        "0.82",
    ):
        assert expected in text, expected


def test_csv_has_lines_and_totals(owner_client, invoice):
    response = owner_client.get(f"{INVOICES}/{invoice.uuid}/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["amount"] for r in rows] == ["0.02", "0.80", "0.82", "0.00", "0.82"]
    assert [r["description"] for r in rows[-3:]] == ["Subtotal", "Tax (0.00%)", "Total"]
    assert {r["invoice_number"] for r in rows} == {invoice.number}


def test_finance_creates_issues_pays_and_voids_through_the_api(
    finance_client, wallet, march_spend, clock_at
):
    clock_at(AFTER_MARCH)
    response = finance_client.post(
        INVOICES,
        {"advertiser_id": wallet.advertiser_id, "month": "2026-03", "issue": False},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["status"], data["number"], data["total"]) == ("draft", None, "0.82")
    uuid = data["uuid"]
    assert_error(finance_client.post(f"{INVOICES}/{uuid}/mark-paid", {}, format="json"), 409)
    issued = finance_client.post(f"{INVOICES}/{uuid}/issue")
    assert issued.json()["data"]["status"] == "open"
    assert_error(finance_client.post(f"{INVOICES}/{uuid}/issue"), 409, "invalid_status_transition")
    void = finance_client.post(f"{INVOICES}/{uuid}/void", {"reason": "duplicate"}, format="json")
    assert void.json()["data"]["status"] == "void"
    paid_void = finance_client.post(f"{INVOICES}/{uuid}/mark-paid", {}, format="json")
    assert_error(paid_void, 409, "invalid_status_transition")
    assert Invoice.objects.get(uuid=uuid).status == "void"
    # The released charges can be invoiced again, then paid.
    again = finance_client.post(
        INVOICES,
        {
            "advertiser_id": wallet.advertiser_id,
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
        },
        format="json",
    ).json()["data"]
    paid = finance_client.post(
        f"{INVOICES}/{again['uuid']}/mark-paid", {"reference": "B-7"}, format="json"
    )
    assert paid.json()["data"]["status"] == "paid"
    assert_error(finance_client.post(f"{INVOICES}/{again['uuid']}/void"), 409)


def test_create_bad_input(finance_client, owner_client, wallet, march_spend, clock_at):
    clock_at(AFTER_MARCH)
    body = {"advertiser_id": wallet.advertiser_id, "month": "2026-03"}
    assert_error(owner_client.post(INVOICES, body, format="json"), 403)
    for bad, field in (
        ({"advertiser_id": wallet.advertiser_id}, "period_end"),
        ({"advertiser_id": wallet.advertiser_id, "month": "2026-13"}, "month"),
        ({**body, "period_end": "2026-03-31"}, "month"),
        (
            {
                "advertiser_id": wallet.advertiser_id,
                "period_start": "2026-03-10",
                "period_end": "2026-03-01",
            },
            "period_end",
        ),
        ({"month": "2026-03"}, "advertiser_id"),
        ({**body, "total": "1.00"}, "total"),
    ):
        response = assert_error(finance_client.post(INVOICES, bad, format="json"), 422)
        assert ["body", field] in [d["path"] for d in response["details"]], (bad, response)
    assert_error(
        finance_client.post(INVOICES, {**body, "advertiser_id": 999999}, format="json"), 404
    )
    assert_error(
        finance_client.post(INVOICES, {**body, "month": "2026-02"}, format="json"),
        400,
        "nothing_to_invoice",
    )
    assert_error(
        finance_client.post(INVOICES, {**body, "month": "2026-04"}, format="json"),
        400,
        "period_not_over",
    )
    assert finance_client.post(INVOICES, body, format="json").status_code == 201
    assert_error(finance_client.post(INVOICES, body, format="json"), 409, "already_invoiced")


def test_advertiser_cannot_manage_invoices(owner_client, invoice):
    for action in ("issue", "mark-paid", "void"):
        assert_error(
            owner_client.post(f"{INVOICES}/{invoice.uuid}/{action}", {}, format="json"), 403
        )
    assert Invoice.objects.get(pk=invoice.pk).status == "open"
