"""The sell side of our own tag's ad requests (``GET /api/v1/serve/{zone}``).

A banner or HTML zone that demand partners are configured for is offered to them as an
OpenRTB 2.6 request built from the serve request (the zone's size and floor, the website,
the device's User-Agent, a truncated IP and country, the consent signals as they came), for
``RTB_SERVE_TMAX_MS`` counted from the request's arrival. The unified auction (``sellside``)
compares their bids with the eCPM of the ad our engine chose, at the zone's floor. When a
partner wins, serve answers its markup as an ``html`` ad (the tag renders it in a sandboxed
iframe), its ``nurl`` is called at once, and its ``burl`` when the tag reports the impression
(``/openrtb/2.6/partner-impression``, once). Zones without partners pay only a dictionary
look-up for this.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

from apps.delivery.engine import Candidate, CompiledZone, RequestContext
from apps.delivery.http import base_url
from apps.delivery.store import hot_store

from .config import rtb_config
from .notices import fields_sign
from .sellside import Lot, Offer, _fire, unified_auction

TOKEN_VERSION = "p1"
DEVICE_TYPES = {"desktop": 2, "mobile": 4, "tablet": 5}
SIZED = ("banner", "html")


def _truncated_ip(ip: str) -> str | None:
    """The address with its host part zeroed (/24 for IPv4, /48 for IPv6), as we store it."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def _alpha3(country: str | None) -> str | None:
    if not country:
        return None
    import iso3166

    found = iso3166.countries_by_alpha2.get(country)
    return found.alpha3 if found else None


def _consent(request: HttpRequest) -> tuple[dict, str | None, bool]:
    """``regs`` as the request's consent parameters say, the TCF string, and whether a
    user key may be shared (not under GDPR without consent, nor after a US opt-out)."""
    params = request.GET
    regs: dict = {}
    gdpr = params.get("gdpr")
    if gdpr in ("0", "1"):
        regs["gdpr"] = int(gdpr)
    for name in ("us_privacy", "gpp"):
        value = params.get(name)
        if value and len(value) <= 2048:
            regs[name] = value
    sids = params.get("gpp_sid")
    if sids:
        with contextlib.suppress(ValueError):  # not a list of section ids: left out
            regs["gpp_sid"] = [int(s) for s in sids.split(",") if s.strip()][:32]
    consent = params.get("gdpr_consent") or None
    usp = regs.get("us_privacy", "")
    shareable = not (regs.get("gdpr") == 1 and not consent) and not (
        len(usp) >= 3 and usp[2].upper() == "Y"
    )
    if request.headers.get("Sec-GPC") == "1":
        shareable = False
    return regs, consent, shareable


def _bid_request(request: HttpRequest, zone: CompiledZone, ctx: RequestContext, cfg) -> dict:
    from apps.common.net import client_ip

    regs, consent, shareable = _consent(request)
    referer = request.headers.get("Referer", "")[:2048]
    site: dict = {
        "id": str(zone.website_id),
        "publisher": {"id": str(zone.publisher_id)},
    }
    if referer.startswith(("http://", "https://")):
        site["page"] = referer
        site["domain"] = urlsplit(referer).hostname or ""
    device: dict = {"ua": request.headers.get("User-Agent", "")[:512]}
    ip = _truncated_ip(client_ip(request))
    if ip:
        device["ip" if ":" not in ip else "ipv6"] = ip
    country = _alpha3(ctx.country)
    if country:
        device["geo"] = {"country": country}
    if ctx.device in DEVICE_TYPES:
        device["devicetype"] = DEVICE_TYPES[ctx.device]
    user: dict = {}
    if shareable and ctx.user_key:
        user["id"] = ctx.user_key
    if consent:
        user["consent"] = consent
    floor = zone.floor_micros
    imp = {
        "id": "1",
        "tagid": zone.uuid,
        "banner": {"w": zone.width, "h": zone.height},
        "bidfloor": floor / 1_000_000,
        "bidfloorcur": cfg.platform_currency,
        "secure": 1 if request.is_secure() else 0,
    }
    body = {
        "id": uuid.uuid4().hex,
        "at": settings.RTB_SERVE_AUCTION_TYPE,
        "tmax": settings.RTB_SERVE_TMAX_MS,
        "cur": [cfg.platform_currency],
        "imp": [imp],
        "site": site,
        "device": device,
        "source": {"fd": 1},
    }
    if user:
        body["user"] = user
    if regs:
        body["regs"] = regs
    return body


def zone_sell(
    request: HttpRequest,
    zone: CompiledZone,
    ctx: RequestContext,
    candidate: Candidate | None,
    *,
    arrived: float,
) -> dict | None:
    """The serve ``data`` of a partner's winning bid for the zone, or None (our decision
    stands: the zone has no partners, they did not bid, or our ad bid more)."""
    if zone.type not in SIZED or not zone.width or not zone.height or not zone.active:
        return None
    cfg = rtb_config()
    if not any(p.offers(zone.id, zone.website_id) for p in cfg.partners):
        return None
    raw = _bid_request(request, zone, ctx, cfg)
    ours = None
    if candidate is not None:
        price = cfg.to_platform(candidate.ecpm_micros, candidate.campaign.currency)
        if price is not None:
            ours = Offer(price, ours=candidate)
    lot = Lot(
        imp=raw["imp"][0],
        zone_id=zone.id,
        website_id=zone.website_id,
        publisher_id=zone.publisher_id,
        floor_micros=zone.floor_micros,
        ours=ours,
    )
    deadline = arrived + (settings.RTB_SERVE_TMAX_MS - settings.RTB_SAFETY_MARGIN_MS) / 1000
    award = unified_auction(
        raw, {"1": lot}, cfg=cfg, deadline=deadline, at=settings.RTB_SERVE_AUCTION_TYPE
    ).get("1")
    if award is None or award.winner.partner is None or not award.bid.adm:
        return None
    bid, partner = award.bid, award.winner.partner
    if bid.nurl:
        _fire(bid.nurl)
    auction_id = raw["id"]
    if bid.burl:
        hot_store().remember({burl_key(auction_id): bid.burl}, settings.RTB_NOTICE_TTL_SECONDS)
    token = fields_sign(
        TOKEN_VERSION,
        [auction_id, partner.id, zone.id, award.clear_micros, int(time.time())],
    )
    return {
        "impression_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"rtb-partner:{auction_id}")),
        "zone_uuid": zone.uuid,
        "token": None,
        "expires_at": None,
        "source": "partner",
        "ad": {
            "uuid": None,
            "type": "html",
            "width": zone.width,
            "height": zone.height,
            "headline": None,
            "body": None,
            "image_url": None,
            "html": bid.adm,
            "video_url": None,
            "vast_url": None,
            "click_url": None,
            "impression_url": f"{base_url(request)}/openrtb/2.6/partner-impression?t={token}",
            "viewable_url": None,
            "call_to_action": None,
            "sponsor": None,
        },
    }


def burl_key(auction_id: str) -> str:
    return f"rtbburl:{auction_id}"
