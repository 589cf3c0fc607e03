"""A zone's candidates, compiled: request-independent rules applied, tie groups built.

``ZoneCompilation`` keeps, beside the ``CompiledZone`` the engine reads, which tie group each
ad is in, so a change to a few ads rebuilds only the groups they leave or join
(``zone_recompiled``); a change to the zone itself compiles it again (``zone_compile``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..engine import (
    PRIORITY_RANK,
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


def _candidate(ad: AdRecord, zone: ZoneRecord, stats: Stats) -> Candidate | str:
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


@dataclass(frozen=True, slots=True)
class ZoneCompilation:
    record: ZoneRecord
    compiled: CompiledZone
    members: dict[GroupKey, tuple[Candidate, ...]]  # tie group members, by group
    key_of: dict[int, GroupKey]  # ad id -> its group
    rejected: dict[int, tuple[int, str, int, str]]  # ad id -> (ad id, uuid, campaign, why)


def _assemble(
    record: ZoneRecord,
    members: dict[GroupKey, tuple[Candidate, ...]],
    groups: dict[GroupKey, TieGroup],
    key_of: dict[int, GroupKey],
    rejected: dict[int, tuple[int, str, int, str]],
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
        static_rejections=tuple(rejected.values()),
    )
    return ZoneCompilation(record, compiled, members, key_of, rejected)


def zone_compile(record: ZoneRecord, ads: Iterable[AdRecord], stats: Stats) -> ZoneCompilation:
    """Apply the static rules to every ad of the zone's format and group what is left."""
    members: dict[GroupKey, list[Candidate]] = {}
    key_of: dict[int, GroupKey] = {}
    rejected: dict[int, tuple[int, str, int, str]] = {}
    for ad in ads:
        found = _candidate(ad, record, stats)
        if isinstance(found, str):
            rejected[ad.ad_id] = (ad.ad_id, ad.ad_uuid, ad.campaign.id, found)
            continue
        key = _key(found)
        members.setdefault(key, []).append(found)
        key_of[ad.ad_id] = key
    frozen = {k: tuple(v) for k, v in members.items()}
    groups = {k: TieGroup.of(v) for k, v in frozen.items()}
    return _assemble(record, frozen, groups, key_of, rejected)


def zone_recompiled(
    current: ZoneCompilation, *, removed: Iterable[int], added: Iterable[AdRecord], stats: Stats
) -> ZoneCompilation:
    """``current`` with the ``removed`` ads taken out and the ``added`` ones put in: only the
    tie groups they leave or join are rebuilt."""
    record = current.record
    members = dict(current.members)
    key_of = dict(current.key_of)
    rejected = dict(current.rejected)
    touched: set[GroupKey] = set()
    leaving: dict[GroupKey, set[int]] = {}
    for ad_id in removed:
        rejected.pop(ad_id, None)
        key = key_of.pop(ad_id, None)
        if key is not None:
            leaving.setdefault(key, set()).add(ad_id)
    for key, ad_ids in leaving.items():
        members[key] = tuple(m for m in members[key] if m.ad_id not in ad_ids)
        touched.add(key)
    for ad in added:
        found = _candidate(ad, record, stats)
        if isinstance(found, str):
            rejected[ad.ad_id] = (ad.ad_id, ad.ad_uuid, ad.campaign.id, found)
            continue
        key = _key(found)
        members[key] = (*members.get(key, ()), found)
        key_of[ad.ad_id] = key
        touched.add(key)
    if not touched and rejected.keys() == current.rejected.keys():
        return current
    groups = {g.key: g for g in current.compiled.groups}
    for key in touched:
        if members.get(key):
            groups[key] = TieGroup.of(members[key])
        else:
            members.pop(key, None)
            groups.pop(key, None)
    return _assemble(record, members, groups, key_of, rejected)
