"""Finance pages through the Django test client: the overview's key figures, invoices
(filters, downloads, issue / mark paid / void, invoicing a month on demand), payouts
(approve, mark paid, statements, generating a month) and the financial report; access,
CSRF, state errors as messages and pinned query counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.billing import documents, services
from apps.billing.models import (
    Invoice,
    InvoiceStatus,
    Payout,
    PayoutStatus,
    TransactionKind,
)
from apps.delivery.models import HourlyStat
from conftest import client_for

from .billing_data import (
    advertiser_with_ad,
    invoice_for_month,
    month_back,
    month_bounds,
    payout_for_month,
    publisher_with_zone,
    spend,
    wallet_of,
)

pytestmark = pytest.mark.django_db

PAGES = ("finance:home", "finance:invoices", "finance:payouts", "finance:report")
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def finance(finance_user) -> Client:
    return login(finance_user)


@pytest.fixture
def books():
    """Two advertisers and two publishers; invoices in every state, payouts in three."""
    shop, shop_ad = advertiser_with_ad("Shoe Shop")
    rival, rival_ad = advertiser_with_ad("Rival Inc", currency="EUR")
    planet, planet_zone = publisher_with_zone("Daily Planet")
    times, times_zone = publisher_with_zone("Evening Times")
    overdue = invoice_for_month(shop, shop_ad, planet_zone, 3, amount="40.00", issued_days_ago=40)
    open_ = invoice_for_month(shop, shop_ad, planet_zone, 2, amount="25.00")
    draft = invoice_for_month(shop, shop_ad, planet_zone, 1, amount="10.00", issue=False)
    paid = invoice_for_month(rival, rival_ad, planet_zone, 2, amount="30.00")
    paid = services.invoice_mark_paid(invoice=paid, reference="BANK-1")
    void = invoice_for_month(rival, rival_ad, planet_zone, 1, amount="5.00")
    void = services.invoice_void(invoice=void, reason="Duplicate")
    pending = payout_for_month(planet, shop_ad, planet_zone, 4, earnings="60.00")
    approved = payout_for_month(times, rival_ad, times_zone, 4, earnings="80.00")
    approved = services.payout_approve(payout=approved, actor=None)
    done = payout_for_month(times, rival_ad, times_zone, 3, earnings="55.00")
    done = services.payout_approve(payout=done, actor=None)
    done = services.payout_mark_paid(payout=done, actor=None, reference="SEPA-1")
    return SimpleNamespace(
        shop=shop,
        shop_ad=shop_ad,
        rival=rival,
        planet=planet,
        planet_zone=planet_zone,
        times=times,
        overdue=overdue,
        open=open_,
        draft=draft,
        paid=paid,
        void=void,
        pending=pending,
        approved=approved,
        done=done,
    )


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_go_to_the_login_page(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.PARTNER])
@pytest.mark.parametrize("name", PAGES)
def test_other_roles_are_refused(role, name):
    assert login(UserFactory(role=role)).get(reverse(name)).status_code == 403


def test_other_roles_cannot_act_on_invoices_or_payouts(books):
    client = login(books.shop.user)
    response = client.post(reverse("finance:invoice_mark_paid", args=[books.open.uuid]))
    assert response.status_code == 403
    publisher = login(books.planet.user)
    response = publisher.post(reverse("finance:payout_approve", args=[books.pending.uuid]))
    assert response.status_code == 403
    assert Invoice.objects.get(pk=books.open.pk).status == InvoiceStatus.OPEN
    assert Payout.objects.get(pk=books.pending.pk).status == PayoutStatus.PENDING


@pytest.mark.parametrize("name", PAGES)
def test_admins_may_use_the_finance_pages(admin_user, name):
    response = login(admin_user).get(reverse(name))
    assert response.status_code == 200
    tabs = html(response).split('aria-label="Finance"')[1].split("</nav>")[0]
    for other in PAGES:  # admins' own navigation links only the overview
        assert f'href="{reverse(other)}"' in tabs


def test_finance_navigation_has_no_campaign_or_inventory_links(finance, books):
    for name in PAGES:
        page = html(finance.get(reverse(name)))
        for linked in PAGES:
            assert f'href="{reverse(linked)}"' in page
        assert 'aria-label="Finance"' not in page  # the side navigation is enough
        for prefix in ("/advertiser/", "/publisher/", "/staff/", "/admin/", "/billing/"):
            assert f'href="{prefix}' not in page


def test_unknown_objects_are_404(finance):
    missing = "00000000-0000-0000-0000-000000000000"
    for name in ("finance:invoice_detail", "finance:invoice_pdf", "finance:payout_detail"):
        assert finance.get(reverse(name, args=[missing])).status_code == 404
    assert finance.post(reverse("finance:invoice_issue", args=[missing])).status_code == 404


def test_actions_need_the_csrf_token(finance_user, books):
    client = Client(enforce_csrf_checks=True)
    client.force_login(finance_user)
    page = html(client.get(reverse("finance:invoices")))
    assert 'name="csrfmiddlewaretoken"' in page
    for name, obj in (
        ("finance:invoice_issue", books.draft),
        ("finance:invoice_mark_paid", books.open),
        ("finance:invoice_void", books.open),
        ("finance:payout_approve", books.pending),
        ("finance:payout_mark_paid", books.approved),
    ):
        assert client.post(reverse(name, args=[obj.uuid])).status_code == 403
    assert client.post(reverse("finance:payouts_generate"), {"month": "2020-01"}).status_code == 403
    assert client.post(reverse("finance:invoice_create"), {}).status_code == 403
    assert Invoice.objects.get(pk=books.draft.pk).status == InvoiceStatus.DRAFT
    assert Payout.objects.get(pk=books.pending.pk).status == PayoutStatus.PENDING


# --- Overview -----------------------------------------------------------------------------


def test_home_shows_the_key_figures(finance, books):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    spend(books.shop_ad, books.planet_zone, hour.date(), spend_micros=20_000_000)
    HourlyStat.objects.filter(hour__date=hour.date()).update(hour=hour)
    response = finance.get(reverse("finance:home"))
    context = response.context
    assert [(r["currency"], r["open_total"]) for r in context["invoice_totals"]] == [
        ("USD", Decimal("65.00"))
    ]
    assert (context["open_count"], context["overdue_count"], context["draft_count"]) == (2, 1, 1)
    totals = {r["currency"]: r for r in context["payout_totals"]}
    assert totals["USD"]["pending_total"] == Decimal("60.00")
    assert totals["USD"]["approved_total"] == Decimal("80.00")
    assert context["month"]["total_spend"] == "20.00"
    assert context["month"]["total_revenue"] == "14.00"
    page = html(response)
    assert "65.00" in page and "1 invoice is overdue" in page
    assert books.overdue.number in page  # oldest overdue
    assert "Daily Planet" in page and "Evening Times" in page  # payouts waiting
    assert "1 draft invoice waits" in page


# --- Invoices -----------------------------------------------------------------------------


def test_invoice_list_with_pinned_queries(finance, books, django_assert_max_num_queries):
    # Session, user, advertiser choices, count, page, totals per currency; one more when
    # the platform settings are not cached. Five rows, no query per row.
    with django_assert_max_num_queries(7):
        response = finance.get(reverse("finance:invoices"))
    page = html(response)
    assert response.context["page"].paginator.count == 5
    for invoice in (books.overdue, books.open, books.paid, books.void):
        assert invoice.number in page
    assert "Shoe Shop" in page and "Rival Inc" in page
    assert page.count("badge-overdue") == 1
    assert "billing 30.00 EUR and 75.00 USD" in page  # per currency, void not counted
    # Actions that fit each state: issue a draft, mark an open one paid, void both.
    assert reverse("finance:invoice_issue", args=[books.draft.uuid]) in page
    assert reverse("finance:invoice_mark_paid", args=[books.open.uuid]) in page
    assert reverse("finance:invoice_void", args=[books.open.uuid]) in page
    assert reverse("finance:invoice_void", args=[books.paid.uuid]) not in page
    assert reverse("finance:invoice_pdf", args=[books.paid.uuid]) in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "open"}, {"overdue", "open"}),
        ({"status": "overdue"}, {"overdue"}),
        ({"status": "draft"}, {"draft"}),
        ({"advertiser": "rival"}, {"paid", "void"}),
        ({"period": 3}, {"overdue"}),
        ({"period": 2, "status": "paid"}, {"paid"}),
    ],
)
def test_invoice_filters(finance, books, query, expected):
    params = {k: v for k, v in query.items() if k in ("status",)}
    if query.get("advertiser") == "rival":
        params["advertiser"] = books.rival.pk
    if "period" in query:
        first, last = month_bounds(query["period"])
        params.update(period_from=first.isoformat(), period_to=last.isoformat())
    response = finance.get(reverse("finance:invoices"), params)
    assert response.status_code == 200
    found = {i.pk for i in response.context["page"].object_list}
    assert found == {getattr(books, name).pk for name in expected}


def test_bad_invoice_filters_are_form_errors(finance, books):
    response = finance.get(
        reverse("finance:invoices"), {"period_from": "2026-05-01", "period_to": "2026-04-01"}
    )
    assert response.status_code == 422
    assert "must not end before it starts" in html(response)
    response = finance.get(reverse("finance:invoices"), {"status": "lost"})
    assert response.status_code == 422


def test_issue_mark_paid_and_void_go_through_the_services(finance, finance_user, books):
    response = finance.post(reverse("finance:invoice_issue", args=[books.draft.uuid]))
    assert response.status_code == 302
    draft = Invoice.objects.get(pk=books.draft.pk)
    assert draft.status == InvoiceStatus.OPEN and draft.number
    assert f"Invoice {draft.number} issued." in html(finance.get(response["Location"]))

    back = reverse("finance:invoices") + "?status=open"
    response = finance.post(
        reverse("finance:invoice_mark_paid", args=[books.open.uuid]),
        {"reference": "TRX-42", "method": "cheque", "next": back},
    )
    assert response["Location"] == back
    paid = Invoice.objects.get(pk=books.open.pk)
    assert (paid.status, paid.payment_reference) == (InvoiceStatus.PAID, "TRX-42")
    deposit = paid.transactions.get(kind=TransactionKind.DEPOSIT)
    assert (deposit.amount_micros, deposit.method, deposit.created_by) == (
        25_000_000,
        "cheque",
        finance_user,
    )

    response = finance.post(
        reverse("finance:invoice_void", args=[books.overdue.uuid]), {"reason": "Disputed"}
    )
    voided = Invoice.objects.get(pk=books.overdue.pk)
    assert (voided.status, voided.void_reason) == (InvoiceStatus.VOID, "Disputed")


def test_wrong_state_is_a_clear_message(finance, books):
    response = finance.post(
        reverse("finance:invoice_void", args=[books.paid.uuid]),
        {"next": reverse("finance:invoices")},
        follow=True,
    )
    assert response.status_code == 200
    assert "A paid invoice cannot become void." in html(response)
    response = finance.post(
        reverse("finance:invoice_mark_paid", args=[books.draft.uuid]), follow=True
    )
    assert "A draft invoice cannot become paid." in html(response)
    assert Invoice.objects.get(pk=books.draft.pk).status == InvoiceStatus.DRAFT


def test_unsafe_next_urls_are_ignored(finance, books):
    response = finance.post(
        reverse("finance:invoice_issue", args=[books.draft.uuid]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("finance:invoice_detail", args=[books.draft.uuid])


def test_htmx_actions_swap_the_row(finance, books):
    response = finance.post(
        reverse("finance:invoice_mark_paid", args=[books.open.uuid]),
        {"reference": "ROW-1", "next": reverse("finance:invoices")},
        **HTMX,
    )
    row = html(response)
    assert row.lstrip().startswith("<tr") and f'id="invoice-{books.open.uuid}"' in row
    assert "badge badge-paid" in row and "marked paid" in row
    assert f'value="{reverse("finance:invoices")}"' not in row  # no actions left on a paid one
    response = finance.post(reverse("finance:invoice_issue", args=[books.paid.uuid]), **HTMX)
    row = html(response)
    assert response.status_code == 200
    assert "A paid invoice cannot become open." in row and 'role="alert"' in row


def test_mark_paid_input_is_checked(finance, books):
    response = finance.post(
        reverse("finance:invoice_mark_paid", args=[books.open.uuid]),
        {"reference": "x" * 201},
        follow=True,
    )
    assert "Payment reference:" in html(response)
    assert Invoice.objects.get(pk=books.open.pk).status == InvoiceStatus.OPEN


def test_invoice_detail_with_actions(finance, books):
    page = html(finance.get(reverse("finance:invoice_detail", args=[books.open.uuid])))
    assert "Shoe Shop campaign: advertising" in page
    assert reverse("finance:invoice_mark_paid", args=[books.open.uuid]) in page
    assert "Records the payment of 25.00 USD as a deposit" in page
    assert 'name="method"' in page
    draft = html(finance.get(reverse("finance:invoice_detail", args=[books.draft.uuid])))
    assert reverse("finance:invoice_issue", args=[books.draft.uuid]) in draft
    paid = html(finance.get(reverse("finance:invoice_detail", args=[books.paid.uuid])))
    assert "Mark paid" not in paid and "BANK-1" in paid


def test_invoice_downloads(finance, finance_user, books):
    pdf = finance.get(reverse("finance:invoice_pdf", args=[books.paid.uuid]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{books.paid.number}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    draft_pdf = finance.get(reverse("finance:invoice_pdf", args=[books.draft.uuid]))
    assert draft_pdf.content.startswith(b"%PDF")
    assert f"draft-{books.draft.uuid}.pdf" in draft_pdf["Content-Disposition"]
    csv_file = finance.get(reverse("finance:invoice_csv", args=[books.paid.uuid]))
    assert csv_file["Content-Type"] == documents.CSV_CONTENT_TYPE
    api = client_for(finance_user).get(f"/api/v1/invoices/{books.paid.uuid}/csv")
    assert csv_file.content == api.content


def test_create_an_invoice_for_an_advertisers_month(finance, finance_user):
    advertiser, ad = advertiser_with_ad("Late Payer")
    _, zone = publisher_with_zone("Some Site")
    first, _ = month_bounds(1)
    spend(ad, zone, first.replace(day=3), spend_micros=3_456_789)
    page = html(finance.get(reverse("finance:invoice_create"), {"advertiser": advertiser.pk}))
    assert f'<option value="{advertiser.pk}" selected>Late Payer (USD)</option>' in page
    assert f'value="{first:%Y-%m}"' in page  # last month by default
    response = finance.post(
        reverse("finance:invoice_create"),
        {"advertiser": advertiser.pk, "month": f"{first:%Y-%m}", "issue": "on"},
    )
    invoice = Invoice.objects.get(wallet__advertiser=advertiser)
    assert response["Location"] == reverse("finance:invoice_detail", args=[invoice.uuid])
    assert (invoice.status, invoice.total, invoice.created_by) == (
        InvoiceStatus.OPEN,
        Decimal("3.46"),
        finance_user,
    )
    again = finance.post(
        reverse("finance:invoice_create"), {"advertiser": advertiser.pk, "month": f"{first:%Y-%m}"}
    )
    assert again.status_code == 422
    assert "already invoiced" in html(again)


@pytest.mark.parametrize(
    "month, message",
    [
        ("this", "The period is not over yet"),
        ("2020-01", "There is no spend to invoice in this period."),
        ("2020-13", "Enter a month as YYYY-MM."),
    ],
)
def test_create_invoice_errors_are_shown_on_the_form(finance, month, message):
    advertiser, _ = advertiser_with_ad("Quiet Co")
    if month == "this":
        month = f"{timezone.now():%Y-%m}"
    response = finance.post(
        reverse("finance:invoice_create"), {"advertiser": advertiser.pk, "month": month}
    )
    assert response.status_code == 422
    assert message in html(response)
    assert not Invoice.objects.exists()


def test_create_a_draft_invoice(finance):
    advertiser, ad = advertiser_with_ad("Careful Co")
    _, zone = publisher_with_zone("Some Site")
    first, _ = month_bounds(2)
    spend(ad, zone, first.replace(day=5), spend_micros=1_000_000)
    finance.post(
        reverse("finance:invoice_create"), {"advertiser": advertiser.pk, "month": f"{first:%Y-%m}"}
    )
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number is None


# --- Payouts ------------------------------------------------------------------------------


def test_payout_list_with_pinned_queries(finance, books, django_assert_max_num_queries):
    # Session, user, publisher choices, count, page, totals; one more when the platform
    # settings are not cached. Three rows, no query per row.
    with django_assert_max_num_queries(7):
        response = finance.get(reverse("finance:payouts"))
    page = html(response)
    assert response.context["page"].paginator.count == 3
    assert "Daily Planet" in page and "Evening Times" in page
    assert "195.00 USD" in page  # 60 + 80 + 55
    assert reverse("finance:payout_approve", args=[books.pending.uuid]) in page
    assert reverse("finance:payout_mark_paid", args=[books.approved.uuid]) in page
    assert reverse("finance:payout_csv", args=[books.done.uuid]) in page
    assert "SEPA-1" in page
    assert f'value="{month_back(1):%Y-%m}"' in page  # generate: last month by default
    pending = finance.get(reverse("finance:payouts"), {"status": "pending"})
    assert [p.pk for p in pending.context["page"].object_list] == [books.pending.pk]
    by_publisher = finance.get(reverse("finance:payouts"), {"publisher": books.times.pk})
    assert {p.pk for p in by_publisher.context["page"].object_list} == {
        books.approved.pk,
        books.done.pk,
    }


def test_approve_then_mark_paid(finance, finance_user, books):
    finance.post(reverse("finance:payout_approve", args=[books.pending.uuid]))
    payout = Payout.objects.get(pk=books.pending.pk)
    assert (payout.status, payout.approved_by) == (PayoutStatus.APPROVED, finance_user)
    response = finance.post(
        reverse("finance:payout_mark_paid", args=[books.pending.uuid]),
        {"reference": "SEPA-9"},
        **HTMX,
    )
    assert "badge badge-paid" in html(response) and "marked paid" in html(response)
    payout.refresh_from_db()
    assert (payout.status, payout.reference, payout.paid_by) == (
        PayoutStatus.PAID,
        "SEPA-9",
        finance_user,
    )
    assert payout.transactions.get().amount_micros == -60_000_000


def test_paying_a_pending_payout_says_approve_first(finance, books):
    response = finance.post(
        reverse("finance:payout_mark_paid", args=[books.pending.uuid]), follow=True
    )
    assert response.status_code == 200
    assert "A pending payout cannot become paid. Approve it first." in html(response)
    assert Payout.objects.get(pk=books.pending.pk).status == PayoutStatus.PENDING


def test_payout_detail_shows_where_to_send_the_money(finance, books):
    publisher = books.planet
    publisher.payout_method = "bank_transfer"
    publisher.payout_details = {"account_holder": "Planet Ltd", "iban": "DE89370400440532013000"}
    publisher.save()
    page = html(finance.get(reverse("finance:payout_detail", args=[books.pending.uuid])))
    assert "Planet Ltd" in page and "DE89370400440532013000" in page
    assert "60.00 USD" in page
    assert reverse("finance:payout_approve", args=[books.pending.uuid]) in page


def test_payout_statement_csv(finance, books):
    response = finance.get(reverse("finance:payout_csv", args=[books.done.uuid]))
    assert response["Content-Type"] == documents.CSV_CONTENT_TYPE
    assert response.content.decode() == documents.payout_csv(books.done)


def test_generate_payouts_for_a_month(finance):
    first, _ = month_bounds(1)
    _, ad = advertiser_with_ad("Buyer")
    rich, rich_zone = publisher_with_zone("Rich Site")
    _, small_zone = publisher_with_zone("Small Site")
    spend(ad, rich_zone, first.replace(day=4), spend_micros=100_000_000, revenue_micros=70_000_000)
    spend(ad, small_zone, first.replace(day=4), spend_micros=10_000_000, revenue_micros=7_000_000)
    response = finance.post(
        reverse("finance:payouts_generate"), {"month": f"{first:%Y-%m}"}, follow=True
    )
    page = html(response)
    assert "1 payout made" in page and "70.00 USD" in page
    assert "1 publisher earned less than the minimum payout" in page
    assert Payout.objects.get().publisher == rich
    again = finance.post(
        reverse("finance:payouts_generate"), {"month": f"{first:%Y-%m}"}, follow=True
    )
    assert "No new payouts" in html(again)
    assert Payout.objects.count() == 1


@pytest.mark.parametrize("month", ["this", "2026-00", ""])
def test_generate_refuses_unfinished_or_bad_months(finance, month):
    if month == "this":
        month = f"{timezone.now():%Y-%m}"
    response = finance.post(reverse("finance:payouts_generate"), {"month": month}, follow=True)
    assert response.status_code == 200
    assert "Month:" in html(response)


# --- Financial report ---------------------------------------------------------------------


@pytest.fixture
def traffic():
    shop, shop_ad = advertiser_with_ad("Shoe Shop")
    rival, rival_ad = advertiser_with_ad("Rival Inc")
    planet, zone = publisher_with_zone("Daily Planet")
    today = timezone.now().date()
    spend(shop_ad, zone, today, spend_micros=30_000_000)
    spend(rival_ad, zone, today, spend_micros=10_000_000)
    HourlyStat.objects.update(hour=datetime.combine(today, datetime.min.time(), tzinfo=UTC))
    return SimpleNamespace(shop=shop, rival=rival, planet=planet)


def test_report_shows_totals_chart_and_tables(finance, traffic):
    response = finance.get(reverse("finance:report"), {"period": "last_7_days"})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary["total_spend"], summary["total_revenue"], summary["platform_revenue"]) == (
        "40.00",
        "28.00",
        "12.00",
    )
    assert [row["company"] for row in response.context["advertisers"]] == [
        "Shoe Shop",
        "Rival Inc",
    ]
    page = html(response)
    chart = json.loads(
        page.split('<script id="financial-chart" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["labels"]) == 7 and len(chart["datasets"]) == 3
    assert chart["datasets"][0]["data"][-1] == "40.00"
    assert 'data-chart="bar"' in page and "chart-4.6.1.umd.min.js" in page
    assert "Daily Planet" in page


def test_report_defaults_to_this_month(finance, traffic):
    response = finance.get(reverse("finance:report"))
    assert response.context["report"]["from"] == timezone.now().date().replace(day=1).isoformat()
    assert response.context["summary"]["total_spend"] == "40.00"


def test_report_csv_is_the_apis(finance, finance_user, traffic):
    page = finance.get(reverse("finance:report_csv"), {"period": "last_7_days"})
    assert page["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(page.streaming_content)
    api = client_for(finance_user).get(
        "/api/v1/reports/financial", {"period": "last_7_days", "format": "csv"}
    )
    assert body == b"".join(api.streaming_content)
    assert b"Shoe Shop" in body


@pytest.mark.parametrize(
    "query, message",
    [
        ({"period": "custom"}, "Choose the first day."),
        ({"period": "custom", "start": "2026-05-02", "end": "2026-05-01"}, "must not be before"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "at most"),
    ],
)
def test_report_period_errors(finance, query, message):
    response = finance.get(reverse("finance:report"), query)
    assert response.status_code == 422
    assert message in html(response)
    assert finance.get(reverse("finance:report_csv"), query).status_code == 422


def test_list_totals_are_per_currency(finance, books):
    page = html(finance.get(reverse("finance:invoices"), {"advertiser": books.rival.pk}))
    assert "billing 30.00 EUR (void" in page
    assert wallet_of(books.rival).currency == "EUR"
