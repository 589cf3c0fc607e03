"""Payouts: earnings per period, the minimum and carry-over, the state machine, the API."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.platform_settings import settings_update
from apps.billing import services
from apps.billing.models import Payout, PayoutStatus, Transaction, TransactionKind
from apps.common.errors import BusinessRuleError, ConflictError
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory
from conftest import client_for

from .conftest import assert_error, at, stat

pytestmark = pytest.mark.django_db

PAYOUTS = "/api/v1/payouts"
MARCH_END = date(2026, 3, 31)
AFTER_MARCH = at(2026, 4, 2)


@pytest.fixture
def earnings(ad, zone, publisher):
    """March: 60.00 on the sidebar and 0.4375 on a second zone (revenue)."""
    second = ZoneFactory(website=zone.website, name="Footer")
    stat(ad, zone, at(2026, 3, 10, 9), impressions=100, spend=85_714_286, revenue=60_000_000)
    stat(ad, second, at(2026, 3, 20, 9), impressions=1, spend=625_000, revenue=437_500)
    return zone, second


def test_payout_lines_per_zone_each_rounded_once(publisher, earnings):
    payout = services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    assert payout.status == PayoutStatus.PENDING
    assert (payout.period_start, payout.period_end) == (date(2026, 3, 10), MARCH_END)
    assert payout.earnings_micros == 60_437_500
    lines = [(line.zone_name, line.amount, line.impressions) for line in payout.lines.all()]
    assert lines == [("Sidebar", Decimal("60.00"), 100), ("Footer", Decimal("0.44"), 1)]
    assert payout.amount == Decimal("60.44")
    assert payout.currency == "USD"


def test_below_the_minimum_carries_over(ad, zone, publisher):
    stat(ad, zone, at(2026, 3, 10, 9), spend=50_000_000, revenue=35_000_000)
    with pytest.raises(BusinessRuleError) as low:
        services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    assert low.value.error_code == "below_minimum"
    assert not Payout.objects.exists()
    stat(ad, zone, at(2026, 4, 3, 9), spend=30_000_000, revenue=21_000_000)
    payout = services.payout_create(
        publisher=publisher, period_end=date(2026, 4, 30), at=at(2026, 5, 2)
    )
    assert payout.amount == Decimal("56.00")  # March's 35.00 carried into April's payout
    assert (payout.period_start, payout.period_end) == (date(2026, 3, 10), date(2026, 4, 30))
    # The next one starts where this one ended.
    stat(ad, zone, at(2026, 5, 3, 9), spend=100_000_000, revenue=70_000_000)
    following = services.payout_create(
        publisher=publisher, period_end=date(2026, 5, 31), at=at(2026, 6, 2)
    )
    assert (following.amount, following.period_start) == (Decimal("70.00"), date(2026, 5, 1))


def test_minimum_comes_from_the_setting(ad, zone, publisher):
    stat(ad, zone, at(2026, 3, 10, 9), spend=1_000_000, revenue=700_000)
    settings_update(values={"minimum_payout": Decimal("0.50")}, actor=None)
    payout = services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    assert payout.amount == Decimal("0.70")


def test_a_period_is_paid_out_once_and_only_when_over(publisher, earnings):
    with pytest.raises(BusinessRuleError) as early:
        services.payout_create(publisher=publisher, period_end=MARCH_END, at=at(2026, 3, 31, 20))
    assert early.value.error_code == "period_not_over"
    services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    with pytest.raises(ConflictError) as again:
        services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    assert again.value.error_code == "already_paid_out"
    made, carried = services.payouts_generate(at=AFTER_MARCH)
    assert (made, carried) == ([], 0)
    assert Payout.objects.count() == 1


def test_generate_makes_last_months_payouts(publisher, earnings, ad):
    small = PublisherFactory()
    small_zone = ZoneFactory(website=WebsiteFactory(publisher=small))
    stat(ad, small_zone, at(2026, 3, 12, 9), spend=1_000, revenue=700)
    made, carried = services.payouts_generate(at=AFTER_MARCH)
    assert [p.publisher_id for p in made] == [publisher.pk]
    assert carried == 1


def test_state_machine_and_ledger(publisher, earnings, finance_user):
    payout = services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)
    with pytest.raises(ConflictError) as not_yet:
        services.payout_mark_paid(payout=payout, actor=finance_user)
    assert "Approve it first" in str(not_yet.value.detail)
    approved = services.payout_approve(payout=payout, actor=finance_user)
    assert approved.status == PayoutStatus.APPROVED and approved.approved_by == finance_user
    with pytest.raises(ConflictError):
        services.payout_approve(payout=approved, actor=finance_user)
    paid = services.payout_mark_paid(payout=approved, actor=finance_user, reference="SEPA-9")
    assert paid.status == PayoutStatus.PAID and paid.reference == "SEPA-9"
    entry = Transaction.objects.get(kind=TransactionKind.PAYOUT)
    assert (entry.publisher, entry.payout, entry.amount_micros) == (publisher, paid, -60_440_000)
    for action in (services.payout_approve, services.payout_mark_paid):
        with pytest.raises(ConflictError):
            action(payout=paid, actor=finance_user)
    assert Transaction.objects.filter(kind=TransactionKind.PAYOUT).count() == 1


# --- API ----------------------------------------------------------------------------------


@pytest.fixture
def payout(publisher, earnings):
    return services.payout_create(publisher=publisher, period_end=MARCH_END, at=AFTER_MARCH)


def test_publishers_see_their_own(payout, publisher, admin_client, finance_client):
    own = client_for(publisher.user)
    other = client_for(PublisherFactory().user)
    for client in (own, admin_client, finance_client):
        body = client.get(PAYOUTS).json()
        assert [row["uuid"] for row in body["data"]] == [str(payout.uuid)]
        assert body["pagination"]["total"] == 1
    assert other.get(PAYOUTS).json()["data"] == []
    detail = own.get(f"{PAYOUTS}/{payout.uuid}").json()["data"]
    assert (detail["amount"], detail["status"], detail["publisher_name"]) == (
        "60.44",
        "pending",
        "News Daily",
    )
    assert [line["amount"] for line in detail["lines"]] == ["60.00", "0.44"]
    for suffix in ("", "/csv"):
        assert_error(other.get(f"{PAYOUTS}/{payout.uuid}{suffix}"), 404, "not_found")


def test_roles(payout, api_client, owner_client, publisher):
    assert_error(api_client.get(PAYOUTS), 401)
    assert_error(api_client.get(f"{PAYOUTS}/{payout.uuid}/csv"), 401)
    assert_error(owner_client.get(PAYOUTS), 403)
    own = client_for(publisher.user)
    for action in ("approve", "mark-paid"):
        assert_error(own.post(f"{PAYOUTS}/{payout.uuid}/{action}", {}, format="json"), 403)
    assert_error(
        own.post(PAYOUTS, {"publisher_id": publisher.pk, "month": "2026-03"}, format="json"), 403
    )


def test_finance_approves_and_pays(payout, finance_client):
    paid_early = finance_client.post(f"{PAYOUTS}/{payout.uuid}/mark-paid", {}, format="json")
    assert_error(paid_early, 409, "invalid_status_transition")
    approved = finance_client.post(f"{PAYOUTS}/{payout.uuid}/approve")
    assert approved.json()["data"]["status"] == "approved"
    assert_error(finance_client.post(f"{PAYOUTS}/{payout.uuid}/approve"), 409)
    paid = finance_client.post(
        f"{PAYOUTS}/{payout.uuid}/mark-paid", {"reference": "SEPA-1"}, format="json"
    )
    assert paid.status_code == 200
    assert (paid.json()["data"]["status"], paid.json()["data"]["reference"]) == ("paid", "SEPA-1")
    assert finance_client.get(PAYOUTS, {"status": "paid"}).json()["pagination"]["total"] == 1


def test_statement_csv(payout, publisher):
    response = client_for(publisher.user).get(f"{PAYOUTS}/{payout.uuid}/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["zone"], r["earnings"]) for r in rows] == [
        ("Sidebar", "60.00"),
        ("Footer", "0.44"),
        ("Total", "60.44"),
    ]
    assert rows[0]["website"] == "news.example" and rows[0]["impressions"] == "100"


def test_create_through_the_api(finance_client, publisher, earnings, clock_at):
    clock_at(AFTER_MARCH)
    body = {"publisher_id": publisher.pk, "month": "2026-03"}
    response = finance_client.post(PAYOUTS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["data"]["amount"] == "60.44"
    assert_error(finance_client.post(PAYOUTS, body, format="json"), 409, "already_paid_out")
    assert_error(
        finance_client.post(
            PAYOUTS, {"publisher_id": publisher.pk, "month": "2026-04"}, format="json"
        ),
        400,
        "period_not_over",
    )
    assert_error(finance_client.post(PAYOUTS, {**body, "publisher_id": 99999}, format="json"), 404)
    for bad, field in (
        ({"publisher_id": publisher.pk}, "period_end"),
        ({"publisher_id": publisher.pk, "month": "March"}, "month"),
        ({"month": "2026-03"}, "publisher_id"),
        ({**body, "amount": "5"}, "amount"),
    ):
        errors = assert_error(finance_client.post(PAYOUTS, bad, format="json"), 422)["details"]
        assert ["body", field] in [d["path"] for d in errors]


def test_below_minimum_through_the_api(finance_client, ad, zone, publisher, clock_at):
    clock_at(AFTER_MARCH)
    stat(ad, zone, at(2026, 3, 10, 9), spend=10_000_000, revenue=7_000_000)
    response = finance_client.post(
        PAYOUTS, {"publisher_id": publisher.pk, "month": "2026-03"}, format="json"
    )
    body = assert_error(response, 400, "below_minimum")
    assert "7.00" in body["error"] and "50.00" in body["error"]
    assert not Payout.objects.exists()
