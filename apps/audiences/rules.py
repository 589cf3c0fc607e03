"""Rule audiences: who joins a segment when their events are drained.

An audience's rules (``Audience.rules``)::

    {"lookback_days": 30,
     "rules": [{"event": "impression", "websites": [4], "categories": ["news"]},
               {"event": "click", "campaigns": [12], "countries": ["DE"], "devices": ["mobile"]}]}

A drained event matches a rule when its kind is the rule's ``event`` (``impression``: was
served an ad, i.e. visited a page of that website or category; ``click``; ``conversion``)
and every list the rule gives contains the event's website, the website's category, the
campaign, the country and the device class. Rules are OR-ed. A user key that matches joins
the audience's segment for ``lookback_days`` (refreshed by each new match), so the segment
holds who did it within the last N days. Only events whose visitor allowed profiling
(``TrackedEvent.profile``) count; the work is one query per batch, never per event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from apps.delivery.events import TrackedEvent

RULE_EVENTS = ("impression", "click", "conversion")
RULE_LISTS = ("websites", "categories", "campaigns", "countries", "devices")
MAX_RULES = 20
DEFAULT_LOOKBACK_DAYS = 30
MAX_LOOKBACK_DAYS = 390


@dataclass(frozen=True, slots=True)
class CompiledRule:
    segment_id: int
    ttl: int
    websites: frozenset
    categories: frozenset
    campaigns: frozenset
    countries: frozenset
    devices: frozenset

    def matches(self, e: TrackedEvent, website: int | None, category: str) -> bool:
        return (
            (not self.websites or website in self.websites)
            and (not self.categories or category in self.categories)
            and (not self.campaigns or e.campaign_id in self.campaigns)
            and (not self.countries or e.country in self.countries)
            and (not self.devices or e.device in self.devices)
        )


def rules_compile(audiences) -> dict[str, list[CompiledRule]]:
    """Rules of rule audiences by event kind."""
    by_event: dict[str, list[CompiledRule]] = defaultdict(list)
    for audience in audiences:
        spec = audience.rules or {}
        ttl = int(spec.get("lookback_days") or DEFAULT_LOOKBACK_DAYS) * 86400
        for rule in spec.get("rules") or ():
            by_event[rule["event"]].append(
                CompiledRule(
                    segment_id=audience.segment_id,
                    ttl=ttl,
                    **{name: frozenset(rule.get(name) or ()) for name in RULE_LISTS},
                )
            )
    return by_event


def rule_memberships(
    events: Sequence[TrackedEvent],
    rules: dict[str, list[CompiledRule]],
    zones: dict[int, tuple[int, str]],
) -> list[tuple[str, int, int]]:
    """(user key, segment id, ttl) for every rule each event matches (deduplicated)."""
    found: dict[tuple[str, int], int] = {}
    for e in events:
        website, category = zones.get(e.zone_id, (None, ""))
        for rule in rules.get(e.kind, ()):
            if rule.matches(e, website, category):
                found[(e.user_key, rule.segment_id)] = rule.ttl
    return [(user_key, segment_id, ttl) for (user_key, segment_id), ttl in found.items()]


def rule_memberships_apply(events: Sequence[TrackedEvent]) -> int:
    """Add the user keys of profiled events to the segments whose rules they match."""
    from apps.delivery.store import hot_store
    from apps.inventory.models import Zone

    from .models import Audience, AudienceType

    rules = rules_compile(Audience.objects.filter(type=AudienceType.RULES).only("segment", "rules"))
    if not rules:
        return 0
    events = [e for e in events if e.kind in rules]
    zone_ids = {e.zone_id for e in events if e.zone_id is not None}
    zones = {
        zone_id: (website_id, category or "")
        for zone_id, website_id, category in Zone.objects.filter(id__in=zone_ids).values_list(
            "id", "website_id", "website__category"
        )
    }
    memberships = rule_memberships(events, rules, zones)
    if memberships:
        hot_store().segments_add(memberships)
    return len(memberships)
