"""A zone's candidates, compiled: request-independent rules applied, tie groups built.

``ZoneCompilation`` keeps, beside the ``CompiledZone`` the engine reads, which tie group each
ad is in, so a change to a few ads rebuilds only the groups they leave or join
(``zone_recompiled``); a change to the zone itself compiles it again (``zone_compile``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..engine import (
    PRIORITY_RANK,
    CampaignRule,
    Candidate,
    CompiledZone,
    TieGroup,
    effective_cpm_micros,
)
from .records import AdRecord, ZoneRecord

Stats = Mapping[int, tuple[int, int, int]]  # ad id -> (impressions, clicks, conversions)
GroupKey = tuple[int, int]  # (priority rank, -eCPM): sorts best first


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
    CHANNEL = "channel_not_bought"
    NO_EXCHANGE_RATE = "no_exchange_rate"


def placement_reason(ad: AdRecord, zone: ZoneRecord) -> str | None:
    rules = ad.placement
    if zone.channel not in ad.campaign.channels:
        return StaticReason.CHANNEL
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


# Converts a campaign's eCPM (in its own currency) to the currency the zone compares in;
# None when it cannot (no exchange rate). Serving compiles without one.
EcpmIn = Callable[[CampaignRule, int], int | None]


def _candidate(
    ad: AdRecord, zone: ZoneRecord, stats: Stats, ecpm_in: EcpmIn | None = None
) -> Candidate | str:
    """The ad as a candidate of the zone, or the reason it is not one."""
    reason = placement_reason(ad, zone)
    if reason is not None:
        return reason
    impressions, clicks, conversions = stats.get(ad.ad_id, (0, 0, 0))
    ecpm = effective_cpm_micros(
        ad.campaign.pricing_model,
        ad.campaign.bid_micros,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
    )
    if ecpm_in is not None:
        ecpm = ecpm_in(ad.campaign, ecpm)
        if ecpm is None:
            return StaticReason.NO_EXCHANGE_RATE
    if ecpm < zone.floor_micros:
        return StaticReason.BELOW_FLOOR
    return Candidate(
        ad_id=ad.ad_id,
        ad_uuid=ad.ad_uuid,
        campaign=ad.campaign,
        weight=ad.weight,
        ecpm_micros=ecpm,
        creative=ad.creative,
        impressions=impressions,
        clicks=clicks,
    )


def _key(candidate: Candidate) -> GroupKey:
    return (PRIORITY_RANK[candidate.campaign.priority], -candidate.ecpm_micros)


def group_key(ad: AdRecord, stats: Stats) -> GroupKey:
    """The tie group an ad joins in any zone that accepts it (it does not depend on the zone)."""
    impressions, clicks, conversions = stats.get(ad.ad_id, (0, 0, 0))
    ecpm = effective_cpm_micros(
        ad.campaign.pricing_model,
        ad.campaign.bid_micros,
        impressions=impressions,
        clicks=clicks,
        conversions=conversions,
    )
    return (PRIORITY_RANK[ad.campaign.priority], -ecpm)


Rejection = tuple[int, str, int, str]  # ad id, ad uuid, campaign id, why


@dataclass(frozen=True, slots=True)
class ZoneCompilation:
    record: ZoneRecord
    compiled: CompiledZone
    members: dict[GroupKey, tuple[Candidate, ...]]  # tie group members, by group
    groups: dict[GroupKey, TieGroup]
    rejected: dict[int, Rejection]  # ad id -> why the zone does not take it
    rotations: dict[int, tuple[Candidate, ...]]  # optimized campaigns' candidates


def _assemble(
    record: ZoneRecord,
    members: dict[GroupKey, tuple[Candidate, ...]],
    groups: dict[GroupKey, TieGroup],
    rejected: dict[int, Rejection],
    rotations: dict[int, tuple[Candidate, ...]],
) -> ZoneCompilation:
    compiled = CompiledZone(
        id=record.id,
        uuid=record.uuid,
        website_id=record.website_id,
        publisher_id=record.publisher_id,
        owner_user_id=record.owner_user_id,
        type=record.type,
        width=record.width,
        height=record.height,
        floor_micros=record.floor_micros,
        active=record.active,
        groups=tuple(groups[k] for k in sorted(groups)),
        static_rejections=rejected.values(),  # read only by debug=1
        rotations=rotations,
        cmp=record.cmp,
    )
    return ZoneCompilation(record, compiled, members, groups, rejected, rotations)


def zone_compile(
    record: ZoneRecord, ads: Iterable[AdRecord], stats: Stats, *, ecpm_in: EcpmIn | None = None
) -> ZoneCompilation:
    """Apply the static rules to every ad of the zone's format and group what is left
    (``ecpm_in``: compare bids in another currency, as OpenRTB's auctions do)."""
    members: dict[GroupKey, list[Candidate]] = {}
    rejected: dict[int, Rejection] = {}
    rotations: dict[int, list[Candidate]] = {}
    for ad in ads:
        found = _candidate(ad, record, stats, ecpm_in)
        if isinstance(found, str):
            rejected[ad.ad_id] = (ad.ad_id, ad.ad_uuid, ad.campaign.id, found)
            continue
        members.setdefault(_key(found), []).append(found)
        if ad.campaign.rotation == "optimized":
            rotations.setdefault(ad.campaign.id, []).append(found)
    frozen = {k: tuple(v) for k, v in members.items()}
    groups = {k: TieGroup.of(v) for k, v in frozen.items()}
    return _assemble(record, frozen, groups, rejected, {c: tuple(v) for c, v in rotations.items()})


def zone_recompiled(
    current: ZoneCompilation,
    *,
    removed: Mapping[int, GroupKey],
    added: Iterable[AdRecord],
    stats: Stats,
) -> ZoneCompilation:
    """``current`` with the ``removed`` ads (ad id -> the group key it had) taken out and the
    ``added`` ones put in. Only the tie groups they leave or join are rebuilt, and nothing
    is copied that does not change, so the cost follows the change, not the zone."""
    record = current.record
    members = dict(current.members)
    rejected = current.rejected
    rotations = current.rotations
    touched: set[GroupKey] = set()
    touched_campaigns: set[int] = set()
    gone = set(removed)
    if gone & rejected.keys():
        rejected = {k: v for k, v in rejected.items() if k not in gone}
    for key in set(removed.values()):
        group = members.get(key)
        if group is not None:
            kept = tuple(m for m in group if m.ad_id not in gone)
            if len(kept) != len(group):
                members[key] = kept
                touched.add(key)
                touched_campaigns.update(m.campaign.id for m in group if m.ad_id in gone)
    joining: dict[int, list[Candidate]] = {}
    for ad in added:
        found = _candidate(ad, record, stats)
        if isinstance(found, str):
            if rejected is current.rejected:
                rejected = dict(rejected)
            rejected[ad.ad_id] = (ad.ad_id, ad.ad_uuid, ad.campaign.id, found)
            continue
        key = _key(found)
        members[key] = (*members.get(key, ()), found)
        touched.add(key)
        touched_campaigns.add(ad.campaign.id)
        if ad.campaign.rotation == "optimized":
            joining.setdefault(ad.campaign.id, []).append(found)
    if not touched and rejected is current.rejected:
        return current
    if touched_campaigns & (rotations.keys() | joining.keys()):
        rotations = dict(rotations)
        for campaign_id in touched_campaigns:
            kept = tuple(m for m in rotations.get(campaign_id, ()) if m.ad_id not in gone)
            kept += tuple(joining.get(campaign_id, ()))
            if kept:
                rotations[campaign_id] = kept
            else:
                rotations.pop(campaign_id, None)
    groups = dict(current.groups)
    for key in touched:
        if members.get(key):
            groups[key] = TieGroup.of(members[key])
        else:
            members.pop(key, None)
            groups.pop(key, None)
    return _assemble(record, members, groups, rejected, rotations)
