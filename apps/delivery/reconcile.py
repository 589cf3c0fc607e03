"""Recompute a day's rollups from the raw events and report any drift; purge old impressions."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from .models import (
    ClickEvent,
    ConversionEvent,
    EngagementEvent,
    HourlyStat,
    ImpressionEvent,
    InvalidEvent,
)

RECONCILED_FIELDS = ("impressions", "clicks", "conversions", "spend_micros", "revenue_micros")


def _raw_totals(start: datetime, end: datetime) -> dict[tuple, dict[str, int]]:
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for model, count_field in (
        (ImpressionEvent, "impressions"),
        (ClickEvent, "clicks"),
        (ConversionEvent, "conversions"),
    ):
        rows = (
            model.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
            .annotate(hour=TruncHour("occurred_at", tzinfo=UTC))
            .values("hour", "ad_id", "zone_id")
            .annotate(n=Count("id"), cost=Sum("cost_micros"), revenue=Sum("revenue_micros"))
        )
        for row in rows:
            key = (row["hour"], row["ad_id"], row["zone_id"])
            totals[key][count_field] += row["n"]
            totals[key]["spend_micros"] += row["cost"] or 0
            totals[key]["revenue_micros"] += row["revenue"] or 0
    return totals


def rollups_reconcile(*, day: date) -> list[dict]:
    """Differences between raw events and rollups for one UTC day (empty when they agree)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    raw = _raw_totals(start, end)
    rolled = {
        (s.hour, s.ad_id, s.zone_id): {f: getattr(s, f) for f in RECONCILED_FIELDS}
        for s in HourlyStat.objects.filter(hour__gte=start, hour__lt=end)
    }
    drift = []
    for key in sorted(set(raw) | set(rolled), key=lambda k: (k[0], k[1], k[2])):
        expected = {f: raw.get(key, {}).get(f, 0) for f in RECONCILED_FIELDS}
        actual = rolled.get(key, dict.fromkeys(RECONCILED_FIELDS, 0))
        if expected != actual:
            hour, ad_id, zone_id = key
            drift.append(
                {
                    "hour": hour.isoformat(),
                    "ad_id": ad_id,
                    "zone_id": zone_id,
                    "raw": expected,
                    "rollup": actual,
                }
            )
    return drift


def raw_events_purge() -> int:
    """Forget row-level impressions (and engagement, invalid rows) past the retention:
    whole day partitions on PostgreSQL, rows elsewhere. Answers the rows forgotten (for
    dropped days, the planner's estimate). Clicks and conversions are kept."""
    from .partitions import partitioned, partitioning_supported, partitions_drop_before

    cutoff = timezone.now() - timedelta(days=settings.IMPRESSION_RETENTION_DAYS)
    forgotten = 0
    for model in (ImpressionEvent, EngagementEvent, InvalidEvent):
        table = model._meta.db_table
        if partitioning_supported() and partitioned(table):
            # Days that ended before the cutoff's day go whole; that day's rows stay a day
            # longer than the retention asks (a day is the unit that is dropped).
            forgotten += partitions_drop_before(table, cutoff.astimezone(UTC).date())[1]
        else:
            forgotten += model.objects.filter(occurred_at__lt=cutoff).delete()[0]
    return forgotten
