"""The public serve endpoints: plain Django views on the hot path (no DRF, no ORM when warm).

``GET /api/v1/serve/{zone_uuid}`` answers the decision as JSON for the async tag;
``…/iframe`` renders it as a sandboxed HTML document, ``…/image`` and ``…/click`` are the
no-script pair, and ``…/vast`` answers VAST 4.2 for video players.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

from apps.common.cache import PooledRedisCacheClient
from apps.common.errors import error_body
from apps.common.net import client_ip
from apps.common.ratelimit import rate_hit, rate_record, rate_window, ratelimit_headers
from apps.common.redis_oneway import oneway_send
from apps.common.tallies import entries_get, entries_set_many, tallies_enabled

from .context import MAX_UA_LENGTH, build_context
from .counters import CacheCounters, counters_record_request
from .engine import Candidate, CompiledZone, RequestContext, decide
from .index import InventoryIndex, current_index
from .tokens import ServeToken, TokenError, token_sign, token_verify, ua_hash
from .vast import QUARTILE_EVENTS, VastCreative, vast_error, vast_inline

TOKEN_TTL_SECONDS = 24 * 3600
NOSCRIPT_TTL_SECONDS = 15 * 60
_counters = CacheCounters()


def served_key(impression_uuid: str) -> str:
    return f"served:{impression_uuid}"


def last_served_key(zone_uuid: str, ad_uuid: str, user_key: str) -> str:
    return f"lastserved:{zone_uuid}:{ad_uuid}:{user_key}"


# --- Responses --------------------------------------------------------------------------


def _json(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    return _public(response)


def _public(response: HttpResponse, *, echo_origin: str | None = None) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    if echo_origin:
        # Video players (IMA and friends) fetch VAST with credentials: echo the origin.
        response["Access-Control-Allow-Origin"] = echo_origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    else:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str, code: str, headers: dict | None = None) -> HttpResponse:
    response = _json(error_body(status, message, code=code), status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _preflight() -> HttpResponse:
    response = _public(HttpResponse(status=204))
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _rate_limited(request: HttpRequest) -> HttpResponse | None:
    usage = rate_hit(
        request, group="public", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC
    )
    if usage is None or not usage.exceeded:
        return None
    return _error(
        429,
        "Rate limit exceeded. Retry later.",
        "rate_limited",
        {"Retry-After": str(usage.reset_in), **ratelimit_headers(usage)},
    )


def _raw_redis():
    """The Redis client behind the cache, when it is ours (see apps/common/cache.py)."""
    backend = getattr(cache, "_cache", None)
    return backend.get_client(write=True) if isinstance(backend, PooledRedisCacheClient) else None


def _count_and_remember(
    request: HttpRequest, served: dict, *, counted: CacheCounters | None = None
) -> HttpResponse | None:
    """Count the request against the public limit and store ``served``.

    The limit is checked after the decision so the increment can share a round trip with
    the decision's counter read (``counted``, when that read happened) or with the writes;
    a request over the limit is answered 429 and its decision dropped. With Redis, what is
    remembered is sent without waiting for a reply (``oneway_send``).
    """
    if counted is not None and counted.rate_window is not None:
        window = counted.rate_window  # the window the pipelined INCR counted in
    else:
        window = rate_window(group="public", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    client = _raw_redis()
    if client is None:
        limited = _rate_limited(request)
        if limited is None and served:
            served_remember(served)
        return limited
    count = counted.rate_count if counted is not None else None
    if window is not None and count is None:
        rl_key = cache.make_key(window.cache_key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(rl_key)
        pipe.expire(rl_key, window.period + 5, nx=True)
        count = int(pipe.execute()[0])
    if window is not None:
        usage = rate_record(request, window, count)
        if usage.exceeded:
            return _error(
                429,
                "Rate limit exceeded. Retry later.",
                "rate_limited",
                {"Retry-After": str(usage.reset_in), **ratelimit_headers(usage)},
            )
    _remember(client, served)
    return None


def served_remember(served: dict) -> None:
    """Without Redis: in the shared table of the embedded default, or the cache (tests)."""
    if tallies_enabled():
        entries_set_many(served, settings.SERVED_MEMORY_SECONDS)
    else:
        cache.set_many(served, timeout=settings.SERVED_MEMORY_SECONDS)


def served_recall(key: str) -> str | None:
    return entries_get(key) if tallies_enabled() else cache.get(key)


def _remember(client, served: dict) -> None:
    if not served:
        return
    dumps = cache._cache._serializer.dumps
    ttl = str(settings.SERVED_MEMORY_SECONDS)
    commands = [("SET", cache.make_key(k), dumps(v), "EX", ttl) for k, v in served.items()]
    if not oneway_send(client, commands):
        cache.set_many(served, timeout=settings.SERVED_MEMORY_SECONDS)


def _request_counters(request: HttpRequest) -> CacheCounters:
    """The counter reader of one request: with Redis, it also counts the rate limit."""
    client = _raw_redis()
    if client is None:
        return _counters
    window = rate_window(group="public", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    if window is None:
        return CacheCounters(redis=client)
    counters = CacheCounters(
        redis=client, rate_key=cache.make_key(window.cache_key), rate_ttl=window.period + 5
    )
    counters.rate_window = window
    return counters


def _limited_or(request: HttpRequest, served: dict, answer) -> HttpResponse:
    limited = _count_and_remember(request, served)
    return limited if limited is not None else answer()


def _base_url(request: HttpRequest) -> str:
    """Links point back at the host the request came to (the tag's own server)."""
    return f"{request.scheme}://{request.get_host()}"


# --- Decisions --------------------------------------------------------------------------


def _zone_or_none(zone_uuid: str) -> tuple[InventoryIndex, CompiledZone | None]:
    index = current_index()
    try:
        key = str(uuid.UUID(zone_uuid))
    except ValueError:
        return index, None
    return index, index.zone(key)


def _rng(request: HttpRequest) -> random.Random | None:
    """``seed`` makes the weighted tie-break reproducible (tests, debugging)."""
    seed = request.GET.get("seed")
    return random.Random(seed) if seed and len(seed) <= 40 else None  # noqa: S311


def _token_for(
    candidate: Candidate, zone: CompiledZone, ctx: RequestContext, ua: str
) -> ServeToken:
    return ServeToken(
        impression_uuid=str(uuid.uuid4()),
        zone_id=zone.id,
        ad_id=candidate.ad_id,
        campaign_id=candidate.campaign.id,
        advertiser_id=candidate.campaign.advertiser_id,
        publisher_id=zone.publisher_id,
        pricing_model=candidate.campaign.pricing_model,
        bid_micros=candidate.campaign.bid_micros,
        user_key=ctx.user_key,
        ua_hash=ua_hash(ua),
        issued_at=int(time.time()),
    )


def tracking_urls(base: str, signed: str) -> dict[str, str]:
    track = f"{base}/api/v1/track"
    return {
        "impression_url": f"{track}/impression/pixel?t={signed}",
        "click_url": f"{track}/click?t={signed}",
        "viewable_url": f"{track}/viewable?t={signed}",
    }


def _ad_body(request, zone: CompiledZone, candidate: Candidate, ctx, ua: str) -> dict:
    token = _token_for(candidate, zone, ctx, ua)
    signed = token_sign(token)
    base = _base_url(request)
    ad = dict(candidate.creative)
    ad.update(tracking_urls(base, signed))
    ad["vast_url"] = (
        f"{base}/api/v1/serve/{zone.uuid}/vast?t={signed}" if ad["type"] == "video" else None
    )
    expires = datetime.fromtimestamp(token.issued_at + TOKEN_TTL_SECONDS, tz=UTC)
    return {
        "impression_uuid": token.impression_uuid,
        "zone_uuid": zone.uuid,
        "token": signed,
        "expires_at": expires.isoformat().replace("+00:00", "Z"),
        "ad": ad,
    }


def _may_debug(request: HttpRequest, zone: CompiledZone) -> bool:
    """``debug=1`` is for the zone's owner and admins (session or Bearer credentials)."""
    from rest_framework.exceptions import AuthenticationFailed

    from apps.accounts.authentication import BearerAuthentication
    from apps.accounts.models import Role

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        try:
            result = BearerAuthentication().authenticate(request)
        except AuthenticationFailed:
            return False
        user = result[0] if result else None
    if user is None or not user.is_authenticated:
        return False
    return user.role == Role.ADMIN or user.pk == zone.owner_user_id


def _explain_body(decision, ctx: RequestContext) -> dict:
    return {
        "context": {
            "country": ctx.country,
            "region": ctx.region,
            "device": ctx.device,
            "browser": ctx.browser,
            "os": ctx.os,
            "is_bot": ctx.is_bot,
            "user_key": ctx.user_key,
            "time": ctx.now.isoformat(),
        },
        "candidates": [
            {
                "ad_id": ad_id,
                "ad_uuid": ad_uuid,
                "campaign_id": campaign_id,
                "eligible": reason is None,
                "reason": reason or "selected",
            }
            for ad_id, ad_uuid, campaign_id, reason in decision.explanation
        ],
    }


# --- Views ------------------------------------------------------------------------------


@csrf_exempt
def serve(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "HEAD"):
        return _error(405, "Method not allowed.", "method_not_allowed", {"Allow": "GET, OPTIONS"})
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _limited_or(request, {}, lambda: _error(404, "Zone not found.", "not_found"))
    ctx = build_context(request)
    explain = request.GET.get("debug") == "1" and _may_debug(request, zone)
    counters = _request_counters(request)
    decision = decide(zone, ctx, counters, rng=_rng(request), explain=explain)
    if not ctx.is_bot:
        counters_record_request(zone_id=zone.id, filled=decision.filled, now=ctx.now)
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    data = _ad_body(request, zone, decision.candidate, ctx, ua) if decision.candidate else None
    served = {}
    if data is not None:
        # Seed 001's tracking forms carry no token: they name the impression, or the zone and
        # ad served to this user. Remember the token by impression, and the impression by
        # (zone, ad, user), for SERVED_MEMORY_SECONDS.
        served = {
            served_key(data["impression_uuid"]): data["token"],
            last_served_key(zone.uuid, data["ad"]["uuid"], ctx.user_key): data["impression_uuid"],
        }
    limited = _count_and_remember(request, served, counted=counters)
    if limited is not None:
        return limited
    body: dict = {"success": True, "data": data}
    if explain:
        body["debug"] = _explain_body(decision, ctx)
    return _json(body)


def _noscript_key(zone: CompiledZone, ctx: RequestContext) -> str:
    return f"noscript:{zone.id}:{ctx.user_key}"


@csrf_exempt
def serve_iframe(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _public(HttpResponse("Zone not found.", status=404, content_type="text/plain"))
    ctx = build_context(request)
    decision = decide(zone, ctx, _counters, rng=_rng(request))
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    data = _ad_body(request, zone, decision.candidate, ctx, ua) if decision.candidate else None
    html = render_to_string("delivery/iframe.html", {"data": data, "zone": zone})
    response = _public(HttpResponse(html, content_type="text/html; charset=utf-8"))
    # Even opened directly, the document runs in an opaque origin: creatives cannot reach
    # this server's cookies or pages.
    response["Content-Security-Policy"] = (
        "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox"
    )
    response["X-Frame-Options"] = "ALLOWALL"
    response.xframe_options_exempt = True
    return response


@csrf_exempt
def serve_image(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """No-script banner: redirect to the chosen image; ``…/click`` remembers what was shown."""
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _public(HttpResponse("Zone not found.", status=404, content_type="text/plain"))
    ctx = build_context(request)
    decision = decide(zone, ctx, _counters, rng=_rng(request))
    image = decision.candidate.creative.get("image_url") if decision.candidate else None
    if not image:
        return _public(HttpResponseRedirect(f"{_base_url(request)}/static/delivery/blank.gif"))
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    signed = token_sign(_token_for(decision.candidate, zone, ctx, ua))
    cache.set(_noscript_key(zone, ctx), signed, timeout=NOSCRIPT_TTL_SECONDS)
    return _public(HttpResponseRedirect(image))


@csrf_exempt
def serve_click(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """No-script click: follow the ad this user was shown in the zone, through tracking."""
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _public(HttpResponse("Zone not found.", status=404, content_type="text/plain"))
    ctx = build_context(request)
    signed = cache.get(_noscript_key(zone, ctx))
    if signed is None:
        decision = decide(zone, ctx, _counters, rng=_rng(request))
        if decision.candidate is None:
            return _public(HttpResponse("No ad.", status=404, content_type="text/plain"))
        ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
        signed = token_sign(_token_for(decision.candidate, zone, ctx, ua))
    return _public(HttpResponseRedirect(tracking_urls(_base_url(request), signed)["click_url"]))


def _vast(body: bytes, request: HttpRequest, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")
    response.api_envelope_exempt = True  # players expect VAST, even for an unknown zone
    return _public(response, echo_origin=request.headers.get("Origin"))


@csrf_exempt
def serve_vast(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """VAST 4.2 for a video zone: the ad of a served token (``t``) or a fresh decision."""
    if request.method == "OPTIONS":
        return _preflight()
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    index, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _vast(vast_error("Unknown zone", code=303), request, status=404)
    if zone.type != "video":
        return _vast(vast_error("Not a video zone", code=200), request)
    base = _base_url(request)
    raw = request.GET.get("t")
    if raw:
        try:
            token = token_verify(raw, max_age_seconds=TOKEN_TTL_SECONDS)
        except TokenError:
            return _vast(vast_error("Invalid or expired ad token", code=900), request)
        signed = raw
    else:
        ctx = build_context(request)
        decision = decide(zone, ctx, _counters, rng=_rng(request))
        if decision.candidate is None:
            return _vast(vast_error(), request)
        ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
        token = _token_for(decision.candidate, zone, ctx, ua)
        signed = token_sign(token)
    record = index.ads_by_id.get(token.ad_id)
    if record is None or record.video is None or token.zone_id != zone.id:
        return _vast(vast_error("Ad no longer available", code=403), request)
    urls = tracking_urls(base, signed)
    video = record.video
    creative = VastCreative(
        ad_uuid=record.ad_uuid,
        impression_uuid=token.impression_uuid,
        title=video["title"],
        advertiser=video["advertiser"],
        duration_seconds=video["duration"],
        media_url=video["url"],
        media_type=video["mime"],
        width=record.width or zone.width or 640,
        height=record.height or zone.height or 360,
        click_through=urls["click_url"],
        impression_url=urls["impression_url"],
        error_url=f"{base}/api/v1/track/video?t={signed}&event=error&code=[ERRORCODE]",
        tracking_urls={
            event: f"{base}/api/v1/track/video?t={signed}&event={event}"
            for event in QUARTILE_EVENTS
        },
    )
    return _vast(vast_inline(creative, ad_system=settings.VAST_AD_SYSTEM), request)
