"""Demo traffic: every hour of the last 60 days on the demo publisher's zones, for the demo
advertiser's ads, so a new user's first look at any report, earnings or overview page is not
zeros. Loaded after the demo campaigns and inventory, before demo billing (which posts, bills
and pays out what this writes).

The traffic is written as the drain writes it: ``HourlyStat`` per hour, ad and zone (money in
micros, the publisher's share rounded per event as ingestion does), ``ZoneHourlyStat`` with ad
requests and fills that cover the impressions (requests >= fills >= impressions), the serving
spend counters charged with the same amounts, and the per-scope report rollups rebuilt. Row
events (``ImpressionEvent`` …) are not written: 60 days of them would take minutes to load.

Idempotent and resumable: it only writes hours after the last hour the demo advertiser already
has traffic in (and after the wallet's last posted day), so running it again adds nothing,
and running it days later fills in the days since.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from apps.accounts.demo import DEMO_USERS
from apps.accounts.models import Role
from apps.campaigns.demo import DEMO_DAYS
from apps.campaigns.models import Ad, Advertiser, ReviewStatus
from apps.delivery.counters import counters_record_spend
from apps.delivery.index import campaign_rule
from apps.delivery.ingest import revenue_share_micros
from apps.delivery.models import HourlyStat, ZoneHourlyStat
from apps.inventory.models import Publisher, Zone

from .rollups import rollups_enabled, rollups_refresh

# Impressions a day (before the weekday and trend factors) per (ad name, zone name).
PLACEMENTS = {
    ("Winter Sale leaderboard 728x90", "Leaderboard"): 1800,
    ("Winter Sale rectangle 300x250", "Sidebar"): 1300,
    ("Spring Preview rectangle 300x250", "Sidebar"): 900,
    ("Winter Sale text link", "Text links"): 800,
    ("Winter Sale native", "Native feed"): 650,
    ("Winter Sale pre-roll 15s", "Pre-roll"): 280,
}
# Click-through rate (per mille) by ad type; conversions per thousand clicks.
CTR_PER_MILLE = {"banner": 4, "text": 9, "native": 7, "video": 12}
CONVERSIONS_PER_MILLE_CLICKS = 40
CONVERSION_VALUE_MICROS = 25_000_000
FILL_PER_MILLE = 930  # ad requests answered with an ad
RENDERED_PER_MILLE = 985  # answered ads that were shown and counted as impressions
# Share of a day's traffic per UTC hour (the demo advertiser and publisher are on UTC).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3, 2]
WEEKDAY_FACTOR = [1.0, 1.05, 1.05, 1.0, 0.95, 0.7, 0.65]


def _demo_objects() -> tuple[Advertiser, Publisher, list[tuple[Ad, Zone, int]]] | None:
    emails = {role: email for role, email, _ in DEMO_USERS}
    advertiser = Advertiser.objects.filter(user__email=emails[Role.ADVERTISER]).first()
    publisher = Publisher.objects.filter(user__email=emails[Role.PUBLISHER]).first()
    if advertiser is None or publisher is None:
        return None
    ads = {
        ad.name: ad
        for ad in Ad.objects.filter(
            campaign__advertiser=advertiser,
            review_status=ReviewStatus.APPROVED,
            deleted_at__isnull=True,
        ).select_related("campaign")
    }
    zones = {zone.name: zone for zone in Zone.objects.filter(website__publisher=publisher)}
    placements = [
        (ads[ad_name], zones[zone_name], daily)
        for (ad_name, zone_name), daily in PLACEMENTS.items()
        if ad_name in ads and zone_name in zones
    ]
    return advertiser, publisher, placements


def _first_hour(advertiser: Advertiser, last: datetime) -> datetime:
    """The first hour to write: after the advertiser's latest traffic and posted spend."""
    first = (last - timedelta(days=DEMO_DAYS - 1)).replace(hour=0)
    latest = HourlyStat.objects.filter(advertiser_id=advertiser.pk).aggregate(h=Max("hour"))["h"]
    if latest is not None:
        first = max(first, latest + timedelta(hours=1))
    posted = getattr(getattr(advertiser, "wallet", None), "spend_posted_until", None)
    if posted is not None:
        first = max(first, posted)
    return first


def _count(rng: random.Random, expected: float) -> int:
    """A whole count near ``expected`` (about ±15 %)."""
    return max(0, round(expected * rng.uniform(0.85, 1.15)))


# Quoted names only; rows already there (live traffic in the same hour) are left alone.
INSERT_SQL = "INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"


def _insert(model, objects: list) -> None:
    """Insert unsaved rows with one ``executemany`` (the ORM's per-value preparation would
    be most of the demo's loading time)."""
    if not objects:
        return
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = INSERT_SQL.format(
        table=ops.quote_name(model._meta.db_table),
        columns=", ".join(ops.quote_name(f.column) for f in fields),
        marks=", ".join(["%s"] * len(fields)),
    )
    adapt = ops.adapt_datetimefield_value
    rows = [
        [
            adapt(value) if isinstance(value, datetime) else value
            for value in (getattr(obj, f.attname) for f in fields)
        ]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _chance(rng: random.Random, expected: float) -> int:
    """A whole count whose average is ``expected`` (so 0.3 clicks an hour add up)."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def load() -> list:
    found = _demo_objects()
    if found is None:
        return []
    advertiser, publisher, placements = found
    if not placements:
        return []
    now = timezone.now().astimezone(UTC)
    last = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    first = _first_hour(advertiser, last)
    if first > last:
        return []
    # The same hour always gets the same numbers, whenever the demo is loaded.
    stats: list[HourlyStat] = []
    requests: dict[tuple[datetime, int], list[int]] = defaultdict(lambda: [0, 0])
    spend_by_day: dict[tuple[int, datetime], int] = defaultdict(int)
    total_weight = sum(HOUR_WEIGHTS)
    hour = first
    while hour <= last:
        days_ago = (last.date() - hour.date()).days
        trend = 0.75 + 0.25 * (DEMO_DAYS - days_ago) / DEMO_DAYS  # grows towards today
        day_factor = WEEKDAY_FACTOR[hour.weekday()] * trend * HOUR_WEIGHTS[hour.hour]
        for ad, zone, daily in placements:
            rng = random.Random(f"{hour.isoformat()}:{ad.pk}:{zone.pk}")  # noqa: S311 - demo figures
            impressions = _count(rng, daily * day_factor / total_weight)
            if not impressions:
                continue
            campaign = ad.campaign
            clicks = min(
                _chance(rng, impressions * CTR_PER_MILLE.get(ad.type, 5) / 1000), impressions
            )
            conversions = 0
            if campaign.pricing_model == "cpm" and clicks:
                conversions = sum(
                    rng.random() < CONVERSIONS_PER_MILLE_CLICKS / 1000 for _ in range(clicks)
                )
            if campaign.pricing_model == "cpc":
                cost_each = int(campaign.bid_amount * 1_000_000)
                spend = clicks * cost_each
                revenue = clicks * revenue_share_micros(cost_each, publisher.revenue_share)
            else:  # CPM: bid per thousand, charged per impression
                cost_each = int(campaign.bid_amount * 1000)
                spend = impressions * cost_each
                revenue = impressions * revenue_share_micros(cost_each, publisher.revenue_share)
            video = {}
            if ad.type == "video":
                starts = round(impressions * 0.92)
                video = {
                    "video_starts": starts,
                    "video_first_quartiles": round(starts * 0.86),
                    "video_midpoints": round(starts * 0.74),
                    "video_third_quartiles": round(starts * 0.66),
                    "video_completes": round(starts * 0.58),
                }
            stats.append(
                HourlyStat(
                    hour=hour,
                    ad_id=ad.pk,
                    zone_id=zone.pk,
                    campaign_id=campaign.pk,
                    advertiser_id=advertiser.pk,
                    publisher_id=publisher.pk,
                    impressions=impressions,
                    clicks=clicks,
                    conversions=conversions,
                    conversion_value_micros=conversions * CONVERSION_VALUE_MICROS,
                    viewable_impressions=round(impressions * rng.uniform(0.55, 0.7)),
                    invalid_events=rng.randint(0, 2) if impressions > 40 else 0,
                    spend_micros=spend,
                    revenue_micros=revenue,
                    **video,
                )
            )
            filled = -(-impressions * 1000 // RENDERED_PER_MILLE)  # ceil: fills >= impressions
            counts = requests[(hour, zone.pk)]
            counts[0] += -(-filled * 1000 // FILL_PER_MILLE)
            counts[1] += filled
            spend_by_day[(campaign.pk, hour.replace(hour=12))] += spend
        hour += timedelta(hours=1)
    _insert(HourlyStat, stats)
    _insert(
        ZoneHourlyStat,
        [
            ZoneHourlyStat(
                hour=hour,
                zone_id=zone_id,
                publisher_id=publisher.pk,
                requests=counts[0],
                fills=counts[1],
            )
            for (hour, zone_id), counts in requests.items()
        ],
    )
    # Charge the serving counters as tracking would (budgets, wallet limits), per day.
    for (campaign_id, midday), micros in spend_by_day.items():
        rule = campaign_rule(campaign_id)
        if rule is not None:
            counters_record_spend(campaign=rule, micros=micros, now=midday)
    if rollups_enabled():
        rollups_refresh(since=first)  # written behind the drain's back
    return []
