"""Which of our candidates may fill an imp: a mapped zone of ours, or the open exchange.

An imp whose site/app id (and ``tagid``) is mapped to one of our zones is bought on that zone
(its floor, its publisher's blocks, campaigns on the "own" channel). Any other imp is open-
exchange inventory: only campaigns that opt into the "rtb" channel buy it, and only those
that place no website, zone or category restriction. Either way the candidates are compiled
by the serving index's own compiler with bids compared in the platform currency, and only CPM
campaigns bid (an exchange bills per impression). Compiled zones are kept per index version
and configuration snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from apps.delivery.engine import CampaignRule, CompiledZone
from apps.delivery.index import AdRecord, InventoryIndex, ZoneRecord, format_key, zone_compile

from .config import RtbConfig
from .openrtb import Imp

OPEN_EXCHANGE = "rtb"
CACHE_SIZE = 4096

# Our campaign categories (slugs) as IAB content categories, for bcat and a bid's ``cat``.
IAB_CATEGORIES = {
    "arts": "IAB1",
    "entertainment": "IAB1",
    "automotive": "IAB2",
    "auto": "IAB2",
    "business": "IAB3",
    "careers": "IAB4",
    "education": "IAB5",
    "family": "IAB6",
    "parenting": "IAB6",
    "health": "IAB7",
    "fitness": "IAB7",
    "food": "IAB8",
    "hobbies": "IAB9",
    "games": "IAB9-30",
    "gaming": "IAB9-30",
    "home": "IAB10",
    "politics": "IAB11",
    "law": "IAB11",
    "news": "IAB12",
    "finance": "IAB13",
    "society": "IAB14",
    "dating": "IAB14-1",
    "science": "IAB15",
    "pets": "IAB16",
    "sports": "IAB17",
    "fashion": "IAB18",
    "style": "IAB18",
    "technology": "IAB19",
    "tech": "IAB19",
    "software": "IAB19-18",
    "travel": "IAB20",
    "real-estate": "IAB21",
    "real_estate": "IAB21",
    "shopping": "IAB22",
    "religion": "IAB23",
    "adult": "IAB25",
    "gambling": "IAB9-7",
    "alcohol": "IAB8-5",
}


def iab_categories(slug: str) -> tuple[str, ...]:
    if not slug:
        return ()
    if slug.lower().startswith("iab"):
        return (slug.upper().replace("_", "-"),)
    code = IAB_CATEGORIES.get(slug.lower())
    return (code,) if code else ()


def category_blocked(codes: tuple[str, ...], bcat: frozenset[str]) -> bool:
    """``IAB7`` in bcat blocks ``IAB7`` and every ``IAB7-…``."""
    return any(code in bcat or code.split("-", 1)[0] in bcat for code in codes)


def advertiser_domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def domain_blocked(domain: str, badv: frozenset[str]) -> bool:
    if not domain:
        return False
    parts = domain.split(".")
    return any(".".join(parts[i:]) in badv for i in range(len(parts) - 1))


def app_bundle(url: str) -> str | None:
    """The store id of an app a destination URL points at (Google Play or the App Store)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "play.google.com":
        for pair in parts.query.split("&"):
            if pair.startswith("id="):
                return pair[3:] or None
    if host in ("apps.apple.com", "itunes.apple.com"):
        tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if tail.startswith("id") and tail[2:].isdigit():
            return tail[2:]
    return None


@dataclass(frozen=True, slots=True)
class Facts:
    """What an exchange may block an ad for, and what a bid says about it."""

    adomain: str
    bundle: str | None
    cats: tuple[str, ...]


_facts: dict[tuple[int, str, str], Facts] = {}


def ad_facts(record: AdRecord) -> Facts:
    key = (record.ad_id, record.destination_url, record.placement.category)
    found = _facts.get(key)
    if found is None:
        if len(_facts) > 100_000:
            _facts.clear()
        found = _facts[key] = Facts(
            adomain=advertiser_domain(record.destination_url),
            bundle=app_bundle(record.destination_url),
            cats=iab_categories(record.placement.category),
        )
    return found


# --- Imp formats ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """One way an imp can be filled: a format key of the index, and its media type."""

    key: tuple
    media: str  # banner | video | native


def imp_slots(imp: Imp) -> list[Slot]:
    slots: list[Slot] = []
    if imp.banner is not None:
        for w, h in imp.banner.sizes():
            slots.append(Slot(("banner", w, h), "banner"))
            slots.append(Slot(("html", w, h), "banner"))
    if imp.video is not None:
        slots.append(Slot(("video",), "video"))
    if imp.native is not None:
        slots.append(Slot(("native",), "native"))
    return slots


# --- Compiled zones for the exchange ---------------------------------------------------------

_cache: dict[tuple, CompiledZone] = {}
_cache_lock = threading.Lock()
_cache_for: tuple | None = None  # (the index the cache was built from, its generation)


def _ecpm_in(cfg: RtbConfig):
    def convert(campaign: CampaignRule, ecpm: int) -> int | None:
        return cfg.to_platform(ecpm, campaign.currency)

    return convert


def _open_record(key: tuple) -> ZoneRecord:
    return ZoneRecord(
        id=0,
        uuid="rtb:" + ":".join(str(k) for k in key),
        website_id=0,
        publisher_id=0,
        owner_user_id=0,
        name="open exchange",
        type=key[0],
        width=key[1] if len(key) > 1 else None,
        height=key[2] if len(key) > 2 else None,
        floor_micros=0,
        active=True,
        publisher_approved=True,
        website_category="",
        blocked_categories=frozenset(),
        blocked_advertisers=frozenset(),
        channel=OPEN_EXCHANGE,
    )


def _compiled(index: InventoryIndex, cfg: RtbConfig, cache_key: tuple, record, key) -> CompiledZone:
    global _cache_for
    # Kept across configuration reloads that change no exchange rate: compiling a zone of
    # 10,000 ads costs far more than a bid. The index itself is part of the key, held (not
    # its id(), which a rebuilt index can reuse once the old one is freed) and compared by
    # identity.
    generation = (index.version, cfg.money_key)
    cached = _cache_for
    fresh = cached is not None and cached[0] is index and cached[1] == generation
    zone = _cache.get(cache_key) if fresh else None
    if zone is not None:
        return zone
    ads = [
        ad for ad in index.ads_by_format.get(key, {}).values() if ad.campaign.pricing_model == "cpm"
    ]
    zone = zone_compile(record, ads, index.stats, ecpm_in=_ecpm_in(cfg)).compiled
    with _cache_lock:
        cached = _cache_for
        if cached is None or cached[0] is not index or cached[1] != generation:
            _cache.clear()
            _cache_for = (index, generation)
        elif len(_cache) > CACHE_SIZE:
            _cache.clear()
        _cache[cache_key] = zone
    return zone


def open_zone(index: InventoryIndex, cfg: RtbConfig, key: tuple) -> CompiledZone:
    return _compiled(index, cfg, ("open", key), _open_record(key), key)


def own_zone(index: InventoryIndex, cfg: RtbConfig, record: ZoneRecord) -> CompiledZone:
    return _compiled(index, cfg, ("own", record.uuid, id(record)), record, format_key(record))


def mapped_zone(
    index: InventoryIndex, cfg: RtbConfig, source: str, external_id: str | None, imp: Imp
) -> tuple[bool, ZoneRecord | None, Slot | None]:
    """(whether the site/app is mapped, the zone of ours that fits the imp, how it fits)."""
    if not external_id:
        return False, None, None
    entries = cfg.mappings.get((source, external_id))
    if not entries:
        return False, None, None
    slots = imp_slots(imp)
    ordered = [e for e in entries if e[0] and e[0] == imp.tagid] + [e for e in entries if not e[0]]
    for _tagid, zone_uuid in ordered:
        record = index.zones.get(zone_uuid)
        if record is None:
            continue
        for slot in slots:
            if format_key(record) == slot.key:
                return True, record, slot
    return True, None, None
