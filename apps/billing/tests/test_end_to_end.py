"""The money adds up end to end: events through the real serve and tracking endpoints and
the drain, the daily rollup (twice), the invoice (API and PDF) and the publisher's payout.

rollups = ledger spend = invoice total = publisher earnings ÷ revenue share, to the cent.
"""

import io
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from apps.accounts.platform_settings import settings_update
from apps.billing import services
from apps.billing.models import Invoice, SpendPosting, Transaction, TransactionKind
from apps.billing.money import cents
from apps.campaigns.tests.factories import AdvertiserFactory, live_ad, live_campaign
from apps.delivery import counters
from apps.delivery.index import index_reset
from apps.delivery.models import HourlyStat
from apps.delivery.tests.factories import CHROME_UA
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory
from apps.reporting.tests.conftest import drain, serve, track
from conftest import client_for

from .conftest import wallet_of

pytestmark = pytest.mark.django_db

SHARE = Decimal("0.7000")


@pytest.fixture
def browser():
    index_reset()
    counters._pending_requests.clear()  # per-process request sums from earlier tests
    yield Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    index_reset()


@pytest.fixture
def network():
    """One advertiser (Berlin time) with a 2.50 CPM banner and a 0.40 CPC leaderboard, one
    publisher (70% share) with a zone for each."""
    advertiser = AdvertiserFactory(company="Acme Outdoor", timezone="Europe/Berlin")
    live_ad(
        campaign=live_campaign(advertiser=advertiser, name="Winter CPM", bid_amount=Decimal("2.50"))
    )
    live_ad(
        campaign=live_campaign(
            advertiser=advertiser,
            name="Spring CPC",
            pricing_model="cpc",
            bid_amount=Decimal("0.40"),
        ),
        width=728,
        height=90,
    )
    publisher = PublisherFactory(name="News Daily", revenue_share=SHARE)
    website = WebsiteFactory(publisher=publisher)
    rectangle = ZoneFactory(website=website, width=300, height=250, floor_price=Decimal("0.10"))
    leaderboard = ZoneFactory(website=website, width=728, height=90, floor_price=Decimal("0"))
    return advertiser, publisher, rectangle, leaderboard


def test_rollups_ledger_invoice_and_earnings_agree(network, browser, clock_at, finance_user):
    advertiser, publisher, rectangle, leaderboard = network
    # 7 impressions at 2.50 CPM = 0.0175 (sub-cent) and 2 clicks at 0.40 = 0.80.
    track(browser, rectangle, impressions=7)
    track(browser, leaderboard, impressions=2, clicks=2)
    drain()
    rollups = HourlyStat.objects.filter(advertiser_id=advertiser.pk).aggregate(
        spend=Sum("spend_micros"), revenue=Sum("revenue_micros")
    )
    assert rollups == {"spend": 817_500, "revenue": 572_250}

    wallet = wallet_of(advertiser)
    now = timezone.now()
    local_today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    clock_at(now + timedelta(days=2))  # today is over everywhere

    def ledger_spend() -> int:
        spend = wallet.transactions.filter(kind=TransactionKind.SPEND)
        return -spend.aggregate(s=Sum("amount_micros"))["s"]

    services.spend_post_due()
    assert ledger_spend() == rollups["spend"]
    # Rerunning the rollup (task, command, a late drain of nothing) changes nothing.
    entries = Transaction.objects.count()
    services.spend_post_due()
    call_command("billing_post_spend", "--date", local_today.isoformat())
    drain()
    assert Transaction.objects.count() == entries
    assert SpendPosting.objects.aggregate(s=Sum("spend_micros"))["s"] == rollups["spend"]
    assert ledger_spend() == rollups["spend"]
    report = services.billing_reconcile()
    assert report["ok"], report  # rollups = ledger = serving counters

    finance = client_for(finance_user)
    response = finance.post(
        "/api/v1/invoices",
        {
            "advertiser_id": advertiser.pk,
            "period_start": (local_today - timedelta(days=1)).isoformat(),
            "period_end": local_today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    invoice_uuid = response.json()["data"]["uuid"]

    owner = client_for(advertiser.user)
    invoice = owner.get(f"/api/v1/invoices/{invoice_uuid}").json()["data"]
    total = cents(rollups["spend"])
    assert total == Decimal("0.82")
    assert Decimal(invoice["total"]) == total
    assert [item["amount"] for item in invoice["items"]] == ["0.02", "0.80"]
    assert sum(Decimal(t["amount_micros"]) for t in invoice["transactions"]) == -820_000

    # Earnings ÷ revenue share gives back the spend exactly, so to the cent the same total.
    assert Decimal(rollups["revenue"]) / SHARE == rollups["spend"]
    settings_update(values={"minimum_payout": Decimal("0.01")}, actor=None)
    payout = finance.post(
        "/api/v1/payouts",
        {"publisher_id": publisher.pk, "period_end": now.date().isoformat()},
        format="json",
    ).json()["data"]
    assert payout["earnings_micros"] == rollups["revenue"]
    assert cents(int(Decimal(payout["earnings_micros"]) / SHARE)) == Decimal(invoice["total"])
    assert [line["amount"] for line in payout["lines"]] == ["0.01", "0.56"]

    # The PDF says the same.
    pdf = owner.get(f"/api/v1/invoices/{invoice_uuid}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    number = Invoice.objects.get(uuid=invoice_uuid).number
    assert number in text and "Acme Outdoor" in text
    assert "Total USD" in text and "0.82" in text
    assert "Winter CPM" in text and "Spring CPC" in text

    # Still nothing moves when everything runs again.
    services.billing_run_due()
    services.spend_post_due()
    assert ledger_spend() == rollups["spend"]
    assert Invoice.objects.count() == 1
    assert services.billing_reconcile()["ok"]


def test_a_prepaid_wallet_stops_serving_when_its_money_is_spent(
    network, browser, admin_user, finance_user, django_capture_on_commit_callbacks
):
    advertiser, _, rectangle, _ = network
    wallet = wallet_of(advertiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).patch(
            f"/api/v1/billing/wallets/{wallet.pk}", {"mode": "prepaid"}, format="json"
        )
    assert response.json()["data"]["available"] == "0.00"
    index_reset()
    assert serve(browser, rectangle) is None  # nothing paid in, nothing served

    finance = client_for(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(
            f"/api/v1/billing/wallets/{wallet.pk}/deposits", {"amount": "0.01"}, format="json"
        )
    track(browser, rectangle, impressions=4)  # 4 x 0.0025 = the 0.01 paid in
    assert serve(browser, rectangle) is None
    drain()
    data = client_for(advertiser.user).get(f"/api/v1/billing/wallets/{wallet.pk}").json()["data"]
    assert (data["balance"], data["available"], data["spend_today"]) == ("0.00", "0.00", "0.01")
