"""Demo billing: a bank-transfer deposit for the demo advertiser, a few days of last month's
traffic on the demo publisher's sidebar, last month's invoice and the publisher's payout.
Safe to load again: each part is made only when it is missing."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from apps.accounts.demo import DEMO_USERS
from apps.accounts.models import Role, User
from apps.campaigns.models import Ad, Advertiser
from apps.common.errors import ApiError
from apps.delivery.counters import counters_record_spend
from apps.delivery.index import campaign_rule
from apps.delivery.ingest import revenue_share_micros
from apps.delivery.models import HourlyStat
from apps.inventory.models import Publisher, Zone

from . import clock, services
from .models import Invoice, Payout, TransactionKind

DEMO_EMAILS = {role: email for role, email, _ in DEMO_USERS}
DEMO_REFERENCE = "DEMO-TRANSFER-0001"
DEMO_DEPOSIT = Decimal("500.00")
# Three days of last month, 12,000 impressions a day at the Winter Sale's 2.50 CPM.
DEMO_DAYS = (3, 4, 5)
DEMO_IMPRESSIONS = 12_000


def _traffic(advertiser: Advertiser, publisher: Publisher, month_first) -> None:
    if HourlyStat.objects.filter(advertiser_id=advertiser.pk).exists():
        return
    ad = (
        Ad.objects.filter(
            campaign__advertiser=advertiser, campaign__pricing_model="cpm", width=300, height=250
        )
        .select_related("campaign")
        .first()
    )
    zone = Zone.objects.filter(website__publisher=publisher, width=300, height=250).first()
    if ad is None or zone is None:
        return
    cost = int(ad.campaign.bid_amount * 1000)  # micros per impression at a CPM
    revenue = revenue_share_micros(cost, publisher.revenue_share)
    rows = []
    for day in DEMO_DAYS:
        start = datetime.combine(month_first.replace(day=day), time(9), tzinfo=UTC)
        for hour in range(12):
            impressions = DEMO_IMPRESSIONS // 12
            rows.append(
                HourlyStat(
                    hour=start + timedelta(hours=hour),
                    ad_id=ad.pk,
                    zone_id=zone.pk,
                    campaign_id=ad.campaign_id,
                    advertiser_id=advertiser.pk,
                    publisher_id=publisher.pk,
                    impressions=impressions,
                    clicks=impressions // 200,
                    spend_micros=impressions * cost,
                    revenue_micros=impressions * revenue,
                )
            )
    HourlyStat.objects.bulk_create(rows)
    # Charge the serving counters as tracking would, so they agree with the rollups.
    rule = campaign_rule(ad.campaign_id)
    for row in rows:
        counters_record_spend(campaign=rule, micros=row.spend_micros, now=row.hour)


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
    # The last month that billing counts as over (it waits POST_GRACE after a month ends).
    month = clock.previous_month((clock.now() - clock.POST_GRACE).date())
    _traffic(advertiser, publisher, month)
    if not Invoice.objects.filter(wallet=wallet).exists():
        services.invoices_issue_monthly(month=month, advertiser_ids=[advertiser.pk])
    if not Payout.objects.filter(publisher=publisher).exists():
        # Below the minimum payout setting there is nothing to pay yet.
        with contextlib.suppress(ApiError):
            services.payout_create(publisher=publisher, period_end=clock.month_bounds(month)[1])
    return []
