"""The buy side: our campaigns bid on each imp through the serving engine.

For each imp the candidates (``inventory.py``) are walked best first exactly as ``decide``
walks a zone, with the request's own rules on top: groups under the imp's floor (converted
from ``bidfloorcur`` to the platform currency) are skipped, and ads of a blocked category
(``bcat``), advertiser domain (``badv``) or app (``bapp``) are left out. The winner bids its
campaign's CPM. The clearing price, charged on the billing notice when the exchange does not
tell us its own (``${AUCTION_PRICE}``), follows ``at``: first price pays the bid; second price
pays the next eligible bid, or the floor, plus 0.01, never more than the bid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal

from apps.delivery.engine import Candidate, CompiledZone, RequestContext, TieGroup, decide
from apps.delivery.index import InventoryIndex

from .config import RtbConfig
from .inventory import (
    Slot,
    ad_facts,
    category_blocked,
    domain_blocked,
    imp_slots,
    mapped_zone,
    open_zone,
    own_zone,
)
from .openrtb import BidRequest, Imp

MICROS = 1_000_000
INCREMENT_MICROS = 10_000  # 0.01, what a second-price winner pays above the next bid


class NoBid:
    """Why an imp gets no bid from us (recorded in the statistics)."""

    NO_FORMAT = "unsupported_format"
    PRIVATE_DEAL = "private_deal_only"
    NO_ZONE = "no_matching_zone"
    NO_RATE = "unknown_currency"
    NO_CANDIDATE = "no_eligible_ad"
    BOT = "bot_traffic"
    SEAT = "seat_not_allowed"


@dataclass(frozen=True, slots=True)
class Blocks:
    bcat: frozenset[str]
    badv: frozenset[str]
    bapp: frozenset[str]

    @classmethod
    def of(cls, request: BidRequest) -> Blocks:
        return cls(
            bcat=frozenset(c.strip().upper() for c in request.bcat or ()),
            badv=frozenset(d.strip().lower().removeprefix("www.") for d in request.badv or ()),
            bapp=frozenset(a.strip() for a in request.bapp or ()),
        )

    def __bool__(self) -> bool:
        return bool(self.bcat or self.badv or self.bapp)


@dataclass(frozen=True, slots=True)
class OurBid:
    imp: Imp
    slot: Slot
    candidate: Candidate
    zone_id: int  # 0: open exchange
    zone_uuid: str | None
    publisher_id: int
    price_micros: int  # CPM, platform currency
    clear_micros: int  # CPM, platform currency
    floor_micros: int  # CPM, platform currency


def floor_micros(amount: float, currency: str, cfg: RtbConfig) -> int | None:
    """A floor in platform micros, rounded up (so a bid at it is never under the floor)."""
    if amount <= 0:
        return 0
    rate = cfg.rate(currency or "USD")
    if rate is None:
        return None
    return math.ceil(Decimal(str(amount)) * MICROS / rate)


def _filtered(group: TieGroup, index: InventoryIndex, blocks: Blocks) -> TieGroup | None:
    if not blocks:
        return group
    kept = []
    for member in group.members:
        record = index.ads_by_id.get(member.ad_id)
        if record is None:
            continue
        facts = ad_facts(record)
        if (
            category_blocked(facts.cats, blocks.bcat)
            or domain_blocked(facts.adomain, blocks.badv)
            or (facts.bundle is not None and facts.bundle in blocks.bapp)
        ):
            continue
        kept.append(member)
    if len(kept) == len(group.members):
        return group
    return TieGroup.of(kept) if kept else None


def _walk(
    zone: CompiledZone,
    ctx: RequestContext,
    counters,
    *,
    index: InventoryIndex,
    blocks: Blocks,
    floor: int,
    start: int = 0,
    skip_campaign: int | None = None,
) -> tuple[Candidate | None, int]:
    """The first eligible candidate at or above ``floor`` from group ``start`` on, and the
    index of its group."""
    for position in range(start, len(zone.groups)):
        group = zone.groups[position]
        if group.ecpm_micros < floor:
            continue
        group = _filtered(group, index, blocks)
        if group is not None and skip_campaign is not None:
            kept = [m for m in group.members if m.campaign.id != skip_campaign]
            group = TieGroup.of(kept) if kept else None
        if group is None:
            continue
        found = decide(replace(zone, groups=(group,)), ctx, counters).candidate
        if found is not None:
            return found, position
    return None, -1


def imp_bid(
    request: BidRequest,
    imp: Imp,
    *,
    index: InventoryIndex,
    cfg: RtbConfig,
    ctx: RequestContext,
    counters,
    blocks: Blocks,
) -> OurBid | str:
    """Our bid for ``imp``, or the reason there is none."""
    if imp.pmp is not None and imp.pmp.private_auction == 1:
        return NoBid.PRIVATE_DEAL
    slots = imp_slots(imp)
    if not slots:
        return NoBid.NO_FORMAT
    imp_floor = floor_micros(imp.bidfloor, imp.bidfloorcur, cfg)
    if imp_floor is None:
        return NoBid.NO_RATE
    for source in ("site", "app", "dooh"):
        holder = getattr(request, source)
        if holder is not None:
            break
    mapped, record, slot = mapped_zone(index, cfg, source, holder.id, imp)
    if mapped:
        if record is None:
            return NoBid.NO_ZONE
        choices = [(own_zone(index, cfg, record), slot)]
    else:
        choices = [(open_zone(index, cfg, s.key), s) for s in slots]
    best: tuple[Candidate, int, CompiledZone, Slot] | None = None
    for zone, slot in choices:
        floor = max(imp_floor, zone.floor_micros)
        found, position = _walk(zone, ctx, counters, index=index, blocks=blocks, floor=floor)
        if found is not None and (best is None or found.ecpm_micros > best[0].ecpm_micros):
            best = (found, position, zone, slot)
    if best is None:
        return NoBid.NO_CANDIDATE
    winner, position, zone, slot = best
    floor = max(imp_floor, zone.floor_micros)
    price = winner.ecpm_micros
    if request.at == 2:
        # The next bid: another campaign of the same group, else the next eligible group.
        runner, _ = _walk(
            zone,
            ctx,
            counters,
            index=index,
            blocks=blocks,
            floor=floor,
            start=position,
            skip_campaign=winner.campaign.id,
        )
        second = runner.ecpm_micros if runner is not None else 0
        clear = min(price, max(second, floor) + INCREMENT_MICROS)
    else:
        clear = price
    return OurBid(
        imp=imp,
        slot=slot,
        candidate=winner,
        zone_id=zone.id,
        zone_uuid=zone.uuid if zone.id else None,
        publisher_id=zone.publisher_id,
        price_micros=price,
        clear_micros=clear,
        floor_micros=floor,
    )
