"""Reads of the exchange's statistics: per demand partner, and per campaign (win rate and
clearing prices)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from .models import LATENCY_BUCKETS_MS, DemandPartner, PartnerHourlyStat, RtbHourlyStat
from .stats import latency_percentile

MICROS = 1_000_000


@dataclass
class PartnerSummary:
    partner: DemandPartner
    requests: int = 0
    bids: int = 0
    wins: int = 0
    timeouts: int = 0
    errors: int = 0
    no_bids: int = 0
    bid_micros: int = 0
    win_micros: int = 0
    latency: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_MS) + 1))
    reasons: Counter = field(default_factory=Counter)

    @property
    def reasons_by_count(self) -> list[tuple[str, int]]:
        return self.reasons.most_common()

    @property
    def bid_rate(self) -> float:
        return round(100 * self.bids / self.requests, 2) if self.requests else 0.0

    @property
    def win_rate(self) -> float:
        return round(100 * self.wins / self.bids, 2) if self.bids else 0.0

    @property
    def p50_ms(self) -> float | None:
        return latency_percentile(self.latency, 0.5)

    @property
    def p99_ms(self) -> float | None:
        return latency_percentile(self.latency, 0.99)

    @property
    def average_clearing_cpm(self) -> float | None:
        return round(self.win_micros / self.wins / MICROS, 4) if self.wins else None


def partner_statistics(*, since: datetime, until: datetime) -> list[PartnerSummary]:
    summaries = {p.pk: PartnerSummary(p) for p in DemandPartner.objects.all()}
    rows = PartnerHourlyStat.objects.filter(hour__gte=since, hour__lt=until)
    for row in rows:
        summary = summaries.get(row.partner_id)
        if summary is None:
            continue
        for name in ("requests", "bids", "wins", "timeouts", "errors", "no_bids"):
            setattr(summary, name, getattr(summary, name) + getattr(row, name))
        summary.bid_micros += row.bid_micros
        summary.win_micros += row.win_micros
        for i, count in enumerate(row.latency or []):
            if i < len(summary.latency):
                summary.latency[i] += count
        summary.reasons.update(row.reasons or {})
    return list(summaries.values())


def campaign_rtb_statistics(
    *, since: datetime, until: datetime, campaign_ids: list[int] | None = None
) -> list[dict]:
    """Bids, wins, win rate, losses, billed impressions and average bid/clearing CPM per
    campaign (platform currency)."""
    rows = RtbHourlyStat.objects.filter(hour__gte=since, hour__lt=until)
    if campaign_ids is not None:
        rows = rows.filter(campaign_id__in=campaign_ids)
    totals = (
        rows.values("campaign_id", "advertiser_id")
        .annotate(
            bids=Sum("bids"),
            bid_micros=Sum("bid_micros"),
            wins=Sum("wins"),
            win_micros=Sum("win_micros"),
            losses=Sum("losses"),
            billed=Sum("billed"),
            billed_micros=Sum("billed_micros"),
        )
        .order_by("campaign_id")
    )
    result = []
    for t in totals:
        bids, wins, billed = t["bids"] or 0, t["wins"] or 0, t["billed"] or 0
        result.append(
            {
                "campaign_id": t["campaign_id"],
                "advertiser_id": t["advertiser_id"],
                "bids": bids,
                "wins": wins,
                "losses": t["losses"] or 0,
                "billed_impressions": billed,
                "win_rate": round(100 * wins / bids, 2) if bids else 0.0,
                "average_bid_cpm": _cpm(t["bid_micros"], bids),
                "average_clearing_cpm": _cpm(t["win_micros"], wins)
                or _cpm(t["billed_micros"], billed),
                "spend": _money((t["billed_micros"] or 0) // 1000),
            }
        )
    return result


def _cpm(micros: int | None, count: int) -> str | None:
    if not count or not micros:
        return None
    return _money(micros // count)


def _money(micros: int) -> str:
    from decimal import ROUND_HALF_EVEN, Decimal

    return str((Decimal(micros) / MICROS).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))
