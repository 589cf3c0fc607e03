"""The process's inventory index, and how it follows changes.

- **Changes.** Services name what they changed (``apps.common.events.inventory_changed``);
  after commit, changes serving reads are appended to the hot store's change log, which
  numbers them without gaps (the inventory version). Renames and other fields serving does
  not read are dropped here.
- **Deltas.** Every ``INVENTORY_CHECK_SECONDS`` a thread of each process reads the version;
  when it moved, it reads the changes since its own version, loads just the changed rows
  (coalesced by kind: one query per kind however many changes), and builds the next index
  from the current one: the zones those ads fit get the tie groups they leave or join
  rebuilt, nothing else. The new index replaces the old one in one assignment, so requests
  always see a whole index and never wait for an update.
- **Full builds** happen at start-up, when a process has missed changes (the log keeps
  the last few thousand), on ``kind="all"``, or on request (``manage.py index_rebuild``). At
  start-up a process loads the snapshot another one saved (rows, msgpack) and applies the
  changes since; only one process at a time builds from the database and saves the snapshot.
- **Misses.** A zone the index does not know may have been created a moment ago: a miss
  reads the version and applies pending changes at once, and remembers a zone that is truly
  unknown for a second, so random uuids cost nothing.
- **Learning.** CPC and CPA bids compete through smoothed click and conversion rates, and
  optimized rotation samples each ad's click-through rate: both read per-ad delivery from the
  rollups, refreshed every ``AD_STATS_REFRESH_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import msgspec
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from apps.common.adformats import SIZED_TYPES
from apps.common.metrics import INDEX_BUILD_SECONDS, INDEX_CHECKED_AT

from ..engine import CampaignRule, CompiledZone
from ..store import StoreUnavailableError, hot_store
from .compiled import GroupKey, Stats, ZoneCompilation, group_key, zone_compile, zone_recompiled
from .records import (
    AdRecord,
    InventoryRows,
    PlacementRules,
    ZoneRecord,
    ad_record,
    ad_stats,
    advertiser_drained_spend,
    advertiser_funds,
    campaign_records,
    campaign_row_any,
    rows_decode,
    rows_encode,
    rows_load,
    zone_record,
)
from .records import ad_rows as ad_rows_load
from .records import campaign_rows as campaign_rows_load
from .records import zone_rows as zone_rows_load

logger = logging.getLogger(__name__)

AD_STATS_DAYS = 30
MISS_MEMORY_SECONDS = 1.0
MISS_MEMORY_SIZE = 10_000
SNAPSHOT_WAIT_SECONDS = 20.0
BUILD_LOCK = "index:build"
SNAPSHOT_LOCK = "index:snapshot"
# Fields of each kind that serving reads; a change to other fields is not published.
SERVING_FIELDS = {
    "campaign": {
        "advertiser",
        "bid_amount",
        "category",
        "channels",
        "daily_budget",
        "deleted_at",
        "end_date",
        "frequency_cap",
        "frequency_cap_impressions",
        "frequency_cap_window_hours",
        "pacing",
        "priority",
        "pricing_model",
        "rotation",
        "start_date",
        "status",
        "targeting",
        "total_budget",
    },
    "ad": {
        "body",
        "call_to_action",
        "campaign",
        "deleted_at",
        "destination_url",
        "duration_seconds",
        "headline",
        "height",
        "html",
        "image_url",
        "name",  # the title of a video ad's VAST
        "review_status",
        "sponsor",
        "status",
        "type",
        "video_mime",
        "video_url",
        "weight",
        "width",
    },
    "zone": {"floor_price", "height", "status", "type", "website", "width"},
    "website": {"category", "consent_settings", "publisher"},
    "publisher": {"blocked_advertiser_ids", "blocked_categories", "status"},
    "advertiser": {"company", "currency", "funds", "timezone"},
}


def format_key(item) -> tuple:
    if item.type in SIZED_TYPES:
        return (item.type, item.width, item.height)
    return (item.type,)


def _needs_stats(rule: CampaignRule) -> bool:
    return rule.pricing_model != "cpm" or rule.rotation == "optimized"


@dataclass(slots=True)
class InventoryIndex:
    """Live zones and serving ads at one inventory version. Never changed once published
    (but for zones compiled on first use): the next version is a new object sharing what
    did not change."""

    version: int
    # The rows everything below is built from (what a snapshot saves), by id.
    zone_rows: dict[int, list]
    campaign_rows: dict[int, list]
    ad_rows: dict[int, list]
    funds: dict[int, int]
    # The records built from them.
    zones: dict[str, ZoneRecord]
    zones_by_id: dict[int, ZoneRecord]
    campaigns_by_id: dict[int, CampaignRule]
    placements: dict[int, PlacementRules]
    ads_by_id: dict[int, AdRecord]
    ads_by_format: dict[tuple, dict[int, AdRecord]]
    campaign_ads: dict[int, frozenset[int]]
    stats: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    compilations: dict[str, ZoneCompilation] = field(default_factory=dict)

    def zone(self, zone_uuid: str) -> CompiledZone | None:
        compilation = self.compilations.get(zone_uuid)
        if compilation is None:
            record = self.zones.get(zone_uuid)
            if record is None:
                return None
            ads = self.ads_by_format.get(format_key(record), {}).values()
            compilation = zone_compile(record, ads, self.stats)
            self.compilations[zone_uuid] = compilation  # compiled on first use, then kept
        return compilation.compiled

    def zone_record(self, zone_uuid: str) -> ZoneRecord | None:
        return self.zones.get(zone_uuid)

    @property
    def rows(self) -> InventoryRows:
        return InventoryRows(
            zones=list(self.zone_rows.values()),
            campaigns=list(self.campaign_rows.values()),
            ads=list(self.ad_rows.values()),
            funds=self.funds,
        )


# --- Building -----------------------------------------------------------------------------


def index_from_rows(
    version: int, rows: InventoryRows, stats: Stats | None = None
) -> InventoryIndex:
    zones = {}
    zones_by_id = {}
    for row in rows.zones:
        record = zone_record(row)
        zones[record.uuid] = record
        zones_by_id[record.id] = record
    campaign_rows = {row[0]: row for row in rows.campaigns}
    campaigns, placements = {}, {}
    for row in rows.campaigns:
        rule, placement = campaign_records(row, rows.funds)
        campaigns[rule.id] = rule
        placements[rule.id] = placement
    ads_by_id: dict[int, AdRecord] = {}
    by_format: dict[tuple, dict[int, AdRecord]] = defaultdict(dict)
    campaign_ads: dict[int, set[int]] = defaultdict(set)
    ad_rows = {}
    for row in rows.ads:
        campaign_id = row[-1]
        rule = campaigns.get(campaign_id)
        if rule is None:
            continue
        record = ad_record(row, rule, placements[campaign_id], campaign_rows[campaign_id][15])
        ad_rows[record.ad_id] = row
        ads_by_id[record.ad_id] = record
        by_format[format_key(record)][record.ad_id] = record
        campaign_ads[campaign_id].add(record.ad_id)
    if stats is None:
        stats = ad_stats([c.id for c in campaigns.values() if _needs_stats(c)], days=AD_STATS_DAYS)
    return InventoryIndex(
        version=version,
        zone_rows={row[0]: row for row in rows.zones},
        campaign_rows=campaign_rows,
        ad_rows=ad_rows,
        funds=dict(rows.funds),
        zones=zones,
        zones_by_id=zones_by_id,
        campaigns_by_id=campaigns,
        placements=placements,
        ads_by_id=ads_by_id,
        ads_by_format=dict(by_format),
        campaign_ads={c: frozenset(ids) for c, ids in campaign_ads.items()},
        stats=dict(stats),
    )


def _seed_funds_counters(index: InventoryIndex) -> None:
    """Limited advertisers need their all-time spend counter; seed missing ones."""
    from ..counters import counters_seed_advertiser_spend

    limited = {c.advertiser_id for c in index.campaigns_by_id.values()} & set(index.funds)
    if not limited:
        return
    try:
        counters_seed_advertiser_spend(advertiser_drained_spend(limited))
    except (StoreUnavailableError, DatabaseError) as exc:
        # Until seeded, a flushed counter reads 0 for those advertisers; the next change or
        # rebuild seeds it. Serving goes on meanwhile.
        logger.warning("Advertiser spend counters not seeded: %s", exc)


def index_build(*, use_snapshot: bool = True) -> InventoryIndex:
    """A whole index: from the saved snapshot plus the changes since, or from the database.

    The version is read before the rows, so a change committed meanwhile is applied again
    later (applying a change twice gives the same index).
    """
    store = hot_store()
    try:
        version = store.inventory_version()
    except StoreUnavailableError:
        # Build from the database alone; the follower catches up (a full rebuild) once the
        # store answers, since this version cannot match its log.
        version, use_snapshot = 0, False
    started = time.perf_counter()
    index = _from_snapshot(version) if use_snapshot else None
    if index is not None:
        INDEX_BUILD_SECONDS.labels("snapshot").observe(time.perf_counter() - started)
    else:
        if use_snapshot and store.incr(BUILD_LOCK, 1, int(SNAPSHOT_WAIT_SECONDS) + 10) > 1:
            index = _wait_for_snapshot(version)  # another process is building it
        if index is None:
            with INDEX_BUILD_SECONDS.labels("full").time():
                index = index_from_rows(version, rows_load())
            _snapshot_save(index)
    _seed_funds_counters(index)
    return index


def _from_snapshot(version: int) -> InventoryIndex | None:
    store = hot_store()
    saved = store.snapshot_load()
    if saved is None or saved[0] > version:
        return None
    rows = rows_decode(saved[1])
    if rows is None:
        return None
    changes = store.inventory_changes(saved[0])
    if changes is None:
        return None
    index = index_from_rows(saved[0], rows)
    return index_apply(index, changes) if changes else index


def _wait_for_snapshot(version: int) -> InventoryIndex | None:
    deadline = time.monotonic() + SNAPSHOT_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        saved = hot_store().snapshot_load()
        if saved is not None and saved[0] >= version:
            return _from_snapshot(hot_store().inventory_version())
    return None


_snapshot_saved_at = 0.0


def _snapshot_save(index: InventoryIndex) -> None:
    global _snapshot_saved_at
    try:
        hot_store().snapshot_save(index.version, rows_encode(index.rows))
        _snapshot_saved_at = time.monotonic()
    except Exception:  # a snapshot only saves work; serving goes on without it
        logger.exception("Saving the inventory snapshot failed")


# --- Deltas -------------------------------------------------------------------------------


def _decode(change: bytes) -> dict:
    return msgspec.json.decode(change)


def index_apply(index: InventoryIndex, changes: list[tuple[int, bytes]]) -> InventoryIndex:
    """The index after ``changes`` (from the change log, in order)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for _version, raw in changes:
        change = _decode(raw)
        if change["kind"] == "all":
            with INDEX_BUILD_SECONDS.labels("full").time():
                return index_from_rows(changes[-1][0], rows_load())
        wanted[change["kind"]].update(change["ids"])
    with INDEX_BUILD_SECONDS.labels("delta").time():
        return _delta(index, changes[-1][0], wanted)


def _delta(index: InventoryIndex, version: int, wanted: dict[str, set[int]]) -> InventoryIndex:
    """Load the changed rows (one query per kind) and rebuild from them what they touch."""
    zone_rows, campaign_rows, ad_rows = (
        dict(index.zone_rows),
        dict(index.campaign_rows),
        dict(index.ad_rows),
    )
    funds = index.funds

    # Zones: reload those named, and every zone of a changed website or publisher.
    zone_ids = set(wanted.get("zone", ()))
    websites, publishers = wanted.get("website", set()), wanted.get("publisher", set())
    if websites or publishers:
        zone_ids |= {
            z.id
            for z in index.zones_by_id.values()
            if z.website_id in websites or z.publisher_id in publishers
        }
    if zone_ids or websites or publishers:
        fresh = zone_rows_load(ids=zone_ids)
        if websites:
            fresh += zone_rows_load(website_ids=websites)
        if publishers:
            fresh += zone_rows_load(publisher_ids=publishers)
        zone_ids |= {row[0] for row in fresh}
        for zone_id in zone_ids:
            zone_rows.pop(zone_id, None)
        zone_rows.update((row[0], row) for row in fresh)

    # Campaigns: those named, and all of an advertiser whose time zone, name or funds moved.
    advertisers = wanted.get("advertiser", set())
    campaign_ids = set(wanted.get("campaign", ()))
    if advertisers:
        funds = {a: m for a, m in funds.items() if a not in advertisers}
        funds.update(advertiser_funds(advertisers))
        campaign_ids |= {
            c.id for c in index.campaigns_by_id.values() if c.advertiser_id in advertisers
        }
    fresh_campaigns = campaign_rows_load(ids=campaign_ids) if campaign_ids else []
    if advertisers:
        fresh_campaigns += campaign_rows_load(advertiser_ids=advertisers)
    campaign_ids |= {row[0] for row in fresh_campaigns}
    for campaign_id in campaign_ids:
        campaign_rows.pop(campaign_id, None)
    campaign_rows.update((row[0], row) for row in fresh_campaigns)

    # Ads: all of a changed campaign, and those named.
    ad_ids = set(wanted.get("ad", ()))
    for campaign_id in campaign_ids:
        ad_ids |= index.campaign_ads.get(campaign_id, frozenset())
    fresh_ads = ad_rows_load(campaign_ids=campaign_ids) if campaign_ids else []
    if wanted.get("ad"):
        fresh_ads += [row for row in ad_rows_load(ids=wanted["ad"]) if row[-1] not in campaign_ids]
    ad_ids |= {row[0] for row in fresh_ads}
    for ad_id in ad_ids:
        ad_rows.pop(ad_id, None)
    ad_rows.update((row[0], row) for row in fresh_ads)
    # An ad named on its own whose campaign the index does not hold yet: load the campaign.
    missing = {row[-1] for row in fresh_ads} - set(campaign_rows)
    if missing:
        for row in campaign_rows_load(ids=missing):
            campaign_rows[row[0]] = row
            campaign_ids.add(row[0])

    changed = replace(
        index,
        version=version,
        zone_rows=zone_rows,
        campaign_rows=campaign_rows,
        ad_rows=ad_rows,
        funds=funds,
    )
    return _rebuilt(index, changed, zone_ids=zone_ids, campaign_ids=campaign_ids, ad_ids=ad_ids)


def _rebuilt(
    old: InventoryIndex,
    new: InventoryIndex,
    *,
    zone_ids: set[int],
    campaign_ids: set[int],
    ad_ids: set[int],
    stats: Stats | None = None,
) -> InventoryIndex:
    """``new`` (``old`` with changed rows) with the records of those rows rebuilt and the
    compiled zones patched; everything else is shared with ``old``."""
    stats = dict(old.stats if stats is None else stats)
    campaigns = dict(old.campaigns_by_id)
    placements = dict(old.placements)
    campaign_ads = dict(old.campaign_ads)
    for campaign_id in campaign_ids:
        campaigns.pop(campaign_id, None)
        placements.pop(campaign_id, None)
        row = new.campaign_rows.get(campaign_id)
        if row is not None:
            campaigns[campaign_id], placements[campaign_id] = campaign_records(row, new.funds)
    learning = [c for c in campaign_ids if c in campaigns and _needs_stats(campaigns[c])]
    stats.update(ad_stats(learning, days=AD_STATS_DAYS))

    ads_by_id = dict(old.ads_by_id)
    by_format = dict(old.ads_by_format)
    copied: set[tuple] = set()

    def writable(key: tuple) -> dict[int, AdRecord]:
        if key not in copied:  # copy each format's ads once, the first time it changes
            by_format[key] = dict(by_format.get(key, {}))
            copied.add(key)
        return by_format[key]

    removed: dict[tuple, dict[int, GroupKey]] = defaultdict(dict)
    added: dict[tuple, list[AdRecord]] = defaultdict(list)
    owners: dict[int, set[int]] = defaultdict(set)  # campaign -> its ads that changed
    for ad_id in ad_ids:
        previous = ads_by_id.pop(ad_id, None)
        if previous is not None:
            key = format_key(previous)
            writable(key).pop(ad_id, None)
            removed[key][ad_id] = group_key(previous, old.stats)
            owners[previous.campaign.id].add(ad_id)
        row = new.ad_rows.get(ad_id)
        if row is None or row[-1] not in campaigns:
            continue
        campaign_id = row[-1]
        record = ad_record(
            row, campaigns[campaign_id], placements[campaign_id], new.campaign_rows[campaign_id][15]
        )
        ads_by_id[ad_id] = record
        key = format_key(record)
        writable(key)[ad_id] = record
        added[key].append(record)
        owners[campaign_id].add(ad_id)
    for campaign_id, changed in owners.items():
        serving = {a for a in changed if a in ads_by_id and ads_by_id[a].campaign.id == campaign_id}
        kept = (campaign_ads.get(campaign_id, frozenset()) - changed) | serving
        if kept:
            campaign_ads[campaign_id] = frozenset(kept)
        else:
            campaign_ads.pop(campaign_id, None)

    zones = dict(old.zones)
    zones_by_id = dict(old.zones_by_id)
    for zone_id in zone_ids:
        previous = zones_by_id.pop(zone_id, None)
        if previous is not None:
            zones.pop(previous.uuid, None)
        row = new.zone_rows.get(zone_id)
        if row is not None:
            record = zone_record(row)
            zones[record.uuid] = record
            zones_by_id[record.id] = record

    compilations: dict[str, ZoneCompilation] = {}
    for zone_uuid, compilation in list(old.compilations.items()):
        record = zones.get(zone_uuid)
        if record is None:
            continue  # deleted
        key = format_key(record)
        if record is not compilation.record:
            compilations[zone_uuid] = zone_compile(record, by_format.get(key, {}).values(), stats)
        elif key in removed or key in added:
            compilations[zone_uuid] = zone_recompiled(
                compilation, removed=removed.get(key, {}), added=added.get(key, ()), stats=stats
            )
        else:
            compilations[zone_uuid] = compilation
    return replace(
        new,
        zones=zones,
        zones_by_id=zones_by_id,
        campaigns_by_id=campaigns,
        placements=placements,
        ads_by_id=ads_by_id,
        ads_by_format=by_format,
        campaign_ads=campaign_ads,
        stats=stats,
        compilations=compilations,
    )


def index_with_stats(index: InventoryIndex) -> InventoryIndex:
    """The index with fresh per-ad delivery for the ads whose bids or rotation learn."""
    learning = [c.id for c in index.campaigns_by_id.values() if _needs_stats(c)]
    fresh = ad_stats(learning, days=AD_STATS_DAYS)
    changed = {
        ad_id
        for campaign_id in learning
        for ad_id in index.campaign_ads.get(campaign_id, ())
        if fresh.get(ad_id) != index.stats.get(ad_id)
    }
    if not changed:
        return index
    stats = {**index.stats, **fresh}
    return _rebuilt(index, index, zone_ids=set(), campaign_ids=set(), ad_ids=changed, stats=stats)


# --- The process's index ------------------------------------------------------------------

_lock = threading.RLock()
_current: InventoryIndex | None = None
_checked_at = 0.0
_stats_at = 0.0
_generation = 0  # moves on index_reset: a follower of an older generation stops
_from_database_next = False
_misses: OrderedDict[str, float] = OrderedDict()


def _refresh(index: InventoryIndex) -> InventoryIndex:
    """Apply what changed since ``index`` (called with the lock held)."""
    global _current, _stats_at
    store = hot_store()
    version = store.inventory_version()
    if version != index.version:
        changes = store.inventory_changes(index.version)
        index = index_build(use_snapshot=False) if changes is None else index_apply(index, changes)
        _seed_funds_counters(index)
    if time.monotonic() - _stats_at >= settings.AD_STATS_REFRESH_SECONDS:
        _stats_at = time.monotonic()
        index = index_with_stats(index)
    _current = index
    INDEX_CHECKED_AT.set(time.time())
    return index


def current_index() -> InventoryIndex:
    """The process's index. With ``INVENTORY_REBUILD_IN_BACKGROUND`` a thread keeps it up to
    date and requests never wait; otherwise (tests) the caller refreshes it when due."""
    global _current, _checked_at, _stats_at, _from_database_next
    index = _current
    background = settings.INVENTORY_REBUILD_IN_BACKGROUND
    if index is not None and (
        background or time.monotonic() - _checked_at < settings.INVENTORY_CHECK_SECONDS
    ):
        return index
    with _lock:
        if _current is None:
            _stats_at = time.monotonic()
            _current = index_build(use_snapshot=not _from_database_next)
            _from_database_next = False
            _checked_at = time.monotonic()
            if background:
                _follow_start()
            return _current
        if not background:
            _checked_at = time.monotonic()
            try:
                return _refresh(_current)
            except (StoreUnavailableError, DatabaseError) as exc:
                _warn_unreachable(exc)  # keep serving the index we have
        return _current


def _follow_start() -> None:
    """One follower per index generation (an older one stops at its next check)."""
    threading.Thread(target=_follow, args=(_generation,), name="index-follow", daemon=True).start()


def _follow(generation: int) -> None:
    """Keep the index up to date: check every INVENTORY_CHECK_SECONDS, apply changes."""
    global _snapshot_saved_at
    while True:
        time.sleep(max(0.05, settings.INVENTORY_CHECK_SECONDS))
        if generation != _generation:
            return  # the index was reset: its new follower takes over
        try:
            close_old_connections()
            with _lock:
                before = _current
                if before is None or generation != _generation:
                    return
                after = _refresh(before)
            if (
                after is not before
                and time.monotonic() - _snapshot_saved_at >= settings.INDEX_SNAPSHOT_SECONDS
                and hot_store().incr(SNAPSHOT_LOCK, 1, int(settings.INDEX_SNAPSHOT_SECONDS)) == 1
            ):
                _snapshot_save(after)
        except (StoreUnavailableError, DatabaseError) as exc:
            _warn_unreachable(exc)
            connection.close()
        except Exception:
            logger.exception("Following inventory changes failed; serving the previous index")
            connection.close()


_warned_at = 0.0


def _warn_unreachable(exc: Exception) -> None:
    global _warned_at
    if time.monotonic() - _warned_at >= 60:
        _warned_at = time.monotonic()
        logger.warning("Inventory changes cannot be read; serving the index we have: %s", exc)


def zone_lookup(zone_uuid: str) -> tuple[InventoryIndex, CompiledZone | None]:
    """The compiled zone, checking the change log on a miss (a zone just created)."""
    index = current_index()
    zone = index.zone(zone_uuid)
    if zone is not None:
        return index, zone
    missed = _misses.get(zone_uuid)
    if missed is not None and time.monotonic() - missed < MISS_MEMORY_SECONDS:
        return index, None
    with _lock:
        try:
            if _current is not None and hot_store().inventory_version() != _current.version:
                _refresh(_current)
        except (StoreUnavailableError, DatabaseError) as exc:
            logger.warning("Zone %s missed; changes cannot be read now: %s", zone_uuid, exc)
        index = _current
    zone = index.zone(zone_uuid)
    if zone is None:
        with _lock:
            _misses[zone_uuid] = time.monotonic()
            _misses.move_to_end(zone_uuid)
            while len(_misses) > MISS_MEMORY_SIZE:
                _misses.popitem(last=False)
    return index, zone


def index_reset() -> None:
    """Forget the process's index; the next one is built from the database (tests)."""
    global _current, _checked_at, _from_database_next, _generation
    with _lock:
        _current = None
        _checked_at = 0.0
        _from_database_next = True
        _generation += 1
        _misses.clear()


def index_rebuild() -> InventoryIndex:
    """Build from the database now and save the snapshot (``manage.py index_rebuild``)."""
    global _current
    with _lock:
        _current = index_build(use_snapshot=False)
        return _current


def campaign_rule(campaign_id: int) -> CampaignRule | None:
    """The serving rules of a campaign: from the index, or the database if it left it (or
    there is no index yet); ``None`` when neither can say."""
    try:
        rule = current_index().campaigns_by_id.get(campaign_id)
    except (StoreUnavailableError, DatabaseError):
        rule = None
    if rule is not None:
        return rule
    try:
        row = campaign_row_any(campaign_id)
        return campaign_records(row, advertiser_funds([row[1]]))[0] if row is not None else None
    except DatabaseError:
        logger.warning("Campaign %s unknown while the database is unreachable", campaign_id)
        return None


def ad_destination(ad_id: int) -> str | None:
    """Where a click on the ad goes: from the index, or the database if it left it."""
    try:
        record = current_index().ads_by_id.get(ad_id)
    except (StoreUnavailableError, DatabaseError):
        record = None
    if record is not None:
        return record.destination_url
    from apps.campaigns.models import Ad

    return Ad.objects.filter(pk=ad_id).values_list("destination_url", flat=True).first()


def publish_change(*, kind: str, ids: Iterable[int], fields: Iterable[str] | None, **_) -> None:
    """Receiver of ``inventory_change_committed``: append changes serving reads to the log."""
    if fields is not None and kind in SERVING_FIELDS and not set(fields) & SERVING_FIELDS[kind]:
        return
    hot_store().inventory_publish(msgspec.json.encode({"kind": kind, "ids": sorted(ids)}))
