"""``GET /openrtb/2.6/win|billing|loss``: the notices of our bids.

- **billing** (``burl``, and the markup's own impression beacon): the impression and its
  spend, once, at the clearing price, through the tracking pipeline (``HotStore.record``:
  replay claim + counter charge + buffered ``TrackedEvent``). The price is the exchange's
  ``${AUCTION_PRICE}`` when it substituted one (never above our bid), else the clearing price
  our auction computed; ``test=1`` auctions bill nothing.
- **win** (``nurl``) and **loss** (``lurl``): counted once each in the win-rate statistics.

Substituted ids (``${AUCTION_ID}``, ``${AUCTION_BID_ID}``, ``${AUCTION_IMP_ID}``) must match the
signed token. Answers: the 1x1 GIF (billing: the markup loads it as an image) or an empty 200;
a bad token is a 400 in the OpenRTB error shape.
"""

from __future__ import annotations

import functools
import logging
import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.delivery.counters import charge_for
from apps.delivery.events import TrackedEvent
from apps.delivery.http import gif
from apps.delivery.index import campaign_rule
from apps.delivery.sink import embedded_drainer_start
from apps.delivery.store import RECORDED, Claim, hot_store, seen_key

from .auction import MICROS
from .config import rtb_config
from .notices import NoticeError, NoticeToken, notice_verify
from .openrtb import encoder
from .stats import count_ours
from .validation import CURRENCY, NBR_INVALID_REQUEST

logger = logging.getLogger(__name__)


def _unavailable(view):
    """A notice we cannot record now (the hot store is down) is a 503 the exchange may retry,
    never a 500; nothing was counted, so a retry counts once."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            return view(request)
        except Exception:
            logger.exception("OpenRTB notice %s failed", request.path_info)
            body = {
                "error": "The notice could not be recorded now; retry later.",
                "details": [],
                "nbr": 1,
            }
            response = HttpResponse(
                encoder.encode(body), status=503, content_type="application/json"
            )
            response["Retry-After"] = "5"
            return response

    return wrapper


def _refuse(reason: str) -> HttpResponse:
    body = {
        "error": f"Notice not counted: {reason}.",
        "details": [{"path": ["t"], "message": reason}],
        "nbr": NBR_INVALID_REQUEST,
    }
    return HttpResponse(encoder.encode(body), status=400, content_type="application/json")


def _substituted(value: str | None) -> str | None:
    """A macro's value, or None when the exchange left it (or it is absent)."""
    if value is None or "${" in value or value == "":
        return None
    return value


def _token(request: HttpRequest) -> NoticeToken:
    token = notice_verify(
        request.GET.get("t", ""),
        max_age_seconds=settings.RTB_NOTICE_TTL_SECONDS,
        now=time.time(),
    )
    for name, expected in (
        ("auction", token.auction_id),
        ("bid", token.bid_id),
        ("imp", token.imp_id),
    ):
        given = _substituted(request.GET.get(name))
        if given is not None and given != expected:
            raise NoticeError(f"{name}_mismatch")
    return token


def clearing_micros(request: HttpRequest, token: NoticeToken) -> int:
    """The clearing CPM in platform micros: ``${AUCTION_PRICE}`` (in ``${AUCTION_CURRENCY}``)
    when substituted, between the imp's floor and our bid (a price outside them is not one
    the auction could clear at: the billing URL travels in the markup, where anyone can
    read it); otherwise the price our auction computed."""
    price = _substituted(request.GET.get("price"))
    currency = _substituted(request.GET.get("cur")) or token.currency
    if price is None or not CURRENCY.match(currency):
        return token.clear_micros
    try:
        amount = Decimal(price)
    except InvalidOperation:
        return token.clear_micros
    if not amount.is_finite() or amount < 0 or amount > 1_000_000:
        return token.clear_micros
    platform = rtb_config().to_platform(int(amount * MICROS), currency)
    if platform is None:
        return token.clear_micros
    return min(max(platform, token.floor_micros), token.price_micros)


def _once(kind: str, token: NoticeToken) -> bool:
    name = f"rtb{kind}:{token.impression_uuid}"
    return hot_store().incr(name, 1, settings.RTB_NOTICE_TTL_SECONDS + 3600) == 1


def _stats(token: NoticeToken, **amounts) -> None:
    count_ours(
        campaign_id=token.campaign_id,
        advertiser_id=token.advertiser_id,
        zone_id=token.zone_id,
        at=token.issued_at,
        **amounts,
    )


def bill(token: NoticeToken, clear: int) -> bool:
    """Record the impression and its spend once; answers whether this call recorded it."""
    rule = campaign_rule(token.campaign_id)
    if rule is None:
        return False
    in_own = rtb_config().from_platform(clear, rule.currency)
    cost = (in_own if in_own is not None else clear) // 1000  # one impression of a CPM
    now = time.time()
    event = TrackedEvent(
        kind="impression",
        uuid=token.impression_uuid,
        at=now,
        impression_uuid=token.impression_uuid,
        zone_id=token.zone_id,
        ad_id=token.ad_id,
        campaign_id=token.campaign_id,
        advertiser_id=token.advertiser_id,
        publisher_id=token.publisher_id,
        cost_micros=cost,
        user_key=token.user_key,
        country=token.country,
        region=token.region,
        device=token.device,
        channel="rtb",
        auction_id=token.auction_id[:64],
    )
    result = hot_store().record(
        event,
        claim=Claim(seen_key(event.uuid), settings.RTB_NOTICE_TTL_SECONDS + 3600),
        charge=charge_for(rule, spend_micros=cost, at=now, user_key=token.user_key or None),
    )
    if result.status != RECORDED:
        return False
    embedded_drainer_start()
    _stats(token, billed=1, billed_micros=clear)
    return True


@csrf_exempt
@_unavailable
def billing(request: HttpRequest) -> HttpResponse:
    try:
        token = _token(request)
    except NoticeError as exc:
        return _refuse(exc.reason)
    if not token.test:
        bill(token, clearing_micros(request, token))
    return gif()


@csrf_exempt
@_unavailable
def win(request: HttpRequest) -> HttpResponse:
    try:
        token = _token(request)
    except NoticeError as exc:
        return _refuse(exc.reason)
    if _once("win", token):
        _stats(token, wins=1, win_micros=clearing_micros(request, token))
    return HttpResponse(status=200, content_type="text/plain")


@csrf_exempt
@_unavailable
def loss(request: HttpRequest) -> HttpResponse:
    try:
        token = _token(request)
    except NoticeError as exc:
        return _refuse(exc.reason)
    if _once("loss", token):
        _stats(token, losses=1)
    return HttpResponse(status=200, content_type="text/plain")


@csrf_exempt
@_unavailable
def partner_impression(request: HttpRequest) -> HttpResponse:
    """Our tag rendered a partner's winning markup: call its ``burl`` once."""
    from .notices import fields_verify
    from .sellside import _fire
    from .stats import count_partner
    from .tagside import TOKEN_VERSION, burl_key

    try:
        auction_id, partner_id, _zone_id, _clear, issued_at = fields_verify(
            request.GET.get("t", ""), TOKEN_VERSION
        )
    except (NoticeError, ValueError):
        return _refuse("malformed_token")
    if time.time() - issued_at > settings.RTB_NOTICE_TTL_SECONDS:
        return _refuse("expired_token")
    name = f"rtbpimp:{auction_id}"
    if hot_store().incr(name, 1, settings.RTB_NOTICE_TTL_SECONDS + 3600) == 1:
        count_partner(partner_id, impressions=1)
        burl = hot_store().recall(burl_key(auction_id))
        if burl:
            _fire(burl)
    return gif()
