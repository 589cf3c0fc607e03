"""The compiled inventory index: live zones and their candidate ads in plain Python.

Built per process from the database (or another process's snapshot) and kept up to date by
applying only what changed, so a warm decision makes no database query. Request-independent
rules are applied per zone when it is compiled: format and size, publisher approval, website
and zone include/exclude lists, categories, publisher blocks and the floor.
"""

from .compiled import StaticReason, ZoneCompilation, placement_reason, zone_compile
from .live import (
    InventoryIndex,
    ad_destination,
    campaign_rule,
    current_index,
    format_key,
    index_apply,
    index_build,
    index_rebuild,
    index_reset,
    index_with_stats,
    publish_change,
    zone_lookup,
)
from .records import AdRecord, PlacementRules, ZoneRecord

__all__ = [
    "AdRecord",
    "InventoryIndex",
    "PlacementRules",
    "StaticReason",
    "ZoneCompilation",
    "ZoneRecord",
    "ad_destination",
    "campaign_rule",
    "current_index",
    "format_key",
    "index_apply",
    "index_build",
    "index_rebuild",
    "index_reset",
    "index_with_stats",
    "placement_reason",
    "publish_change",
    "zone_compile",
    "zone_lookup",
]
