"""``POST /openrtb/2.6/bid`` and the win, billing and loss notices (plain Django views on the
hot-path lane: no session, authentication or CSRF middleware).

The bid endpoint never answers 500: a request it cannot parse is a 400 in the OpenRTB error
shape, anything that goes wrong after that is logged and answered as no bid (204), and so is
a request whose ``tmax`` has already passed.
"""

from __future__ import annotations

import logging
import time
import uuid
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.delivery.counters import StoreCounters
from apps.delivery.http import base_url
from apps.delivery.index import current_index
from apps.delivery.tokens import ServeToken, token_sign, ua_hash

from . import sellside
from .auction import Blocks, NoBid, OurBid, imp_bid
from .config import RtbConfig, rtb_config
from .context import rtb_context
from .inventory import ad_facts
from .markup import banner_markup, native_markup, video_markup
from .notices import NoticeToken, impression_uuid, notice_sign, notice_urls
from .openrtb import (
    MTYPE_BANNER,
    MTYPE_NATIVE,
    MTYPE_VIDEO,
    Bid,
    BidRequest,
    BidResponse,
    SeatBid,
    encoder,
)
from .stats import count_ours
from .validation import NBR_INVALID_REQUEST, InvalidRequestError, request_parse

logger = logging.getLogger(__name__)
VERSION_HEADER = "x-openrtb-version"
MEDIA_TYPES = {"banner": MTYPE_BANNER, "video": MTYPE_VIDEO, "native": MTYPE_NATIVE}


# --- Answers ---------------------------------------------------------------------------------


def _version(request: HttpRequest) -> str:
    given = request.headers.get(VERSION_HEADER, "")
    return given[:16] if given else "2.6"


def _answer(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response[VERSION_HEADER] = _version(request)
    response["Cache-Control"] = "no-store"
    return response


def _no_bid(request: HttpRequest, reason: int | None = None) -> HttpResponse:
    response = HttpResponse(status=204)
    if reason is not None:
        response["X-OpenRTB-NBR"] = str(reason)
    return _answer(request, response)


def _error(request: HttpRequest, status: int, message: str, path=None) -> HttpResponse:
    error = InvalidRequestError()
    error.add(path or [], message)
    return _json(request, error.body(), status)


def _json(request: HttpRequest, body, status: int = 200) -> HttpResponse:
    data = encoder.encode(body)
    return _answer(request, HttpResponse(data, status=status, content_type="application/json"))


# --- The body --------------------------------------------------------------------------------


class BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _body(request: HttpRequest) -> bytes:
    limit = settings.RTB_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BodyError(400, "Invalid Content-Length header.") from None
    if declared > limit:
        raise BodyError(413, f"The request body exceeds {limit} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BodyError(413, f"The request body exceeds {limit} bytes.") from None
    if len(raw) > limit:
        raise BodyError(413, f"The request body exceeds {limit} bytes.")
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BodyError(415, f"Unsupported Content-Encoding {encoding!r}; use gzip.")
    # Bounded: a small compressed body may not expand past the limit (no zip bombs).
    wbits = zlib.MAX_WBITS | 16 if "gzip" in encoding else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise BodyError(400, "The body is not valid gzip data.") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise BodyError(413, f"The decompressed request body exceeds {limit} bytes.")
    return data


# --- The bid endpoint --------------------------------------------------------------------------


@csrf_exempt
def bid(request: HttpRequest) -> HttpResponse:
    arrived = time.monotonic()
    if request.method != "POST":
        response = _error(request, 405, "Method not allowed: POST an OpenRTB 2.6 bid request.")
        response["Allow"] = "POST"
        return response
    try:
        body = _body(request)
    except BodyError as exc:
        return _error(request, exc.status, exc.message)
    try:
        bid_request = request_parse(body)
    except InvalidRequestError as exc:
        return _json(request, exc.body(), 400)
    try:
        return _auction(request, bid_request, body, arrived)
    except Exception:
        logger.exception("Bid request %s failed; answering no bid", bid_request.id)
        return _no_bid(request, 1)


bid.checks_own_body = True  # the lane leaves the body limit to the view (its own error shape)


def _currency(bid_request: BidRequest, cfg: RtbConfig) -> str | None:
    """The response's currency: the platform's if the request allows it, else the first
    allowed one we have a rate for (the spec's default is USD)."""
    allowed = bid_request.cur or ["USD"]
    if cfg.platform_currency in allowed:
        return cfg.platform_currency
    return next((code for code in allowed if cfg.rate(code) is not None), None)


def _deadline(bid_request: BidRequest, arrived: float) -> float:
    tmax = bid_request.tmax or settings.RTB_DEFAULT_TMAX_MS
    return arrived + tmax / 1000


def _auction(
    request: HttpRequest, bid_request: BidRequest, body: bytes, arrived: float
) -> HttpResponse:
    deadline = _deadline(bid_request, arrived)
    cfg = rtb_config()
    index = current_index()
    now = datetime.now(UTC)
    ctx, ua = rtb_context(bid_request, now=now)
    if ctx.is_bot:
        return _no_bid(request, 3)  # known web spider
    seat = settings.RTB_SEAT
    if (bid_request.wseat and seat not in bid_request.wseat) or (
        bid_request.bseat and seat in bid_request.bseat
    ):
        return _no_bid(request, 0)
    currency = _currency(bid_request, cfg)
    if currency is None:
        return _no_bid(request, 0)
    blocks = Blocks.of(bid_request)
    counters = StoreCounters()
    ours: list[OurBid] = []
    for imp in bid_request.imp:
        found = imp_bid(
            bid_request, imp, index=index, cfg=cfg, ctx=ctx, counters=counters, blocks=blocks
        )
        if isinstance(found, OurBid):
            ours.append(found)
    # Our publishers' zones are also offered to outside demand (sell side), within tmax.
    outcome = sellside.sell(
        bid_request,
        ours,
        raw_body=body,
        index=index,
        cfg=cfg,
        deadline=deadline,
        currency=currency,
    )
    base = base_url(request)
    bids = []
    for winner in outcome.ours:
        built = _our_bid(winner, bid_request, cfg, ctx, ua, currency, base, index)
        if built is not None:
            bids.append(built)
    seatbids = [SeatBid(bid=bids, seat=seat)] if bids else []
    seatbids += outcome.partner_seatbids
    if not seatbids:
        return _no_bid(request, None)
    response = BidResponse(
        id=bid_request.id, seatbid=seatbids, bidid=uuid.uuid4().hex, cur=currency
    )
    answer = _json(request, response)
    if time.monotonic() >= deadline:
        return _no_bid(request, 1)  # too late: the exchange has stopped listening
    return answer


def _our_bid(
    ours: OurBid,
    bid_request: BidRequest,
    cfg: RtbConfig,
    ctx,
    ua: str,
    currency: str,
    base: str,
    index,
) -> Bid | None:
    candidate = ours.candidate
    campaign = candidate.campaign
    record = index.ads_by_id.get(candidate.ad_id)
    if record is None:
        return None
    price = cfg.from_platform(ours.price_micros, currency)
    floor = cfg.from_platform(ours.floor_micros, currency)
    if price is None or floor is None:
        return None
    price = max(price, floor)
    bid_id = uuid.uuid4().hex
    now = int(time.time())
    token = NoticeToken(
        auction_id=bid_request.id,
        bid_id=bid_id,
        imp_id=ours.imp.id,
        seat=settings.RTB_SEAT,
        zone_id=ours.zone_id,
        ad_id=candidate.ad_id,
        ad_uuid=candidate.ad_uuid,
        campaign_id=campaign.id,
        advertiser_id=campaign.advertiser_id,
        publisher_id=ours.publisher_id,
        price_micros=ours.price_micros,
        clear_micros=ours.clear_micros,
        currency=currency,
        user_key=ctx.user_key,
        issued_at=now,
        country=ctx.country or "",
        region=ctx.region or "",
        device=ctx.device or "",
        test=bid_request.test,
        floor_micros=ours.floor_micros,
    )
    urls = notice_urls(base, notice_sign(token))
    serve_token = token_sign(
        ServeToken(
            impression_uuid=impression_uuid(bid_request.id, bid_id, ours.imp.id),
            zone_id=ours.zone_id,
            ad_id=candidate.ad_id,
            campaign_id=campaign.id,
            advertiser_id=campaign.advertiser_id,
            publisher_id=ours.publisher_id,
            pricing_model=campaign.pricing_model,
            bid_micros=campaign.bid_micros,
            user_key=ctx.user_key,
            ua_hash=ua_hash(ua),
            issued_at=now,
            country=ctx.country or "",
            region=ctx.region or "",
            device=ctx.device or "",
        )
    )
    click_url = f"{base}/api/v1/track/click?t={serve_token}"
    media = ours.slot.media
    w = h = None
    if media == "banner":
        w, h = ours.slot.key[1], ours.slot.key[2]
        adm = banner_markup(record, click_url=click_url, billing_url=urls["burl"], w=w, h=h)
    elif media == "video":
        video = ours.imp.video
        w, h = (video.w, video.h) if video is not None else (None, None)
        adm = video_markup(
            record,
            impression_uuid=token.impression_uuid,
            click_url=click_url,
            billing_url=urls["burl"],
            tracking_base=f"{base}/api/v1/track/video?t={serve_token}",
            w=w,
            h=h,
        )
    else:
        adm = native_markup(
            record,
            request_text=ours.imp.native.request,
            click_url=click_url,
            billing_url=urls["burl"],
        )
    if adm is None:
        return None
    facts = ad_facts(record)
    count_ours(
        campaign_id=campaign.id,
        advertiser_id=campaign.advertiser_id,
        zone_id=ours.zone_id,
        bids=1,
        bid_micros=ours.price_micros,
    )
    return Bid(
        id=bid_id,
        impid=ours.imp.id,
        price=price / 1_000_000,
        nurl=urls["nurl"],
        burl=urls["burl"],
        lurl=urls["lurl"],
        adm=adm,
        adid=candidate.ad_uuid,
        adomain=[facts.adomain] if facts.adomain else None,
        bundle=facts.bundle,
        cid=str(campaign.id),
        crid=candidate.ad_uuid,
        cat=list(facts.cats) or None,
        w=w,
        h=h,
        mtype=MEDIA_TYPES[media],
    )


__all__ = ["NBR_INVALID_REQUEST", "NoBid", "bid"]
