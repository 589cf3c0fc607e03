"""The sell side: our publishers' zones offered to outside demand, in one unified auction.

An incoming imp that is one of our zones (a mapped site/app id) is also offered to every
enabled demand partner configured for that zone or its website. Each partner gets the
request as it came (unknown fields, ``ext``, ``regs`` and consent strings unchanged) with
only the imps it may buy, their floors in its currency, ``cur`` set to its currency, the
time left as ``tmax``, and our node appended to ``source.schain``. Calls run concurrently
until the deadline (the request's arrival + ``tmax`` - ``RTB_SAFETY_MARGIN_MS``), and then the
auction is held per imp between our own campaigns' bid and the partners' bids at the zone's
floor: the highest bid wins and pays, by ``at``, its bid (first price) or the next bid, or
the floor, plus 0.01 (second price). A partner's winning bid goes back upstream with every
``${AUCTION_*}`` macro of its markup and notice URLs substituted; losing partners get their
``lurl`` with ``AUCTION_LOSS`` and ``AUCTION_MIN_TO_WIN``, fired in the background.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal

import msgspec.structs
from django.conf import settings

from apps.delivery.index import InventoryIndex
from apps.delivery.store import hot_store

from .auction import INCREMENT_MICROS, MICROS, OurBid, floor_micros
from .config import PartnerConfig, RtbConfig
from .inventory import mapped_zone
from .notices import LOSS_BELOW_FLOOR, LOSS_OUTBID, macros_substitute, price_text
from .openrtb import Bid, BidRequest, SeatBid, encoder, raw_decoder
from .partners import Outcome, fan_out
from .stats import count_ours, count_partner

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class SellOutcome:
    ours: list[OurBid]  # our bids that won (their clearing price set by the auction)
    partner_seatbids: list[SeatBid] = field(default_factory=list)


@dataclass(slots=True)
class Offer:
    """A bid in the unified auction, in platform micros (CPM)."""

    price_micros: int
    ours: OurBid | None = None
    partner: PartnerConfig | None = None
    bid: Bid | None = None
    seat: str = ""


def _schain(raw: dict, publisher_id: int, request_id: str) -> None:
    """Append our node to ``source.schain`` (2.6), or to ``source.ext.schain`` (2.5)."""
    node = {"asi": settings.RTB_SCHAIN_ASI, "sid": str(publisher_id), "hp": 1, "rid": request_id}
    source = raw.setdefault("source", {})
    if not isinstance(source, dict):
        source = raw["source"] = {}
    ext = source.get("ext") if isinstance(source.get("ext"), dict) else None
    chain = source.get("schain")
    if not isinstance(chain, dict) and ext is not None and isinstance(ext.get("schain"), dict):
        chain = ext["schain"]
    if not isinstance(chain, dict):
        # We are the first node: the chain is complete since we own the seller's account.
        chain = {"complete": 1, "ver": "1.0", "nodes": []}
    nodes = chain.get("nodes") if isinstance(chain.get("nodes"), list) else []
    chain["nodes"] = [*nodes, node]
    source["schain"] = chain


def _second() -> int:
    return int(time.time())


def _qps_allowed(partner: PartnerConfig) -> bool:
    second = _second()
    try:
        count = hot_store().incr(f"rtbqps:{partner.id}:{second}", 1, 3)
    except Exception:
        return True  # the store is down: do not let it stop selling
    return count <= partner.qps_cap


def _outgoing(
    raw: dict, partner: PartnerConfig, imps: list[tuple[dict, int]], *, tmax_ms: int, cfg, pub
) -> bytes | None:
    """The request as this partner gets it (None if a floor cannot be put in its currency)."""
    out = dict(raw)
    sent = []
    for imp, floor in imps:
        converted = cfg.from_platform(floor, partner.currency)
        if converted is None:
            return None
        copy = dict(imp)
        copy["bidfloor"] = math.ceil(converted / 100) / 10_000  # up to the next 0.0001
        copy["bidfloorcur"] = partner.currency
        sent.append(copy)
    out["imp"] = sent
    out["tmax"] = tmax_ms
    out["cur"] = [partner.currency]
    out["source"] = dict(out["source"]) if isinstance(out.get("source"), dict) else {}
    _schain(out, pub, str(raw.get("id")))
    return encoder.encode(out)


def _fire(url: str) -> None:
    """A notice to a partner, in the background (checked like the endpoint itself)."""
    from urllib.parse import urlsplit

    def send() -> None:
        from .partners import _Pinned, _PinnedTls, _target

        try:
            scheme, host, port, address = _target(url)
            kind = _PinnedTls if scheme == "https" else _Pinned
            conn = kind(host, port, address=address, timeout=settings.RTB_NOTICE_TIMEOUT_SECONDS)
            parts = urlsplit(url)
            conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
            conn.getresponse().read(1024)
            conn.close()
        except Exception:
            logger.info("Notice to %s failed", url.split("?", 1)[0], exc_info=True)

    threading.Thread(target=send, name="rtb-notice", daemon=True).start()


@dataclass(slots=True)
class Lot:
    """One imp of ours on offer: its zone, floor (platform micros) and our own best offer."""

    imp: dict  # the raw imp, as forwarded
    zone_id: int
    website_id: int
    publisher_id: int
    floor_micros: int
    ours: Offer | None = None


@dataclass(slots=True)
class Award:
    winner: Offer
    clear_micros: int
    # The winning partner bid with its macros filled (None when we won).
    bid: Bid | None = None


def unified_auction(
    raw: dict, lots: dict[str, Lot], *, cfg: RtbConfig, deadline: float, at: int
) -> dict[str, Award]:
    """Offer ``lots`` to the partners configured for them, until ``deadline``, and hold one
    auction per imp among their bids and ours; answers the award of each imp that has one."""
    tmax_ms = int((deadline - time.monotonic()) * 1000)
    auction_id = str(raw.get("id"))
    calls: list[tuple[PartnerConfig, bytes]] = []
    sent: dict[int, set[str]] = {}
    if tmax_ms > 0:
        for partner in cfg.partners:
            imps = [
                (lot.imp, lot.floor_micros)
                for lot in lots.values()
                if partner.offers(lot.zone_id, lot.website_id)
            ]
            if not imps:
                continue
            count_partner(partner.id, requests=1)
            if not _qps_allowed(partner):
                count_partner(partner.id, no_bids=1, reason=Outcome.QPS)
                continue
            pub = next(iter(lots.values())).publisher_id
            timeout = min(tmax_ms, partner.timeout_ms)
            body = _outgoing(raw, partner, imps, tmax_ms=timeout, cfg=cfg, pub=pub)
            if body is None:
                count_partner(partner.id, no_bids=1, reason="no_exchange_rate")
                continue
            calls.append((partner, body))
            sent[partner.id] = {str(imp.get("id")) for imp, _ in imps}
    results = fan_out(calls, deadline) if calls else []
    offers: dict[str, list[Offer]] = {imp_id: [] for imp_id in lots}
    for result in results:
        _collect(result, sent, lots, offers, cfg, auction_id)
    awards: dict[str, Award] = {}
    for imp_id, lot in lots.items():
        candidates = list(offers[imp_id])
        if lot.ours is not None:
            candidates.append(lot.ours)
        if not candidates:
            continue
        candidates.sort(key=lambda o: o.price_micros, reverse=True)
        winner = candidates[0]
        second = candidates[1].price_micros if len(candidates) > 1 else 0
        if at == 2:
            clear = min(winner.price_micros, max(second, lot.floor_micros) + INCREMENT_MICROS)
        else:
            clear = winner.price_micros
        for loser in candidates[1:]:
            if loser.partner is not None and loser.bid.lurl:
                _fire(
                    _notice(
                        loser.bid.lurl,
                        auction_id,
                        loser.bid,
                        loser.seat,
                        clear,
                        loser.partner.currency,
                        cfg,
                        loss=LOSS_OUTBID,
                        min_to_win=winner.price_micros + INCREMENT_MICROS,
                    )
                )
        award = Award(winner, clear)
        if winner.partner is not None:
            partner, bid = winner.partner, winner.bid
            count_partner(partner.id, wins=1, win_micros=clear)
            values = _macro_values(auction_id, bid, winner.seat, clear, partner.currency, cfg)
            award.bid = msgspec.structs.replace(
                bid,
                adm=macros_substitute(bid.adm, values) if bid.adm else None,
                nurl=macros_substitute(bid.nurl, values) if bid.nurl else None,
                burl=macros_substitute(bid.burl, values) if bid.burl else None,
                lurl=None,
            )
        awards[imp_id] = award
    return awards


def _collect(result, sent, lots, offers, cfg: RtbConfig, auction_id: str) -> None:
    """Count a partner's answer and keep its valid bids as offers."""
    partner = result.partner
    if result.response is None:
        count_partner(
            partner.id,
            reason=result.reason,
            latency_ms=result.latency_ms,
            timeouts=int(result.timeout),
            errors=int(result.error and not result.timeout),
            no_bids=int(not result.error),
        )
        return
    bids = rejected = 0
    response_cur = result.response.cur or partner.currency
    for seatbid in result.response.seatbid or ():
        seat = seatbid.seat or partner.seat
        for bid in seatbid.bid:
            if bid.impid not in sent[partner.id] or not bid.price or bid.price <= 0:
                count_partner(partner.id, reason="invalid_bid")
                rejected += 1
                continue
            micros = cfg.to_platform(int(Decimal(str(bid.price)) * MICROS), response_cur)
            if micros is None:
                count_partner(partner.id, reason="unknown_currency")
                rejected += 1
                continue
            floor = lots[bid.impid].floor_micros
            if micros < floor:
                count_partner(partner.id, reason="below_floor")
                rejected += 1
                if bid.lurl:
                    _fire(
                        _notice(
                            bid.lurl,
                            auction_id,
                            bid,
                            seat,
                            0,
                            response_cur,
                            cfg,
                            loss=LOSS_BELOW_FLOOR,
                            min_to_win=floor,
                        )
                    )
                continue
            bids += 1
            offers[bid.impid].append(Offer(micros, partner=partner, bid=bid, seat=seat))
    count_partner(
        partner.id,
        bids=bids,
        no_bids=int(not bids),
        latency_ms=result.latency_ms,
        reason=None if bids or rejected else Outcome.NO_BID,
    )


def sell(
    bid_request: BidRequest,
    ours: list[OurBid],
    *,
    raw_body: bytes,
    index: InventoryIndex,
    cfg: RtbConfig,
    deadline: float,
    currency: str,
) -> SellOutcome:
    """The sell side of an incoming request: its imps that are our zones go to the unified
    auction; answers our bids that won (their clearing price set) and the partners' winning
    bids, by seat, priced in ``currency``."""
    if not cfg.partners:
        return SellOutcome(ours=ours)
    holder, source = next(
        (getattr(bid_request, s), s) for s in ("site", "app", "dooh") if getattr(bid_request, s)
    )
    raw: dict | None = None
    ours_by_imp = {o.imp.id: o for o in ours}
    lots: dict[str, Lot] = {}
    for imp in bid_request.imp:
        _mapped, record, _slot = mapped_zone(index, cfg, source, holder.id, imp)
        if record is None or not record.active:
            continue
        if not any(p.offers(record.id, record.website_id) for p in cfg.partners):
            continue
        imp_floor = floor_micros(imp.bidfloor, imp.bidfloorcur, cfg)
        if imp_floor is None:
            continue
        if raw is None:
            raw = raw_decoder.decode(raw_body)
        raw_imp = next(i for i in raw["imp"] if isinstance(i, dict) and i.get("id") == imp.id)
        our = ours_by_imp.get(imp.id)
        lots[imp.id] = Lot(
            imp=raw_imp,
            zone_id=record.id,
            website_id=record.website_id,
            publisher_id=record.publisher_id,
            floor_micros=max(imp_floor, record.floor_micros),
            ours=Offer(our.price_micros, ours=our) if our is not None else None,
        )
    if not lots:
        return SellOutcome(ours=ours)
    awards = unified_auction(
        raw,
        lots,
        cfg=cfg,
        deadline=deadline - settings.RTB_SAFETY_MARGIN_MS / 1000,
        at=bid_request.at,
    )
    kept: list[OurBid] = [o for o in ours if o.imp.id not in lots]
    seatbids: dict[str, list[Bid]] = {}
    for imp_id in lots:
        award = awards.get(imp_id)
        our = ours_by_imp.get(imp_id)
        if award is None:
            continue
        if award.winner.ours is not None:
            kept.append(replace(our, clear_micros=award.clear_micros))
            continue
        if our is not None:  # we lost our own auction: a bid and a loss in the statistics
            c = our.candidate.campaign
            count_ours(
                campaign_id=c.id,
                advertiser_id=c.advertiser_id,
                zone_id=our.zone_id,
                bids=1,
                bid_micros=our.price_micros,
                losses=1,
            )
        in_currency = cfg.from_platform(award.winner.price_micros, currency)
        if in_currency is None:
            continue
        seatbids.setdefault(award.winner.seat, []).append(
            msgspec.structs.replace(award.bid, price=in_currency / MICROS)
        )
    return SellOutcome(
        ours=kept, partner_seatbids=[SeatBid(bid=b, seat=s) for s, b in seatbids.items()]
    )


def _macro_values(
    auction_id: str,
    bid: Bid,
    seat: str,
    clear_micros: int,
    partner_currency: str,
    cfg: RtbConfig,
    *,
    loss: int | None = None,
    min_to_win: int | None = None,
) -> dict[str, str]:
    """Every ``${AUCTION_*}`` macro's value for ``bid`` (prices in the partner's currency)."""
    price = cfg.from_platform(clear_micros, partner_currency) or 0
    mtw = cfg.from_platform(min_to_win, partner_currency) if min_to_win is not None else None
    return {
        "AUCTION_ID": auction_id,
        "AUCTION_BID_ID": bid.id,
        "AUCTION_IMP_ID": bid.impid,
        "AUCTION_SEAT_ID": seat,
        "AUCTION_AD_ID": bid.adid or "",
        "AUCTION_PRICE": price_text(price),
        "AUCTION_CURRENCY": partner_currency,
        "AUCTION_MIN_TO_WIN": price_text(mtw) if mtw is not None else "",
        "AUCTION_LOSS": str(loss) if loss is not None else "",
    }


def _notice(text: str, *args, **kwargs) -> str:
    return macros_substitute(text, _macro_values(*args, **kwargs))
