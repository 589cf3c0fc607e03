"""Publisher payouts: earnings (their revenue share of the spend on their zones) per period.

A payout covers the publisher's earnings from the end of its previous payout (or its first
earnings) to the end of ``period_end`` in its time zone, one statement line per zone, each
rounded once. Below the ``minimum_payout`` setting no payout is made and the earnings carry
over to the next period. ``pending`` → ``approved`` → ``paid`` (finance); paying writes a
``payout`` entry to the ledger.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Min, Sum

from apps.accounts.models import User
from apps.accounts.platform_settings import setting_get
from apps.common.errors import BusinessRuleError, ConflictError
from apps.delivery.models import HourlyStat
from apps.inventory.models import Publisher, Zone
from apps.reporting.periods import tz_get

from .. import clock
from ..models import (
    PAYOUT_TRANSITIONS,
    PaymentMethod,
    Payout,
    PayoutLine,
    PayoutStatus,
    Transaction,
    TransactionKind,
)
from ..money import cents, micros_of


def _transition(payout: Payout, status: str) -> None:
    if status not in PAYOUT_TRANSITIONS[payout.status]:
        hint = " Approve it first." if payout.status == PayoutStatus.PENDING else ""
        raise ConflictError(
            f"A {payout.status} payout cannot become {status}.{hint}",
            code="invalid_status_transition",
        )


def _locked(payout: Payout) -> Payout:
    return (
        Payout.objects.select_for_update(of=("self",))
        .select_related("publisher__user")
        .get(pk=payout.pk)
    )


def minimum_payout() -> Decimal:
    return Decimal(str(setting_get("minimum_payout")))


def _lines(publisher: Publisher, start: datetime | None, end: datetime) -> list[PayoutLine]:
    stats = HourlyStat.objects.filter(publisher_id=publisher.pk, hour__lt=end)
    if start is not None:
        stats = stats.filter(hour__gte=start)
    rows = list(
        stats.values("zone_id")
        .annotate(
            impressions=Sum("impressions"),
            clicks=Sum("clicks"),
            conversions=Sum("conversions"),
            earnings=Sum("revenue_micros"),
            first_hour=Min("hour"),
        )
        .order_by("zone_id")
    )
    zones = {
        z["id"]: z
        for z in Zone.objects.filter(pk__in=[r["zone_id"] for r in rows]).values(
            "id", "name", "website__name"
        )
    }
    lines = []
    for row in rows:
        zone = zones.get(row["zone_id"], {})
        line = PayoutLine(
            zone_id=row["zone_id"],
            zone_name=zone.get("name") or f"Zone #{row['zone_id']}",
            website_name=zone.get("website__name") or "",
            impressions=row["impressions"] or 0,
            clicks=row["clicks"] or 0,
            conversions=row["conversions"] or 0,
            earnings_micros=row["earnings"] or 0,
            amount=cents(row["earnings"] or 0),
        )
        line.first_hour = row["first_hour"]
        lines.append(line)
    return lines


@transaction.atomic
def payout_create(
    *,
    publisher: Publisher,
    period_end: date,
    actor: User | None = None,
    at: datetime | None = None,
) -> Payout:
    """The publisher's payout up to ``period_end`` (a finished day). 409 when a payout
    already covers it; 400 ``below_minimum`` when the earnings are under the minimum."""
    at = at or clock.now()
    publisher = (
        Publisher.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=publisher.pk)
    )
    tz = tz_get(publisher.user.timezone)
    if not clock.is_complete(period_end, tz, at):
        raise BusinessRuleError(
            "The period is not over yet in the publisher's time zone.", code="period_not_over"
        )
    window_end = clock.day_end(period_end, tz)
    previous = publisher.payouts.order_by("-window_end").first()
    if previous is not None and previous.window_end >= window_end:
        raise ConflictError("A payout already covers this period.", code="already_paid_out")
    window_start = previous.window_end if previous else None
    lines = _lines(publisher, window_start, window_end)
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    minimum = minimum_payout()
    if amount <= 0 or amount < minimum:
        raise BusinessRuleError(
            f"Earnings of {amount} are below the minimum payout of {minimum}; they carry "
            "over to the next period.",
            code="below_minimum",
        )
    if window_start is not None:
        period_start = clock.hour_day(window_start, tz)
    else:
        period_start = clock.hour_day(min(line.first_hour for line in lines), tz)
    method = publisher.payout_method
    payout = Payout.objects.create(
        publisher=publisher,
        currency=str(setting_get("currency")),
        period_start=min(period_start, period_end),
        period_end=period_end,
        window_start=window_start,
        window_end=window_end,
        earnings_micros=sum(line.earnings_micros for line in lines),
        amount=amount,
        payout_method=method if method in PaymentMethod.values else "",
    )
    for line in lines:
        line.payout = payout
    PayoutLine.objects.bulk_create(lines)
    return payout


def payouts_generate(
    *, month: date | None = None, at: datetime | None = None
) -> tuple[list[Payout], int]:
    """Payouts up to the end of ``month`` (default: last month) for every publisher whose
    earnings reach the minimum; returns them and how many publishers carry theirs over."""
    at = at or clock.now()
    first, last = clock.month_bounds(month or clock.previous_month(at.date()))
    made, carried = [], 0
    # Publishers that earned in the month (a day's margin either side for time zones): one
    # that did not has nothing new to pay, its carried-over earnings are still too small.
    earning = HourlyStat.objects.filter(
        hour__gte=clock.day_start(first - timedelta(days=1), UTC),
        hour__lt=clock.day_end(last + timedelta(days=1), UTC),
        revenue_micros__gt=0,
    ).values("publisher_id")
    for publisher in Publisher.objects.filter(pk__in=earning).order_by("id"):
        try:
            made.append(payout_create(publisher=publisher, period_end=last, at=at))
        except BusinessRuleError as exc:
            carried += exc.error_code == "below_minimum"
        except ConflictError:
            continue
    return made, carried


@transaction.atomic
def payout_approve(*, payout: Payout, actor: User | None, at: datetime | None = None) -> Payout:
    payout = _locked(payout)
    _transition(payout, PayoutStatus.APPROVED)
    payout.status = PayoutStatus.APPROVED
    payout.approved_at = at or clock.now()
    payout.approved_by = actor
    payout.save()
    return payout


@transaction.atomic
def payout_mark_paid(
    *, payout: Payout, actor: User | None, reference: str = "", at: datetime | None = None
) -> Payout:
    """Approved → paid, with the ``payout`` entry in the ledger."""
    payout = _locked(payout)
    _transition(payout, PayoutStatus.PAID)
    Transaction.objects.create(
        publisher=payout.publisher,
        kind=TransactionKind.PAYOUT,
        amount_micros=-micros_of(payout.amount),
        currency=payout.currency,
        method=payout.payout_method,
        reference=reference[:200],
        description=f"Payout for {payout.period_start.isoformat()} – "
        f"{payout.period_end.isoformat()}",
        payout=payout,
        created_by=actor,
    )
    payout.status = PayoutStatus.PAID
    payout.paid_at = at or clock.now()
    payout.paid_by = actor
    payout.reference = reference[:200]
    payout.save()
    return payout
