"""What serving reads of the inventory: plain rows from the database, and the records the
index builds from them.

Rows are lists of plain values (numbers, strings, lists), read with ``values_list`` (no
model instances) and normalised once, so the same rows come from the database, from a
delta's few objects, or from a snapshot another process saved (``rows_encode``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import msgspec

from apps.audiences.consent.policy import DEFAULT_CMP, CmpSettings

from ..engine import MICROS, CampaignRule, Targeting

SNAPSHOT_FORMAT = 3  # 2: zone rows end with the website's consent settings; 3: campaign channels


def micros(amount: Decimal | None) -> int | None:
    return None if amount is None else int(Decimal(amount) * MICROS)


def _ids(values) -> frozenset[int]:
    return frozenset(int(v) for v in values or ())


# --- Records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacementRules:
    """A campaign's request-independent placement rules (checked at compile time)."""

    websites_include: frozenset[int]
    websites_exclude: frozenset[int]
    zones_include: frozenset[int]
    zones_exclude: frozenset[int]
    categories: frozenset[str]
    category: str


@dataclass(frozen=True, slots=True)
class AdRecord:
    ad_id: int
    ad_uuid: str
    type: str
    width: int | None
    height: int | None
    weight: int
    campaign: CampaignRule
    placement: PlacementRules
    creative: dict
    destination_url: str
    video: dict | None = None


@dataclass(frozen=True, slots=True)
class ZoneRecord:
    id: int
    uuid: str
    website_id: int
    publisher_id: int
    owner_user_id: int
    name: str
    type: str
    width: int | None
    height: int | None
    floor_micros: int
    active: bool
    publisher_approved: bool
    website_category: str
    blocked_categories: frozenset[str]
    blocked_advertisers: frozenset[int]
    cmp: CmpSettings = DEFAULT_CMP  # the website's consent settings (apps/audiences)
    # Which campaigns may buy here: "own" for our zones; OpenRTB's open-exchange inventory
    # compiles with "rtb".
    channel: str = "own"


# --- Rows from the database ---------------------------------------------------------------

ZONE_COLUMNS = (
    "id",
    "uuid",
    "website_id",
    "website__publisher_id",
    "website__publisher__user_id",
    "name",
    "type",
    "width",
    "height",
    "floor_price",
    "status",
    "website__publisher__status",
    "website__category",
    "website__publisher__blocked_categories",
    "website__publisher__blocked_advertiser_ids",
    "website__consent_settings__gdpr_applies",
    "website__consent_settings__vendor_id",
    "website__consent_settings__without_consent",
)
CAMPAIGN_COLUMNS = (
    "id",
    "advertiser_id",
    "pricing_model",
    "bid_amount",
    "start_date",
    "end_date",
    "advertiser__timezone",
    "pacing",
    "priority",
    "daily_budget",
    "total_budget",
    "frequency_cap_impressions",
    "frequency_cap_window_hours",
    "targeting",
    "category",
    "advertiser__company",
    "rotation",
    "channels",
    "advertiser__currency",
)
AD_COLUMNS = (
    "id",
    "uuid",
    "type",
    "width",
    "height",
    "weight",
    "name",
    "headline",
    "body",
    "image_url",
    "html",
    "video_url",
    "video_mime",
    "duration_seconds",
    "call_to_action",
    "sponsor",
    "destination_url",
    "campaign_id",
)


def zone_rows(
    *,
    ids: Iterable[int] | None = None,
    website_ids: Iterable[int] | None = None,
    publisher_ids: Iterable[int] | None = None,
) -> list[list]:
    """Every zone (paused ones too: the decision says why they do not fill), or those named."""
    from apps.inventory.models import PublisherStatus, Zone, ZoneStatus

    zones = Zone.objects.all()
    if ids is not None:
        zones = zones.filter(id__in=list(ids))
    if website_ids is not None:
        zones = zones.filter(website_id__in=list(website_ids))
    if publisher_ids is not None:
        zones = zones.filter(website__publisher_id__in=list(publisher_ids))
    return [
        [
            z[0],
            str(z[1]),
            z[2],
            z[3],
            z[4],
            z[5],
            z[6],
            z[7],
            z[8],
            micros(z[9]) or 0,
            z[10] == ZoneStatus.ACTIVE,
            z[11] == PublisherStatus.APPROVED,
            z[12] or "",
            sorted(z[13] or ()),
            sorted(int(a) for a in z[14] or ()),
            z[15] or DEFAULT_CMP.gdpr_applies,
            z[16],
            z[17] or DEFAULT_CMP.without_consent,
        ]
        for z in zones.order_by("id").values_list(*ZONE_COLUMNS)
    ]


def _campaign_row(c: tuple) -> list:
    return [
        c[0],
        c[1],
        c[2],
        micros(c[3]) or 0,
        c[4].isoformat(),
        c[5].isoformat() if c[5] else None,
        c[6] or "UTC",
        c[7],
        c[8],
        micros(c[9]),
        micros(c[10]),
        c[11],
        c[12],
        c[13] or {},
        c[14] or "",
        c[15],
        c[16],
        sorted(c[17] or ["own"]),
        c[18] or "",
    ]


def campaign_rows(
    *, ids: Iterable[int] | None = None, advertiser_ids: Iterable[int] | None = None
) -> list[list]:
    """The live (active, not deleted) campaigns, or those of them named."""
    from apps.campaigns.models import Campaign, CampaignStatus

    campaigns = Campaign.objects.filter(deleted_at__isnull=True, status=CampaignStatus.ACTIVE)
    if ids is not None:
        campaigns = campaigns.filter(id__in=list(ids))
    if advertiser_ids is not None:
        campaigns = campaigns.filter(advertiser_id__in=list(advertiser_ids))
    return [_campaign_row(c) for c in campaigns.order_by("id").values_list(*CAMPAIGN_COLUMNS)]


def campaign_row_any(campaign_id: int) -> list | None:
    """A campaign's row whatever its status (tracking an ad served before a pause)."""
    from apps.campaigns.models import Campaign

    found = Campaign.objects.filter(pk=campaign_id).values_list(*CAMPAIGN_COLUMNS).first()
    return _campaign_row(found) if found is not None else None


def ad_rows(
    *, ids: Iterable[int] | None = None, campaign_ids: Iterable[int] | None = None
) -> list[list]:
    """The serving ads (active, approved, of a live campaign), or those of them named."""
    from apps.campaigns.models import Ad, AdStatus, CampaignStatus, ReviewStatus

    ads = Ad.objects.filter(
        deleted_at__isnull=True,
        status=AdStatus.ACTIVE,
        review_status=ReviewStatus.APPROVED,
        campaign__deleted_at__isnull=True,
        campaign__status=CampaignStatus.ACTIVE,
    )
    if ids is not None:
        ads = ads.filter(id__in=list(ids))
    if campaign_ids is not None:
        ads = ads.filter(campaign_id__in=list(campaign_ids))
    return [[a[0], str(a[1]), *a[2:]] for a in ads.order_by("id").values_list(*AD_COLUMNS)]


def advertiser_funds(advertiser_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Advertiser id -> what its wallet can pay in all, in micros, for limited wallets."""
    from apps.billing.selectors import wallet_spend_limits

    return wallet_spend_limits(advertiser_ids=advertiser_ids)


def ad_stats(campaign_ids: Iterable[int], *, days: int) -> dict[int, tuple[int, int, int]]:
    """(impressions, clicks, conversions) per ad of these campaigns over the last ``days``."""
    from datetime import timedelta

    from django.db import DatabaseError
    from django.db.models import Sum
    from django.utils import timezone

    from ..models import HourlyStat

    campaign_ids = list(campaign_ids)
    if not campaign_ids:
        return {}
    since = timezone.now() - timedelta(days=days)
    rows = (
        HourlyStat.objects.filter(campaign_id__in=campaign_ids, hour__gte=since)
        .values("ad_id")
        .annotate(i=Sum("impressions"), c=Sum("clicks"), v=Sum("conversions"))
        .order_by()
        .values_list("ad_id", "i", "c", "v")
    )
    try:
        return {ad_id: (int(i or 0), int(c or 0), int(v or 0)) for ad_id, i, c, v in rows}
    except DatabaseError:  # the priors stand in until the database answers (next refresh)
        return {}


def advertiser_drained_spend(advertiser_ids: Iterable[int]) -> dict[int, int]:
    """All-time spend per advertiser as drained into the rollups, in micros."""
    from django.db.models import Sum

    from ..models import HourlyStat

    ids = list(advertiser_ids)
    totals = dict(
        HourlyStat.objects.filter(advertiser_id__in=ids)
        .values("advertiser_id")
        .annotate(total=Sum("spend_micros"))
        .order_by()
        .values_list("advertiser_id", "total")
    )
    return {a: int(totals.get(a) or 0) for a in ids}


# --- Records from rows --------------------------------------------------------------------


def zone_record(row: list) -> ZoneRecord:
    return ZoneRecord(
        id=row[0],
        uuid=row[1],
        website_id=row[2],
        publisher_id=row[3],
        owner_user_id=row[4],
        name=row[5],
        type=row[6],
        width=row[7],
        height=row[8],
        floor_micros=row[9],
        active=row[10],
        publisher_approved=row[11],
        website_category=row[12],
        blocked_categories=frozenset(row[13]),
        blocked_advertisers=frozenset(row[14]),
        cmp=_cmp(row[15], row[16], row[17]),
    )


def _cmp(gdpr_applies: str, vendor_id: int | None, without_consent: str) -> CmpSettings:
    settings = CmpSettings(gdpr_applies, vendor_id, without_consent)
    return DEFAULT_CMP if settings == DEFAULT_CMP else settings


def campaign_records(row: list, funds: dict[int, int]) -> tuple[CampaignRule, PlacementRules]:
    t = row[13]
    segments = t.get("segments") or {}
    rule = CampaignRule(
        id=row[0],
        advertiser_id=row[1],
        pricing_model=row[2],
        bid_micros=row[3],
        start_date=date.fromisoformat(row[4]),
        end_date=date.fromisoformat(row[5]) if row[5] else None,
        tz=ZoneInfo(row[6]),
        pacing=row[7],
        priority=row[8],
        daily_budget_micros=row[9],
        total_budget_micros=row[10],
        frequency_cap=row[11],
        frequency_window_hours=row[12],
        advertiser_funds_micros=funds.get(row[1]),
        rotation=row[16],
        channels=frozenset(row[17]),
        currency=row[18],
        targeting=Targeting(
            countries=frozenset(t.get("countries") or ()),
            regions=frozenset(t.get("regions") or ()),
            devices=frozenset(t.get("devices") or ()),
            browsers=frozenset(t.get("browsers") or ()),
            os=frozenset(t.get("os") or ()),
            days=frozenset(t.get("days") or ()),
            hours=frozenset(t.get("hours") or ()),
            segments_include=_ids(segments.get("include")),
            segments_exclude=_ids(segments.get("exclude")),
        ),
    )
    websites = t.get("websites") or {}
    zones = t.get("zones") or {}
    placement = PlacementRules(
        websites_include=_ids(websites.get("include")),
        websites_exclude=_ids(websites.get("exclude")),
        zones_include=_ids(zones.get("include")),
        zones_exclude=_ids(zones.get("exclude")),
        categories=frozenset(t.get("categories") or ()),
        category=row[14],
    )
    return rule, placement


def ad_record(row: list, rule: CampaignRule, placement: PlacementRules, company: str) -> AdRecord:
    (
        ad_id,
        ad_uuid,
        ad_type,
        width,
        height,
        weight,
        name,
        headline,
        body,
        image_url,
        html,
        video_url,
        video_mime,
        duration,
        call_to_action,
        sponsor,
        destination_url,
        _campaign_id,
    ) = row
    return AdRecord(
        ad_id=ad_id,
        ad_uuid=ad_uuid,
        type=ad_type,
        width=width,
        height=height,
        weight=weight,
        campaign=rule,
        placement=placement,
        # What the response carries (never the destination: clicks go through us).
        creative={
            "uuid": ad_uuid,
            "type": ad_type,
            "width": width,
            "height": height,
            "headline": headline,
            "body": body,
            "image_url": image_url or None,
            "html": html or None,
            "video_url": video_url or None,
            "call_to_action": call_to_action or None,
            "sponsor": sponsor or None,
        },
        destination_url=destination_url,
        video=(
            {
                "url": video_url,
                "mime": video_mime,
                "duration": duration or 0,
                "title": name,
                "advertiser": company,
            }
            if ad_type == "video"
            else None
        ),
    )


# --- Snapshots ----------------------------------------------------------------------------


class InventoryRows(msgspec.Struct):
    """Everything an index is built from, as a snapshot stores it."""

    zones: list[list]
    campaigns: list[list]
    ads: list[list]
    funds: dict[int, int]
    format: int = SNAPSHOT_FORMAT


def rows_load() -> InventoryRows:
    """All of it, from the database (four queries)."""
    return InventoryRows(
        zones=zone_rows(), campaigns=campaign_rows(), ads=ad_rows(), funds=advertiser_funds()
    )


def rows_encode(rows: InventoryRows) -> bytes:
    return msgspec.msgpack.encode(rows)


def rows_decode(data: bytes) -> InventoryRows | None:
    """The rows of a snapshot, or ``None`` if it was written in another format."""
    try:
        rows = msgspec.msgpack.decode(data, type=InventoryRows)
    except msgspec.DecodeError:
        return None
    return rows if rows.format == SNAPSHOT_FORMAT else None
