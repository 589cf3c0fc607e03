"""The compiled inventory index: live zones and their candidate ads in plain Python.

Built from the database when the inventory version (``apps.common.events``) changes, held
per process, and compiled per zone on first use, so a warm decision makes no database query.
Request-independent rules are applied here, once per zone: format and size, publisher
approval, website and zone include/exclude lists, categories, publisher blocks and the floor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.common.adformats import SIZED_TYPES
from apps.common.events import inventory_version

from .engine import (
    MICROS,
    PRIORITY_RANK,
    CampaignRule,
    Candidate,
    CompiledZone,
    Targeting,
    TieGroup,
    effective_cpm_micros,
)

logger = logging.getLogger(__name__)


class StaticReason:
    PUBLISHER_NOT_APPROVED = "publisher_not_approved"
    WEBSITE_NOT_INCLUDED = "website_not_targeted"
    WEBSITE_EXCLUDED = "website_excluded"
    ZONE_NOT_INCLUDED = "zone_not_targeted"
    ZONE_EXCLUDED = "zone_excluded"
    CATEGORY_NOT_TARGETED = "category_not_targeted"
    CATEGORY_BLOCKED = "category_blocked_by_publisher"
    ADVERTISER_BLOCKED = "advertiser_blocked_by_publisher"
    BELOW_FLOOR = "below_floor"
    SIZE_MISMATCH = "size_mismatch"


def micros(amount: Decimal | None) -> int | None:
    return None if amount is None else int(Decimal(amount) * MICROS)


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


@dataclass(slots=True)
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


@dataclass(slots=True)
class InventoryIndex:
    version: int
    zones: dict[str, ZoneRecord]
    ads_by_format: dict[tuple, list[AdRecord]]
    ads_by_id: dict[int, AdRecord]
    campaigns_by_id: dict[int, CampaignRule] = field(default_factory=dict)
    _compiled: dict[str, CompiledZone] = field(default_factory=dict)

    def zone(self, zone_uuid: str) -> CompiledZone | None:
        compiled = self._compiled.get(zone_uuid)
        if compiled is None:
            record = self.zones.get(zone_uuid)
            if record is None:
                return None
            compiled = compile_zone(record, self.ads_by_format.get(format_key(record), []))
            self._compiled[zone_uuid] = compiled
        return compiled

    def zone_record(self, zone_uuid: str) -> ZoneRecord | None:
        return self.zones.get(zone_uuid)


def format_key(item) -> tuple:
    if item.type in SIZED_TYPES:
        return (item.type, item.width, item.height)
    return (item.type,)


def placement_reason(ad: AdRecord, zone: ZoneRecord) -> str | None:
    rules = ad.placement
    if not zone.publisher_approved:
        return StaticReason.PUBLISHER_NOT_APPROVED
    if rules.websites_include and zone.website_id not in rules.websites_include:
        return StaticReason.WEBSITE_NOT_INCLUDED
    if zone.website_id in rules.websites_exclude:
        return StaticReason.WEBSITE_EXCLUDED
    if rules.zones_include and zone.id not in rules.zones_include:
        return StaticReason.ZONE_NOT_INCLUDED
    if zone.id in rules.zones_exclude:
        return StaticReason.ZONE_EXCLUDED
    if rules.categories and zone.website_category not in rules.categories:
        return StaticReason.CATEGORY_NOT_TARGETED
    if rules.category and rules.category in zone.blocked_categories:
        return StaticReason.CATEGORY_BLOCKED
    if ad.campaign.advertiser_id in zone.blocked_advertisers:
        return StaticReason.ADVERTISER_BLOCKED
    return None


def compile_zone(zone: ZoneRecord, ads: list[AdRecord], stats: dict | None = None) -> CompiledZone:
    """Apply the static rules and order what is left into tie groups, best first."""
    stats = stats if stats is not None else _STATS
    candidates: list[Candidate] = []
    rejections: list[tuple[int, str, int, str]] = []
    for ad in ads:
        reason = placement_reason(ad, zone)
        ecpm = 0
        if reason is None:
            impressions, clicks, conversions = stats.get(ad.ad_id, (0, 0, 0))
            ecpm = effective_cpm_micros(
                ad.campaign.pricing_model,
                ad.campaign.bid_micros,
                impressions=impressions,
                clicks=clicks,
                conversions=conversions,
            )
            if ecpm < zone.floor_micros:
                reason = StaticReason.BELOW_FLOOR
        if reason is not None:
            rejections.append((ad.ad_id, ad.ad_uuid, ad.campaign.id, reason))
            continue
        candidates.append(
            Candidate(
                ad_id=ad.ad_id,
                ad_uuid=ad.ad_uuid,
                campaign=ad.campaign,
                weight=ad.weight,
                ecpm_micros=ecpm,
                creative=ad.creative,
            )
        )

    def key(c: Candidate) -> tuple[int, int]:
        return (PRIORITY_RANK[c.campaign.priority], -c.ecpm_micros)

    candidates.sort(key=key)
    groups = tuple(TieGroup.of(list(members)) for _, members in groupby(candidates, key=key))
    return CompiledZone(
        id=zone.id,
        uuid=zone.uuid,
        website_id=zone.website_id,
        publisher_id=zone.publisher_id,
        owner_user_id=zone.owner_user_id,
        type=zone.type,
        width=zone.width,
        height=zone.height,
        floor_micros=zone.floor_micros,
        active=zone.active,
        groups=groups,
        static_rejections=tuple(rejections),
    )


# Observed (impressions, clicks, conversions) per ad for eCPM estimates; tracking's rollups
# feed it through ``index_set_ad_stats`` and the next build uses them.
_STATS: dict[int, tuple[int, int, int]] = {}


def index_set_ad_stats(stats: dict[int, tuple[int, int, int]]) -> None:
    global _STATS
    _STATS = dict(stats)


def _ids(values) -> frozenset[int]:
    return frozenset(int(v) for v in values or ())


def index_build(version: int) -> InventoryIndex:
    """Read live zones and serving ads from the database (two queries)."""
    from apps.campaigns.models import Ad, AdStatus, CampaignStatus, ReviewStatus
    from apps.inventory.models import PublisherStatus, Zone, ZoneStatus

    zones: dict[str, ZoneRecord] = {}
    for z in Zone.objects.select_related("website__publisher"):
        publisher = z.website.publisher
        zones[str(z.uuid)] = ZoneRecord(
            id=z.id,
            uuid=str(z.uuid),
            website_id=z.website_id,
            publisher_id=publisher.id,
            owner_user_id=publisher.user_id,
            name=z.name,
            type=z.type,
            width=z.width,
            height=z.height,
            floor_micros=micros(z.floor_price) or 0,
            active=z.status == ZoneStatus.ACTIVE,
            publisher_approved=publisher.status == PublisherStatus.APPROVED,
            website_category=z.website.category or "",
            blocked_categories=frozenset(publisher.blocked_categories or ()),
            blocked_advertisers=_ids(publisher.blocked_advertiser_ids),
        )

    ads = (
        Ad.objects.filter(
            deleted_at__isnull=True,
            status=AdStatus.ACTIVE,
            review_status=ReviewStatus.APPROVED,
            campaign__deleted_at__isnull=True,
            campaign__status=CampaignStatus.ACTIVE,
        )
        .select_related("campaign__advertiser")
        .order_by("id")
    )
    funds = advertiser_funds()
    campaigns: dict[int, tuple[CampaignRule, PlacementRules]] = {}
    by_format: dict[tuple, list[AdRecord]] = defaultdict(list)
    by_id: dict[int, AdRecord] = {}
    for ad in ads:
        c = ad.campaign
        if c.id not in campaigns:
            campaigns[c.id] = _campaign_rules(c, funds)
        rule, placement = campaigns[c.id]
        record = AdRecord(
            ad_id=ad.id,
            ad_uuid=str(ad.uuid),
            type=ad.type,
            width=ad.width,
            height=ad.height,
            weight=ad.weight,
            campaign=rule,
            placement=placement,
            creative=_creative(ad),
            destination_url=ad.destination_url,
            video=(
                {
                    "url": ad.video_url,
                    "mime": ad.video_mime,
                    "duration": ad.duration_seconds or 0,
                    "title": ad.name,
                    "advertiser": c.advertiser.company,
                }
                if ad.type == "video"
                else None
            ),
        )
        by_format[format_key(record)].append(record)
        by_id[record.ad_id] = record
    limited = {rule.advertiser_id for rule, _ in campaigns.values()} & set(funds)
    if limited:
        from .counters import counters_seed_advertiser_spend

        counters_seed_advertiser_spend(limited)
    return InventoryIndex(
        version=version,
        zones=zones,
        ads_by_format=dict(by_format),
        ads_by_id=by_id,
        campaigns_by_id={cid: rule for cid, (rule, _) in campaigns.items()},
    )


def campaign_rule(campaign_id: int) -> CampaignRule | None:
    """The serving rules of a campaign: from the index, or the database if it left it."""
    rule = current_index().campaigns_by_id.get(campaign_id)
    if rule is not None:
        return rule
    from apps.campaigns.models import Campaign

    campaign = Campaign.objects.select_related("advertiser").filter(pk=campaign_id).first()
    return _campaign_rules(campaign, advertiser_funds())[0] if campaign is not None else None


def advertiser_funds() -> dict[int, int]:
    """Advertiser id -> what its wallet can pay in all, in micros, for limited wallets."""
    from apps.billing.selectors import wallet_spend_limits

    return wallet_spend_limits()


def _campaign_rules(c, funds: dict[int, int]) -> tuple[CampaignRule, PlacementRules]:
    t = c.targeting or {}
    rule = CampaignRule(
        id=c.id,
        advertiser_id=c.advertiser_id,
        pricing_model=c.pricing_model,
        bid_micros=micros(c.bid_amount) or 0,
        start_date=c.start_date,
        end_date=c.end_date,
        tz=ZoneInfo(c.advertiser.timezone or "UTC"),
        pacing=c.pacing,
        priority=c.priority,
        daily_budget_micros=micros(c.daily_budget),
        total_budget_micros=micros(c.total_budget),
        frequency_cap=c.frequency_cap_impressions,
        frequency_window_hours=c.frequency_cap_window_hours,
        advertiser_funds_micros=funds.get(c.advertiser_id),
        targeting=Targeting(
            countries=frozenset(t.get("countries") or ()),
            regions=frozenset(t.get("regions") or ()),
            devices=frozenset(t.get("devices") or ()),
            browsers=frozenset(t.get("browsers") or ()),
            os=frozenset(t.get("os") or ()),
            days=frozenset(t.get("days") or ()),
            hours=frozenset(t.get("hours") or ()),
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
        category=c.category or "",
    )
    return rule, placement


def _creative(ad) -> dict:
    """The fields of the ad the response carries (never the destination: clicks go via us)."""
    return {
        "uuid": str(ad.uuid),
        "type": ad.type,
        "width": ad.width,
        "height": ad.height,
        "headline": ad.headline,
        "body": ad.body,
        "image_url": ad.image_url or None,
        "html": ad.html or None,
        "video_url": ad.video_url or None,
        "call_to_action": ad.call_to_action or None,
        "sponsor": ad.sponsor or None,
    }


_lock = threading.Lock()
_current: InventoryIndex | None = None


_checked_at = 0.0


def current_index() -> InventoryIndex:
    """The process's index, rebuilt when the shared inventory version has moved.

    The shared version is read at most every ``INVENTORY_CHECK_SECONDS`` per process (a
    change reaches serving within that time), so most requests pay nothing for it.
    """
    global _current, _checked_at
    index = _current
    now = time.monotonic()
    interval = getattr(settings, "INVENTORY_CHECK_SECONDS", 1.0)
    if index is not None and now - _checked_at < interval:
        return index
    version = inventory_version()
    _checked_at = now
    if index is not None and index.version == version:
        return index
    if index is not None and getattr(settings, "INVENTORY_REBUILD_IN_BACKGROUND", False):
        # Keep answering from the previous index while one thread builds the next, so a
        # change to inventory never stalls requests behind a build.
        _rebuild_in_background(version)
        return index
    with _lock:
        if _current is None or _current.version != version:
            _current = index_build(version)
        return _current


_building: threading.Thread | None = None


def _rebuild_in_background(version: int) -> None:
    global _building
    with _lock:
        if _building is not None and _building.is_alive():
            return
        _building = threading.Thread(
            target=_build_and_swap, args=(version,), name="index-build", daemon=True
        )
        _building.start()


def _build_and_swap(version: int) -> None:
    global _current
    from django.db import connection

    try:
        built = index_build(version)
        with _lock:
            if _current is None or _current.version < built.version:
                _current = built
    except Exception:
        logger.exception("Building the inventory index failed; serving the previous one")
    finally:
        connection.close()


def index_reset() -> None:
    """Forget the process's index (tests)."""
    global _current, _checked_at
    with _lock:
        _current = None
        _checked_at = 0.0


def ad_destination(ad_id: int) -> str | None:
    """Where a click on the ad goes: from the index, or the database if it left it."""
    record = current_index().ads_by_id.get(ad_id)
    if record is not None:
        return record.destination_url
    from apps.campaigns.models import Ad

    return Ad.objects.filter(pk=ad_id).values_list("destination_url", flat=True).first()
