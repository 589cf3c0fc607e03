"""The daily spend rollup: each advertiser's finished days of spend into the ledger.

A wallet keeps a cursor, ``spend_posted_until``: the UTC end of the last posted day. Posting
moves it day by day up to the last day that is over in the advertiser's time zone (plus
``POST_GRACE``), writing one ``spend`` entry per campaign and a ``SpendPosting`` per day with
spend. The wallet row is locked while it posts and the unique keys (one spend entry per
wallet, campaign and day; one posting per wallet and day) back it up, so running it again,
or twice at once, posts nothing new.

Hours are never posted twice: events that reach the rollups after their day was posted are
not picked up silently. ``billing_reconcile`` reports them (rollups vs ledger, per day and
campaign, and the serving counters vs rollups), and ``drift_adjust`` posts a correcting
``adjustment`` for that day and campaign when finance asks.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min, Q, Sum

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignStatus
from apps.delivery.models import HourlyStat
from apps.reporting.periods import tz_get

from .. import clock
from ..models import SpendPosting, Transaction, TransactionKind, Wallet
from ..money import cents
from .wallets import adjustment_record

BILLED_KINDS = (TransactionKind.SPEND, TransactionKind.ADJUSTMENT)


def campaign_names(campaign_ids) -> dict[int, str]:
    return dict(Campaign.objects.filter(pk__in=set(campaign_ids)).values_list("id", "name"))


def _caught_up(wallet: Wallet, at: datetime, through: date | None) -> bool:
    if wallet.spend_posted_until is None:
        return False
    tz = tz_get(wallet.advertiser.timezone)
    last = clock.last_complete_day(tz, at)
    if through is not None:
        last = min(last, through)
    return wallet.spend_posted_until >= clock.day_end(last, tz)


@transaction.atomic
def spend_post_wallet(
    *, wallet: Wallet, at: datetime | None = None, through: date | None = None
) -> list[SpendPosting]:
    """Post ``wallet``'s finished days (up to ``through`` when given); returns the days
    posted (days without spend move the cursor but make no posting)."""
    at = at or clock.now()
    wallet = (
        Wallet.objects.select_for_update(of=("self",))
        .select_related("advertiser")
        .get(pk=wallet.pk)
    )
    tz = tz_get(wallet.advertiser.timezone)
    last = clock.last_complete_day(tz, at)
    if through is not None:
        last = min(last, through)
    stats = HourlyStat.objects.filter(advertiser_id=wallet.advertiser_id)
    cursor = wallet.spend_posted_until
    if cursor is None:
        cursor = stats.aggregate(first=Min("hour"))["first"]
        if cursor is None:
            return []
    last_posted = wallet.spend_postings.aggregate(day=Max("day"))["day"]

    def day_of(hour: datetime) -> date:
        # After a time zone change the hours of a day already posted join the next one.
        day = clock.hour_day(hour, tz)
        return max(day, last_posted + timedelta(days=1)) if last_posted else day

    first_day = day_of(cursor)
    if last < first_day:
        return []
    end = clock.day_end(last, tz)
    per_day: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        stats.filter(hour__gte=cursor, hour__lt=end, spend_micros__gt=0)
        .values("hour", "campaign_id")
        .annotate(spend=Sum("spend_micros"))
        .order_by()
    )
    for row in rows:
        per_day[day_of(row["hour"])][row["campaign_id"]] += row["spend"]
    names = campaign_names(c for campaigns in per_day.values() for c in campaigns)
    postings, entries = [], []
    for day in sorted(per_day):
        campaigns = per_day[day]
        start = cursor if day == first_day else clock.day_start(day, tz)
        postings.append(
            SpendPosting(
                wallet=wallet,
                day=day,
                period_start=start,
                period_end=clock.day_end(day, tz),
                spend_micros=sum(campaigns.values()),
            )
        )
        for campaign_id, micros in sorted(campaigns.items()):
            name = names.get(campaign_id, f"Campaign #{campaign_id}")
            entries.append(
                Transaction(
                    wallet=wallet,
                    kind=TransactionKind.SPEND,
                    amount_micros=-micros,
                    currency=wallet.currency,
                    campaign_id=campaign_id,
                    day=day,
                    description=f"Spend on {day.isoformat()}: {name}"[:500],
                )
            )
    SpendPosting.objects.bulk_create(postings)
    Transaction.objects.bulk_create(entries)
    wallet.spend_posted_until = end
    wallet.save(update_fields=["spend_posted_until"])
    return postings


def spend_post_due(
    *,
    at: datetime | None = None,
    through: date | None = None,
    advertiser_ids: list[int] | None = None,
) -> int:
    """Post every wallet's finished days; returns how many days with spend were posted."""
    at = at or clock.now()
    # Wallets never posted only matter once their advertiser has rollups.
    wallets = Wallet.objects.filter(
        Q(spend_posted_until__isnull=False)
        | Q(advertiser_id__in=HourlyStat.objects.values("advertiser_id"))
    )
    wallets = wallets.select_related("advertiser").order_by("id")
    if advertiser_ids is not None:
        wallets = wallets.filter(advertiser_id__in=advertiser_ids)
    posted = 0
    for wallet in wallets.iterator(chunk_size=500):
        if not _caught_up(wallet, at, through):
            posted += len(spend_post_wallet(wallet=wallet, at=at, through=through))
    return posted


# --- Reconciliation -----------------------------------------------------------------------


def _day_range_q(first_day: date | None, last_day: date | None, field: str = "day") -> Q:
    q = Q()
    if first_day is not None:
        q &= Q(**{f"{field}__gte": first_day})
    if last_day is not None:
        q &= Q(**{f"{field}__lte": last_day})
    return q


def wallet_drift(
    *, wallet: Wallet, first_day: date | None = None, last_day: date | None = None
) -> list[dict]:
    """Posted days whose rollups no longer match the ledger, per day and campaign."""
    cursor = wallet.spend_posted_until
    if cursor is None:
        return []
    tz = tz_get(wallet.advertiser.timezone)
    postings = list(
        wallet.spend_postings.filter(_day_range_q(first_day, last_day)).order_by("period_start")
    )
    starts = [p.period_start for p in postings]

    def day_of(hour: datetime) -> date:
        at = bisect.bisect_right(starts, hour) - 1
        if at >= 0 and hour < postings[at].period_end:
            return postings[at].day
        return clock.hour_day(hour, tz)

    hours = HourlyStat.objects.filter(advertiser_id=wallet.advertiser_id, hour__lt=cursor)
    if first_day is not None:
        hours = hours.filter(hour__gte=clock.day_start(first_day, tz))
    if last_day is not None:
        hours = hours.filter(hour__lt=clock.day_end(last_day, tz))
    rollup: dict[tuple, int] = defaultdict(int)
    for row in (
        hours.filter(spend_micros__gt=0)
        .values("hour", "campaign_id")
        .annotate(spend=Sum("spend_micros"))
        .order_by()
    ):
        rollup[(day_of(row["hour"]), row["campaign_id"])] += row["spend"]
    ledger: dict[tuple, int] = defaultdict(int)
    for row in (
        wallet.transactions.filter(kind__in=BILLED_KINDS, day__isnull=False)
        .filter(_day_range_q(first_day, last_day))
        .values("day", "campaign_id")
        .annotate(amount=Sum("amount_micros"))
        .order_by()
    ):
        ledger[(row["day"], row["campaign_id"])] -= row["amount"]
    drift = []
    for day, campaign_id in sorted(set(rollup) | set(ledger), key=lambda k: (k[0], k[1] or 0)):
        expected, charged = rollup.get((day, campaign_id), 0), ledger.get((day, campaign_id), 0)
        if expected != charged:
            drift.append(
                {
                    "wallet_id": wallet.pk,
                    "advertiser_id": wallet.advertiser_id,
                    "day": day,
                    "campaign_id": campaign_id,
                    "rollup_micros": expected,
                    "ledger_micros": charged,
                    "difference_micros": expected - charged,
                }
            )
    return drift


def counter_drift(*, advertiser_ids: list[int] | None = None) -> list[dict]:
    """Campaigns (and limited advertisers) whose real-time spend counter differs from their
    rollups. Events still in the buffer show here for a few seconds; anything lasting is a
    counting fault."""
    from apps.delivery.counters import advertiser_spend_key, counters_get_many, spend_total_key

    from ..selectors import wallet_spend_limits

    stats = HourlyStat.objects.all()
    live = Campaign.objects.filter(
        status__in=[CampaignStatus.ACTIVE, CampaignStatus.PAUSED], deleted_at__isnull=True
    )
    if advertiser_ids is not None:
        stats = stats.filter(advertiser_id__in=advertiser_ids)
        live = live.filter(advertiser_id__in=advertiser_ids)
    rolled = {
        row["campaign_id"]: (row["advertiser_id"], row["spend"])
        for row in stats.values("campaign_id", "advertiser_id")
        .annotate(spend=Sum("spend_micros"))
        .order_by()
    }
    for campaign_id, advertiser_id in live.values_list("id", "advertiser_id"):
        rolled.setdefault(campaign_id, (advertiser_id, 0))
    # Limited advertisers also have an all-time counter that serving checks against funds.
    limited = [a for a in wallet_spend_limits() if advertiser_ids is None or a in advertiser_ids]
    by_advertiser: dict[int, int] = dict.fromkeys(limited, 0)
    for advertiser_id, spend in rolled.values():
        if advertiser_id in by_advertiser:
            by_advertiser[advertiser_id] += spend
    checks = [
        (spend_total_key(c), c, advertiser_id, spend)
        for c, (advertiser_id, spend) in sorted(rolled.items())
    ] + [(advertiser_spend_key(a), None, a, spend) for a, spend in sorted(by_advertiser.items())]
    counters = counters_get_many([key for key, *_ in checks])
    drift = []
    for key, campaign_id, advertiser_id, spend in checks:
        counted = int(counters.get(key, 0))
        if counted != spend:
            drift.append(
                {
                    "campaign_id": campaign_id,
                    "advertiser_id": advertiser_id,
                    "counter_micros": counted,
                    "rollup_micros": spend,
                    "difference_micros": counted - spend,
                }
            )
    return drift


def billing_reconcile(
    *,
    advertiser_id: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> dict:
    """Differences between rollups, ledger and counters; ``ok`` when there are none."""
    from apps.delivery.sink import events_pending

    wallets = Wallet.objects.select_related("advertiser").filter(spend_posted_until__isnull=False)
    if advertiser_id is not None:
        wallets = wallets.filter(advertiser_id=advertiser_id)
    ledger = [
        row
        for wallet in wallets.order_by("id")
        for row in wallet_drift(wallet=wallet, first_day=first_day, last_day=last_day)
    ]
    counters = counter_drift(advertiser_ids=None if advertiser_id is None else [advertiser_id])
    return {
        "ok": not ledger and not counters,
        "checked_at": clock.now(),
        "pending_events": events_pending(),
        "ledger_vs_rollups": ledger,
        "counters_vs_rollups": counters,
    }


@transaction.atomic
def drift_adjust(
    *,
    actor: User | None,
    reason: str,
    advertiser_id: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[Transaction]:
    """Post an ``adjustment`` for each day and campaign whose rollups drifted from the
    ledger, so the ledger matches the rollups again (finance decides when)."""
    wallets = Wallet.objects.select_related("advertiser").filter(spend_posted_until__isnull=False)
    if advertiser_id is not None:
        wallets = wallets.filter(advertiser_id=advertiser_id)
    entries = []
    for wallet in wallets.select_for_update(of=("self",)).order_by("id"):
        for row in wallet_drift(wallet=wallet, first_day=first_day, last_day=last_day):
            difference = row["difference_micros"]
            entries.append(
                adjustment_record(
                    wallet=wallet,
                    amount_micros=-difference,
                    reason=f"{reason.strip()} (rollups {cents(row['rollup_micros'])}, "
                    f"ledger {cents(row['ledger_micros'])} on {row['day'].isoformat()})",
                    actor=actor,
                    campaign_id=row["campaign_id"],
                    day=row["day"],
                )
            )
    return entries
