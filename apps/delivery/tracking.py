"""Public tracking endpoints: impressions, clicks, conversions, viewability, video quartiles.

Each request verifies the signed serve token (no database), refuses replays with an atomic
cache ``add`` on the event's uuid, moves the spend and frequency counters the decision reads,
and appends the event to the durable buffer. Anything refused is appended too, as an invalid
event with its reason, so it is reported beside valid traffic and never billed. Pixels always
answer the 1x1 GIF.
"""

from __future__ import annotations

import base64
import time
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from apps.common.net import client_ip
from apps.common.ratelimit import rate_hit, rate_record, rate_window
from apps.common.tallies import tallies_claim, tallies_enabled

from .context import MAX_UA_LENGTH, parse_user_agent, user_key_for
from .engine import MICROS
from .index import ad_destination, campaign_rule
from .sink import event_append, event_claim_and_record, event_record
from .tokens import ServeToken, TokenError, token_verify, ua_hash
from .views import (
    TOKEN_TTL_SECONDS,
    _error,
    _json,
    _preflight,
    _public,
    _raw_redis,
    last_served_key,
    served_key,
    served_recall,
)

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SEEN_TTL_SECONDS = TOKEN_TTL_SECONDS + 3600
CLICK_TTL_SECONDS = 90 * 24 * 3600
MAX_CONVERSION_VALUE = Decimal("1000000")
FRAUD_WINDOW_SECONDS = 600
NAMESPACE = uuid.UUID("6f1c1d2e-8f43-4d0a-9a5e-2b7f0f3c5a10")


def derived_uuid(base: str, kind: str) -> str:
    """The uuid of the one event of ``kind`` an impression (or click) may have."""
    return str(uuid.uuid5(NAMESPACE, f"{base}:{kind}"))


# --- Shared steps -----------------------------------------------------------------------


def _gif() -> HttpResponse:
    response = _public(HttpResponse(GIF, content_type="image/gif"))
    response["Content-Length"] = str(len(GIF))
    return response


def _placement(token: ServeToken) -> dict:
    return {
        "imp": token.impression_uuid,
        "z": token.zone_id,
        "a": token.ad_id,
        "c": token.campaign_id,
        "adv": token.advertiser_id,
        "p": token.publisher_id,
    }


def _invalid(request: HttpRequest, of: str, reason: str, token: ServeToken | None = None) -> str:
    event = {
        "k": "invalid",
        "u": str(uuid.uuid4()),
        "t": time.time(),
        "of": of,
        "reason": reason,
        "ip": client_ip(request),
        "ua": request.META.get("HTTP_USER_AGENT", "")[:256],
    }
    if token is not None:
        event.update(_placement(token))
    event_append(event)
    _fraud_watch(request, reason)
    return reason


def _fraud_watch(request: HttpRequest, reason: str) -> None:
    """Emit ``fraud.alert`` once per window when one address keeps sending invalid traffic."""
    threshold = getattr(settings, "FRAUD_ALERT_THRESHOLD", 100)
    ip = client_ip(request)
    key = f"fraud:{ip}:{int(time.time() // FRAUD_WINDOW_SECONDS)}"
    cache.add(key, 0, timeout=FRAUD_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        return
    if count == threshold and cache.add(f"{key}:alerted", 1, timeout=FRAUD_WINDOW_SECONDS):
        from django.db import transaction

        from apps.common.events import domain_event_emit

        with transaction.atomic():
            domain_event_emit(
                event_type="fraud.alert",
                data={
                    "ip": ip,
                    "invalid_events": count,
                    "window_seconds": FRAUD_WINDOW_SECONDS,
                    "last_reason": reason,
                },
            )


def _token(request: HttpRequest, raw: str | None, of: str) -> tuple[ServeToken | None, str | None]:
    """Verify the token and the traffic; returns (token, reason it is invalid or None)."""
    if not raw:
        return None, _invalid(request, of, "missing_token")
    try:
        token = token_verify(raw, max_age_seconds=TOKEN_TTL_SECONDS)
    except TokenError as exc:
        return None, _invalid(request, of, exc.reason)
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    if parse_user_agent(ua).is_bot:
        return token, _invalid(request, of, "bot", token)
    return token, None


def _browser_check(request: HttpRequest, token: ServeToken, of: str) -> str | None:
    """Beacons come from the browser the ad was served to: the User-Agent must match."""
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    if ua_hash(ua) != token.ua_hash:
        return _invalid(request, of, "ua_mismatch", token)
    return None


def _first_time(event_uuid: str, of: str, request, token) -> str | None:
    """Count the request against the public limit and claim the event's uuid.

    Returns the reason the event is refused (``rate_limited`` or ``duplicate``), recorded as
    invalid traffic, or ``None``. With Redis both steps share one pipelined round trip.
    """
    window = rate_window(group="track", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    seen_key = f"seen:{event_uuid}"
    client = _raw_redis()
    if client is None:
        usage = rate_hit(
            request, group="track", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC
        )
        if usage is not None and usage.exceeded:
            return _invalid(request, of, "rate_limited", token)
        claimed = (
            tallies_claim(seen_key, SEEN_TTL_SECONDS)
            if tallies_enabled()
            else cache.add(seen_key, 1, timeout=SEEN_TTL_SECONDS)
        )
    else:
        pipe = client.pipeline(transaction=False)
        if window is not None:
            rl_key = cache.make_key(window.cache_key)
            pipe.incr(rl_key)
            pipe.expire(rl_key, window.period + 5, nx=True)
        pipe.set(cache.make_key(seen_key), 1, nx=True, ex=SEEN_TTL_SECONDS)
        results = pipe.execute()
        claimed = bool(results[-1])
        if window is not None and rate_record(request, window, int(results[0])).exceeded:
            return _invalid(request, of, "rate_limited", token)
    if claimed:
        return None
    return _invalid(request, of, "duplicate", token)


# --- Impressions --------------------------------------------------------------------------


def _count_impression(request: HttpRequest, token: ServeToken) -> str | None:
    """Count a verified impression once; returns the reason when it is not counted."""
    cost = token.bid_micros // 1000 if token.pricing_model == "cpm" else 0
    agent = parse_user_agent(request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH])
    event = {
        "k": "impression",
        "u": token.impression_uuid,
        "t": time.time(),
        "cost": cost,
        "uk": token.user_key,
        "dev": agent.device,
        **_placement(token),
    }
    rule = campaign_rule(token.campaign_id)
    window = rate_window(group="track", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    # With Redis: rate limit, replay check, counters and buffer in one round trip.
    done = event_claim_and_record(
        event,
        seen_key=f"seen:{token.impression_uuid}",
        seen_ttl=SEEN_TTL_SECONDS,
        window=window,
        rule=rule,
        spend_micros=cost,
        frequency_user_key=token.user_key,
    )
    if done is not None:
        count, outcome = done
        if window is not None:
            rate_record(request, window, count)
        if outcome == 1:
            return None
        return _invalid(
            request, "impression", "rate_limited" if outcome < 0 else "duplicate", token
        )
    reason = _first_time(token.impression_uuid, "impression", request, token)
    if reason:
        return reason
    event_record(event, rule=rule, spend_micros=cost, frequency_user_key=token.user_key)
    return None


def _served_token(request: HttpRequest, params: dict) -> str | None:
    """The token of a serve named without it, as seed 001's payloads do: by impression
    uuid, or by zone and ad for the same user the ad was served to."""
    impression_uuid = str(params.get("impression_uuid") or "")
    if impression_uuid and len(impression_uuid) <= 64:
        return served_recall(served_key(impression_uuid))
    zone_uuid, ad_uuid = str(params.get("zone_uuid") or ""), str(params.get("ad_uuid") or "")
    if zone_uuid and ad_uuid and len(zone_uuid) <= 64 and len(ad_uuid) <= 64:
        ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
        user_key = user_key_for(request, client_ip(request), ua)
        impression_uuid = served_recall(last_served_key(zone_uuid, ad_uuid, user_key))
        return served_recall(served_key(impression_uuid)) if impression_uuid else None
    return None


@csrf_exempt
def impression_pixel(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("t") or _served_token(request, request.GET)
    token, reason = _token(request, raw, "impression")
    if (
        token is not None
        and reason is None
        and _browser_check(request, token, "impression") is None
    ):
        _count_impression(request, token)
    return _gif()


def _body(request: HttpRequest) -> dict | None:
    if len(request.body) > 8192:
        return None
    try:
        data = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _body_token(request, data: dict, of: str) -> tuple[ServeToken | None, str | None]:
    raw = data.get("token") or _served_token(request, data)
    token, reason = _token(request, raw if isinstance(raw, str) else None, of)
    if token is not None and reason is None:
        ad_uuid = data.get("ad_uuid")
        zone_uuid = data.get("zone_uuid")
        from .index import current_index

        index = current_index()
        record = index.ads_by_id.get(token.ad_id)
        zone = index.zone_record(str(zone_uuid)) if zone_uuid else None
        if (ad_uuid and record is not None and str(ad_uuid) != record.ad_uuid) or (
            zone_uuid and (zone is None or zone.id != token.zone_id)
        ):
            reason = _invalid(request, of, "token_mismatch", token)
    return token, reason


def _refused(reason: str, status: int = 400) -> HttpResponse:
    return _error(status, f"Event not counted: {reason}.", reason)


@csrf_exempt
def impression(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method != "POST":
        return _error(405, "Method not allowed.", "method_not_allowed", {"Allow": "POST, OPTIONS"})
    data = _body(request)
    if data is None:
        return _error(400, "Malformed JSON body.", "malformed_json")
    token, reason = _body_token(request, data, "impression")
    if token is None:
        return _refused(reason)
    if reason is None:
        reason = _count_impression(request, token)
    return _json(
        {
            "success": True,
            "data": {
                "impression_uuid": token.impression_uuid,
                "counted": reason is None,
                "reason": reason,
            },
        },
        201 if reason is None else 200,
    )


# --- Clicks -------------------------------------------------------------------------------


def _with_click_id(url: str, click_uuid: str) -> str:
    parts = urlparse(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("adx_click", click_uuid))
    return urlunparse(parts._replace(query=urlencode(query)))


def _count_click(request: HttpRequest, token: ServeToken) -> tuple[str, str | None]:
    click_uuid = derived_uuid(token.impression_uuid, "click")
    reason = _first_time(click_uuid, "click", request, token)
    if reason:
        return click_uuid, reason
    cost = token.bid_micros if token.pricing_model == "cpc" else 0
    click = {"k": "click", "u": click_uuid, "t": time.time(), "cost": cost, **_placement(token)}
    cache.set(
        f"click:{click_uuid}",
        {**click, "pm": token.pricing_model, "bid": token.bid_micros},
        timeout=CLICK_TTL_SECONDS,
    )
    event_record(click, rule=campaign_rule(token.campaign_id), spend_micros=cost)
    return click_uuid, None


@csrf_exempt
def click(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method == "POST":
        return _click_post(request)
    raw = request.GET.get("t")
    try:
        verified = token_verify(raw or "", max_age_seconds=TOKEN_TTL_SECONDS)
    except TokenError as exc:
        _invalid(request, "click", exc.reason)
        return _error(400, "This link is invalid or has expired.", exc.reason)
    destination = ad_destination(verified.ad_id)
    if destination is None:
        return _error(404, "This ad no longer exists.", "not_found")
    token, reason = _token(request, raw, "click")
    click_uuid = derived_uuid(verified.impression_uuid, "click")
    if reason is None:
        click_uuid, reason = _count_click(request, token)
    # Only ever the ad's own destination: nothing from the request decides where we go.
    return HttpResponseRedirect(_with_click_id(destination, click_uuid))


def _click_post(request: HttpRequest) -> HttpResponse:
    data = _body(request)
    if data is None:
        return _error(400, "Malformed JSON body.", "malformed_json")
    token, reason = _body_token(request, data, "click")
    if token is None:
        return _refused(reason)
    destination = ad_destination(token.ad_id)
    if destination is None:
        return _error(404, "This ad no longer exists.", "not_found")
    given = data.get("destination_url")
    if given not in (None, "") and given != destination:
        _invalid(request, "click", "destination_mismatch", token)
        return _error(
            400, "destination_url must be the ad's own destination.", "destination_mismatch"
        )
    click_uuid = derived_uuid(token.impression_uuid, "click")
    if reason is None:
        click_uuid, reason = _count_click(request, token)
    return _json(
        {
            "success": True,
            "data": {
                "click_uuid": click_uuid,
                "redirect_url": _with_click_id(destination, click_uuid),
                "counted": reason is None,
                "reason": reason,
            },
        },
        201 if reason is None else 200,
    )


# --- Conversions --------------------------------------------------------------------------


def _click_record(click_uuid: str) -> dict | None:
    record = cache.get(f"click:{click_uuid}")
    if record is not None:
        return record
    from .models import ClickEvent

    row = ClickEvent.objects.filter(uuid=click_uuid).first()
    if row is None:
        return None
    rule = campaign_rule(row.campaign_id)
    return {
        "u": str(row.uuid),
        "t": row.occurred_at.timestamp(),
        "imp": str(row.impression_uuid),
        "z": row.zone_id,
        "a": row.ad_id,
        "c": row.campaign_id,
        "adv": row.advertiser_id,
        "p": row.publisher_id,
        "pm": rule.pricing_model if rule else "cpm",
        "bid": rule.bid_micros if rule else 0,
    }


def _goal_for(click: dict, goal_uuid: str | None, goal_type: str | None):
    from apps.campaigns.models import ConversionGoal

    goals = ConversionGoal.objects.filter(
        advertiser_id=click["adv"], is_active=True, deleted_at__isnull=True
    )
    if goal_uuid:
        try:
            return goals.filter(uuid=uuid.UUID(str(goal_uuid))).first(), True
        except ValueError:
            return None, True
    goals = [g for g in goals if g.campaign_id in (None, click["c"])]
    if goal_type:
        goals = [g for g in goals if g.type == goal_type]
    goals.sort(key=lambda g: (g.campaign_id is None, g.id))  # the campaign's own goal first
    return (goals[0] if goals else None), False


def _conversion(request: HttpRequest, params: dict) -> tuple[int, dict]:
    """Validate and count a conversion; returns (HTTP status, body data or error code)."""
    click_uuid = str(params.get("click_uuid") or params.get("click") or "")
    try:
        click_uuid = str(uuid.UUID(click_uuid))
    except ValueError:
        _invalid(request, "conversion", "unknown_click")
        return 404, {"code": "unknown_click", "error": "click_uuid does not name a click."}
    value_raw = params.get("value")
    value = None
    if value_raw not in (None, ""):
        try:
            value = Decimal(str(value_raw))
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value < 0 or value > MAX_CONVERSION_VALUE:
            return 422, {"code": "invalid_value", "error": "value must be a non-negative amount."}
    click = _click_record(click_uuid)
    if click is None:
        _invalid(request, "conversion", "unknown_click")
        return 404, {"code": "unknown_click", "error": "click_uuid does not name a click."}
    goal_type = params.get("type")
    if goal_type not in (None, "", "sale", "lead", "signup"):
        return 422, {"code": "invalid_type", "error": "type must be sale, lead or signup."}
    goal, explicit = _goal_for(click, params.get("goal"), goal_type or None)
    if explicit and goal is None:
        return 404, {"code": "unknown_goal", "error": "goal does not name an active goal."}
    window_days = goal.attribution_window_days if goal else 30
    now_epoch = time.time()
    placement = {k: click[k] for k in ("imp", "z", "a", "c", "adv", "p")}
    if now_epoch - click["t"] > window_days * 86400:
        event_append(
            {
                "k": "invalid",
                "u": str(uuid.uuid4()),
                "t": now_epoch,
                "of": "conversion",
                "reason": "outside_attribution_window",
                **placement,
            }
        )
        return 400, {
            "code": "outside_attribution_window",
            "error": "The click is older than the goal's attribution window.",
        }
    goal_key = str(goal.id) if goal else (goal_type or "sale")
    conversion_uuid = derived_uuid(click_uuid, f"conversion:{goal_key}")
    if not cache.add(f"seen:{conversion_uuid}", 1, timeout=CLICK_TTL_SECONDS):
        return 200, {"conversion_uuid": conversion_uuid, "counted": False, "reason": "duplicate"}
    if value is None:
        value = goal.default_value if goal else Decimal(0)
    cost = click["bid"] if click.get("pm") == "cpa" else 0
    event_record(
        {
            "k": "conversion",
            "u": conversion_uuid,
            "t": now_epoch,
            "cost": cost,
            "click": click_uuid,
            "clicked": click["t"],
            "goal": goal.id if goal else None,
            "gt": goal.type if goal else (goal_type or "sale"),
            "val": int(value * MICROS),
            **placement,
        },
        rule=campaign_rule(click["c"]),
        spend_micros=cost,
    )
    return 201, {
        "conversion_uuid": conversion_uuid,
        "click_uuid": click_uuid,
        "counted": True,
        "reason": None,
    }


@csrf_exempt
def conversion(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method != "POST":
        return _error(405, "Method not allowed.", "method_not_allowed", {"Allow": "POST, OPTIONS"})
    data = _body(request)
    if data is None:
        return _error(400, "Malformed JSON body.", "malformed_json")
    status, result = _conversion(request, data)
    if status >= 400:
        return _error(status, result["error"], result["code"])
    return _json({"success": True, "data": result}, status)


@csrf_exempt
def conversion_pixel(request: HttpRequest) -> HttpResponse:
    _conversion(request, request.GET.dict())
    return _gif()


# --- Viewability and video ----------------------------------------------------------------


def _engagement(request: HttpRequest, kind: str, of: str) -> HttpResponse:
    token, reason = _token(request, request.GET.get("t"), of)
    if token is None or reason is not None:
        return _gif()
    if _browser_check(request, token, of) is not None:
        return _gif()
    event_uuid = derived_uuid(token.impression_uuid, kind)
    if _first_time(event_uuid, of, request, token) is None:
        event_append(
            {"k": "engagement", "ek": kind, "u": event_uuid, "t": time.time(), **_placement(token)}
        )
    return _gif()


@csrf_exempt
def viewable(request: HttpRequest) -> HttpResponse:
    """MRC viewability, measured by the tag: 50 % of the ad in view for 1 s (2 s for video)."""
    return _engagement(request, "viewable", "viewable")


VIDEO_EVENTS = ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")


@csrf_exempt
def video(request: HttpRequest) -> HttpResponse:
    event = request.GET.get("event", "")
    if event not in VIDEO_EVENTS:
        return _gif()  # VAST error reports and unknown events are acknowledged, not counted
    return _engagement(request, event, "video")
