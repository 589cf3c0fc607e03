"""The public serve endpoints: plain Django views on the hot path (no DRF, no ORM when warm).

``GET /api/v1/serve/{zone_uuid}`` answers the decision as JSON for the async tag;
``…/iframe`` renders it as a sandboxed HTML document, ``…/image`` and ``…/click`` are the
no-script pair, and ``…/vast`` answers VAST 4.2 for video players.
"""

from __future__ import annotations

import functools
import logging
import random
import time
import uuid
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

from apps.audiences.consent.serving import (
    after_serve,
    credentialed_cors,
    serving_consent,
    token_flags,
)
from apps.common.metrics import DECISIONS
from apps.common.net import client_ip
from apps.common.ratelimit import RateWindow, rate_record, rate_window, ratelimit_headers

from .context import MAX_UA_LENGTH, build_context
from .counters import StoreCounters, counters_record_request
from .engine import Candidate, CompiledZone, RequestContext, decide
from .http import base_url, error_response, json_response, plain, preflight, public
from .index import InventoryIndex, current_index, zone_lookup
from .store import StoreUnavailableError, hot_store
from .tokens import (
    TOKEN_TTL_SECONDS,
    ServeToken,
    TokenError,
    last_served_key,
    served_key,
    token_sign,
    token_verify,
    ua_hash,
)
from .vast import QUARTILE_EVENTS, VastCreative, vast_error, vast_inline

NOSCRIPT_TTL_SECONDS = 15 * 60
logger = logging.getLogger(__name__)


# --- Rate limit ---------------------------------------------------------------------------


def _window(request: HttpRequest) -> RateWindow | None:
    return rate_window(group="public", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)


def _over_limit(
    request: HttpRequest, window: RateWindow | None, count: int | None = None
) -> HttpResponse | None:
    """Count the request in ``window`` unless ``count`` says it already was; the 429 if over."""
    if window is None:
        return None
    if count is None:
        try:
            count = hot_store().rate_hit(window)
        except StoreUnavailableError:
            return None  # the limit cannot be counted: let the request through

    usage = rate_record(request, window, count)
    if not usage.exceeded:
        return None
    return error_response(
        429,
        "Rate limit exceeded. Retry later.",
        "rate_limited",
        {"Retry-After": str(usage.reset_in), **ratelimit_headers(usage)},
    )


def _rate_limited(request: HttpRequest) -> HttpResponse | None:
    return _over_limit(request, _window(request))


# --- Decisions --------------------------------------------------------------------------


_outcomes: dict[str | None, object] = {}


def _count_decision(decision) -> None:
    outcome = decision.no_fill if decision.candidate is None else "filled"
    counter = _outcomes.get(outcome)
    if counter is None:
        counter = _outcomes[outcome] = DECISIONS.labels(outcome or "explained")
    counter.inc()


def _decide(zone, ctx, counters, request, *, explain: bool = False):
    decision = decide(zone, ctx, counters, rng=_rng(request), explain=explain)
    _count_decision(decision)
    return decision


class ServingUnavailableError(Exception):
    """No index could be built (a process starting while its database is unreachable)."""


def _zone_or_none(zone_uuid: str) -> tuple[InventoryIndex, CompiledZone | None]:
    try:
        key = str(uuid.UUID(zone_uuid))
    except ValueError:
        key = None
    try:
        return (current_index(), None) if key is None else zone_lookup(key)
    except (StoreUnavailableError, DatabaseError) as exc:
        logger.error("No serving index: %s", exc)
        raise ServingUnavailableError from exc


def unfilled_when_unavailable(no_fill):
    """Without an index the view answers as if nothing filled (``no_fill(request)``)."""

    def wrap(view):
        @functools.wraps(view)
        def guarded_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ServingUnavailableError:
                return no_fill(request)

        return guarded_view

    return wrap


def _rng(request: HttpRequest) -> random.Random | None:
    """``seed`` makes the weighted tie-break reproducible (tests, debugging)."""
    seed = request.GET.get("seed")
    return random.Random(seed) if seed and len(seed) <= 40 else None  # noqa: S311


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]


def _token_for(
    candidate: Candidate, zone: CompiledZone, ctx: RequestContext, ua: str, consent: int = 3
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
        country=ctx.country or "",
        region=ctx.region or "",
        device=ctx.device or "",
        consent=consent,
    )


def _consented_context(request: HttpRequest, zone: CompiledZone):
    """The request's context as the visitor's consent allows (apps/audiences), with the
    signals and the decision, and the consent flags its tokens carry."""
    ctx, signals, consent = serving_consent(request, zone, build_context(request))
    return ctx, signals, consent, token_flags(consent)


def _after_serve(request, response, zone: CompiledZone, ctx, signals, consent) -> None:
    after_serve(
        request,
        response,
        source="serve",
        signals=signals,
        decision=consent,
        user_key=ctx.user_key,
        website_id=zone.website_id,
        country=ctx.country,
        is_bot=ctx.is_bot,
    )


def tracking_urls(base: str, signed: str) -> dict[str, str]:
    track = f"{base}/api/v1/track"
    return {
        "impression_url": f"{track}/impression/pixel?t={signed}",
        "click_url": f"{track}/click?t={signed}",
        "viewable_url": f"{track}/viewable?t={signed}",
    }


def _ad_body(
    request, zone: CompiledZone, candidate: Candidate, ctx, ua: str, consent: int = 3
) -> dict:
    token = _token_for(candidate, zone, ctx, ua, consent)
    signed = token_sign(token)
    base = base_url(request)
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


def _explain_body(decision, ctx: RequestContext, counters=None, consent=None) -> dict:
    segments = getattr(counters, "segments", None)
    return {
        "consent": None
        if consent is None
        else {
            "gdpr_applies": consent.gdpr_applies,
            "tcf_valid": consent.tcf_valid,
            "opted_out": consent.opted_out,
            "user_key_allowed": consent.user_key,
            "personalised": consent.personalised,
            "measurement": consent.measurement,
            "blocked": consent.blocked,
        },
        "segments": sorted(segments) if segments is not None else None,
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


@cache
def _zone_seller():
    """The OpenRTB sell side for zones offered to demand partners, when installed."""
    from django.apps import apps

    if not apps.is_installed("apps.rtb"):
        return None
    from apps.rtb.tagside import zone_sell

    return zone_sell


@csrf_exempt
@unfilled_when_unavailable(lambda request: json_response({"success": True, "data": None}))
def serve(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    arrived = time.monotonic()
    if request.method == "OPTIONS":
        return preflight()
    if request.method not in ("GET", "HEAD"):
        return error_response(
            405, "Method not allowed.", "method_not_allowed", {"Allow": "GET, OPTIONS"}
        )
    window = _window(request)
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _over_limit(request, window) or error_response(404, "Zone not found.", "not_found")
    ctx, signals, consent, flags = _consented_context(request, zone)
    explain = request.GET.get("debug") == "1" and _may_debug(request, zone)
    # The decision's counter read also counts the request in its rate-limit window.
    counters = StoreCounters(rate=window)
    decision = _decide(zone, ctx, counters, request, explain=explain)
    if not ctx.is_bot:
        counters_record_request(zone_id=zone.id, filled=decision.filled, now=ctx.now)
    # The limit is checked after the decision so its count can share that round trip; a
    # request over the limit is answered 429 and its decision dropped.
    limited = _over_limit(request, window, counters.rate_count)
    if limited is not None:
        return limited
    seller = _zone_seller()
    if seller is not None and not explain and not ctx.is_bot:
        # Demand partners configured for the zone compete with our ad (within a deadline).
        sold = seller(request, zone, ctx, decision.candidate, arrived=arrived)
        if sold is not None:
            return json_response({"success": True, "data": sold})
    candidate = decision.candidate
    ua = _user_agent(request)
    data = _ad_body(request, zone, candidate, ctx, ua, flags) if candidate else None
    if data is not None and ctx.user_key:
        # Seed 001's tracking forms carry no token: they name the impression, or the zone and
        # ad served to this user. Remember the token by impression, and the impression by
        # (zone, ad, user), for SERVED_MEMORY_SECONDS, without waiting for the write.
        hot_store().remember(
            {
                served_key(data["impression_uuid"]): data["token"],
                last_served_key(zone.uuid, data["ad"]["uuid"], ctx.user_key): data[
                    "impression_uuid"
                ],
            },
            settings.SERVED_MEMORY_SECONDS,
        )
    elif data is not None:  # no user key (consent): only the impression is remembered
        hot_store().remember(
            {served_key(data["impression_uuid"]): data["token"]}, settings.SERVED_MEMORY_SECONDS
        )
    body: dict = {"success": True, "data": data}
    if explain:
        body["debug"] = _explain_body(decision, ctx, counters, consent)
    response = json_response(body)
    _after_serve(request, response, zone, ctx, signals, consent)
    credentialed_cors(request, response)
    return response


def _noscript_key(zone: CompiledZone, ctx: RequestContext) -> str:
    return f"noscript:{zone.id}:{ctx.user_key}"


def _empty_iframe(request: HttpRequest) -> HttpResponse:
    html = render_to_string("delivery/iframe.html", {"data": None, "zone": None})
    return public(HttpResponse(html, content_type="text/html; charset=utf-8"))


@csrf_exempt
@unfilled_when_unavailable(_empty_iframe)
def serve_iframe(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return plain("Zone not found.", 404)
    ctx, signals, consent, flags = _consented_context(request, zone)
    decision = _decide(zone, ctx, StoreCounters(), request)
    candidate = decision.candidate
    ua = _user_agent(request)
    data = _ad_body(request, zone, candidate, ctx, ua, flags) if candidate else None
    html = render_to_string("delivery/iframe.html", {"data": data, "zone": zone})
    response = public(HttpResponse(html, content_type="text/html; charset=utf-8"))
    _after_serve(request, response, zone, ctx, signals, consent)
    # Even opened directly, the document runs in an opaque origin: creatives cannot reach
    # this server's cookies or pages.
    response["Content-Security-Policy"] = (
        "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox"
    )
    response["X-Frame-Options"] = "ALLOWALL"
    response.xframe_options_exempt = True
    return response


def _blank_image(request: HttpRequest) -> HttpResponse:
    return public(HttpResponseRedirect(f"{base_url(request)}/static/delivery/blank.gif"))


@csrf_exempt
@unfilled_when_unavailable(_blank_image)
def serve_image(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """No-script banner: redirect to the chosen image; ``…/click`` remembers what was shown."""
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return plain("Zone not found.", 404)
    ctx, signals, consent, flags = _consented_context(request, zone)
    decision = _decide(zone, ctx, StoreCounters(), request)
    image = decision.candidate.creative.get("image_url") if decision.candidate else None
    if not image:
        return _blank_image(request)
    signed = token_sign(_token_for(decision.candidate, zone, ctx, _user_agent(request), flags))
    if ctx.user_key:  # without a user key the click decides again
        hot_store().remember({_noscript_key(zone, ctx): signed}, NOSCRIPT_TTL_SECONDS)
    response = public(HttpResponseRedirect(image))
    _after_serve(request, response, zone, ctx, signals, consent)
    return response


@csrf_exempt
@unfilled_when_unavailable(lambda request: plain("No ad.", 404))
def serve_click(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """No-script click: follow the ad this user was shown in the zone, through tracking."""
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    _, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return plain("Zone not found.", 404)
    ctx, _signals, _consent, flags = _consented_context(request, zone)
    signed = hot_store().recall(_noscript_key(zone, ctx)) if ctx.user_key else None
    if signed is None:
        decision = _decide(zone, ctx, StoreCounters(), request)
        if decision.candidate is None:
            return plain("No ad.", 404)
        signed = token_sign(_token_for(decision.candidate, zone, ctx, _user_agent(request), flags))
    return public(HttpResponseRedirect(tracking_urls(base_url(request), signed)["click_url"]))


def _vast(body: bytes, request: HttpRequest, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")
    response.api_envelope_exempt = True  # players expect VAST, even for an unknown zone
    return public(response, echo_origin=request.headers.get("Origin"))


@csrf_exempt
@unfilled_when_unavailable(lambda request: _vast(vast_error(), request))
def serve_vast(request: HttpRequest, zone_uuid: str) -> HttpResponse:
    """VAST 4.2 for a video zone: the ad of a served token (``t``) or a fresh decision."""
    if request.method == "OPTIONS":
        return preflight()
    limited = _rate_limited(request)
    if limited is not None:
        return limited
    index, zone = _zone_or_none(zone_uuid)
    if zone is None:
        return _vast(vast_error("Unknown zone", code=303), request, status=404)
    if zone.type != "video":
        return _vast(vast_error("Not a video zone", code=200), request)
    base = base_url(request)
    raw = request.GET.get("t")
    if raw:
        try:
            token = token_verify(raw, max_age_seconds=TOKEN_TTL_SECONDS)
        except TokenError:
            return _vast(vast_error("Invalid or expired ad token", code=900), request)
        signed = raw
    else:
        ctx, _signals, _consent, flags = _consented_context(request, zone)
        decision = _decide(zone, ctx, StoreCounters(), request)
        if decision.candidate is None:
            return _vast(vast_error(), request)
        token = _token_for(decision.candidate, zone, ctx, _user_agent(request), flags)
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
