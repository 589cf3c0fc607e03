"""Demo billing on top of the demo traffic (``apps/reporting/demo.py``, 60 days): a bank
transfer deposit, the finished days' spend posted to the ledger, an invoice for each finished
month of the traffic (the older one paid, the last one open) and the publisher's payouts (the
older paid, the last pending). Everything goes through the billing services, so the ledger,
the invoices, the payouts and the reports agree. Safe to load again: each part is made only
when it is missing."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from apps.accounts.demo import DEMO_USERS
from apps.accounts.models import Role, User
from apps.campaigns.models import Advertiser
from apps.common.errors import ApiError
from apps.inventory.models import Publisher

from . import clock, services
from .models import Invoice, InvoiceStatus, Payout, TransactionKind

DEMO_EMAILS = {role: email for role, email, _ in DEMO_USERS}
DEMO_REFERENCE = "DEMO-TRANSFER-0001"
DEMO_DEPOSIT = Decimal("500.00")


def _finished_months(count: int = 2) -> list:
    """The last ``count`` months billing counts as over (it waits POST_GRACE after a month
    ends), oldest first."""
    month = clock.previous_month((clock.now() - clock.POST_GRACE).date())
    months = [month]
    for _ in range(count - 1):
        months.insert(0, clock.previous_month(months[0]))
    return months


def load() -> list:
    advertiser = Advertiser.objects.filter(user__email=DEMO_EMAILS[Role.ADVERTISER]).first()
    publisher = Publisher.objects.filter(user__email=DEMO_EMAILS[Role.PUBLISHER]).first()
    finance = User.objects.filter(email=DEMO_EMAILS[Role.FINANCE]).first()
    if advertiser is None or publisher is None:
        return []
    wallet = services.wallet_ensure(advertiser=advertiser)
    if not wallet.transactions.filter(
        kind=TransactionKind.DEPOSIT, reference=DEMO_REFERENCE
    ).exists():
        services.deposit_record(
            wallet=wallet,
            amount=DEMO_DEPOSIT,
            actor=finance,
            reference=DEMO_REFERENCE,
            description="Demo bank transfer",
        )
    services.spend_post_due(advertiser_ids=[advertiser.pk])
    months = _finished_months()
    for month in months:
        services.invoices_issue_monthly(month=month, advertiser_ids=[advertiser.pk])
    # The older month's invoice was paid by bank transfer; the last one is open.
    older = (
        Invoice.objects.filter(wallet=wallet, status=InvoiceStatus.OPEN)
        .order_by("period_start")
        .first()
    )
    if older is not None and older.period_start < months[-1]:
        services.invoice_mark_paid(invoice=older, actor=finance, reference="DEMO-BANK-0042")
    for month in months:
        period_end = clock.month_bounds(month)[1]
        if Payout.objects.filter(publisher=publisher, period_end__gte=period_end).exists():
            continue
        # Below the minimum payout there is nothing to pay yet (the earnings carry over).
        with contextlib.suppress(ApiError):
            payout = services.payout_create(publisher=publisher, period_end=period_end)
            if month != months[-1]:
                payout = services.payout_approve(payout=payout, actor=finance)
                services.payout_mark_paid(payout=payout, actor=finance, reference="DEMO-PAY-7")
    return []
