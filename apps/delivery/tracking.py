"""Public tracking endpoints: impressions, clicks, conversions, viewability, video quartiles.

Each request verifies the signed serve token (no database) and then makes one hot-store
call (``HotStore.record``) that counts the public rate limit, claims the event's uuid so a
replay counts nothing, charges the spend and frequency counters the decision reads, and
buffers the event for the drain. Anything refused is buffered too, as an invalid event with
its reason, so it is reported beside valid traffic and never billed. Pixels always answer
the 1x1 GIF.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import msgspec
import orjson
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from apps.audiences.consent.serving import MEASURE, PROFILE, tracking_consent
from apps.common.metrics import INVALID_EVENTS, TRACKED_EVENTS
from apps.common.net import client_ip, ip_truncate
from apps.common.ratelimit import rate_record, rate_window

from .context import MAX_UA_LENGTH, parse_user_agent, user_key_for
from .counters import charge_for
from .engine import MICROS
from .events import TrackedEvent
from .http import error_response, gif, json_response, preflight
from .index import ad_destination, campaign_rule, current_index
from .sink import embedded_drainer_start
from .store import LIMITED, RECORDED, Charge, Claim, StoreUnavailableError, hot_store, seen_key
from .tokens import (
    TOKEN_TTL_SECONDS,
    ServeToken,
    TokenError,
    last_served_key,
    served_key,
    token_verify,
    ua_hash,
)

SEEN_TTL_SECONDS = TOKEN_TTL_SECONDS + 3600
CLICK_TTL_SECONDS = 90 * 24 * 3600
# A click is remembered this long for its conversions; after that they find its raw row.
CLICK_MEMORY_SECONDS = 24 * 3600
MAX_CONVERSION_VALUE = Decimal("1000000")
FRAUD_WINDOW_SECONDS = 600
NAMESPACE = uuid.UUID("6f1c1d2e-8f43-4d0a-9a5e-2b7f0f3c5a10")


def derived_uuid(base: str, kind: str) -> str:
    """The uuid of the one event of ``kind`` an impression (or click) may have."""
    return str(uuid.uuid5(NAMESPACE, f"{base}:{kind}"))


# --- Shared steps -----------------------------------------------------------------------


def _placement(token: ServeToken) -> dict:
    """The event fields a verified token gives: who bought, who sold, who saw it."""
    return {
        "impression_uuid": token.impression_uuid,
        "zone_id": token.zone_id,
        "ad_id": token.ad_id,
        "campaign_id": token.campaign_id,
        "advertiser_id": token.advertiser_id,
        "publisher_id": token.publisher_id,
        "country": token.country,
        "region": token.region,
        "device": token.device,
    }


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]


def _invalid(request: HttpRequest, of: str, reason: str, token: ServeToken | None = None) -> str:
    event = TrackedEvent(
        kind="invalid",
        uuid=str(uuid.uuid4()),
        at=time.time(),
        refused_kind=of,
        reason=reason,
        ip=ip_truncate(client_ip(request)),
        user_agent=_user_agent(request)[:256],
        **(_placement(token) if token is not None else {}),
    )
    hot_store().record(event)
    embedded_drainer_start()
    INVALID_EVENTS.labels(reason).inc()
    _fraud_watch(request, reason)
    return reason


def _fraud_watch(request: HttpRequest, reason: str) -> None:
    """Emit ``fraud.alert`` once per window when one network (the address truncated as stored:
    IPv4 /24, IPv6 /48) keeps sending invalid traffic."""
    ip = ip_truncate(client_ip(request))
    name = f"fraud:{ip}:{int(time.time() // FRAUD_WINDOW_SECONDS)}"
    try:
        count = hot_store().incr(name, 1, FRAUD_WINDOW_SECONDS)
    except StoreUnavailableError:
        return  # alerts wait for the store; the invalid events themselves are spooled
    if count != settings.FRAUD_ALERT_THRESHOLD:
        return  # the counter passes the threshold once per window: one alert
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
    if parse_user_agent(_user_agent(request)).is_bot:
        return token, _invalid(request, of, "bot", token)
    return token, None


def _browser_check(request: HttpRequest, token: ServeToken, of: str) -> str | None:
    """Beacons come from the browser the ad was served to: the User-Agent must match."""
    if ua_hash(_user_agent(request)) != token.ua_hash:
        return _invalid(request, of, "ua_mismatch", token)
    return None


def _track(
    request: HttpRequest,
    event: TrackedEvent,
    *,
    of: str,
    token: ServeToken | None,
    claim_ttl: int = SEEN_TTL_SECONDS,
    charge: Charge | None = None,
) -> str | None:
    """Record ``event`` once (its uuid is the claim) and count the request against the
    public rate limit, in one store call; returns why it was not counted, or ``None``."""
    window = rate_window(group="track", key=client_ip(request), rate=settings.RATELIMIT_PUBLIC)
    result = hot_store().record(
        event, rate=window, claim=Claim(seen_key(event.uuid), claim_ttl), charge=charge
    )
    if window is not None and result.rate_count is not None:
        rate_record(request, window, result.rate_count)
    if result.status == RECORDED:
        TRACKED_EVENTS.labels(event.kind, "recorded").inc()
        embedded_drainer_start()
        return None
    reason = "rate_limited" if result.status == LIMITED else "duplicate"
    TRACKED_EVENTS.labels(event.kind, reason).inc()
    return _invalid(request, of, reason, token)


# --- Impressions --------------------------------------------------------------------------


def _personal(request: HttpRequest, token: ServeToken) -> dict:
    """The event fields consent allows: the user key (measurement) and whether rule
    audiences may use it (profiling); the token's consent, narrowed by the beacon's own
    signals if it sends any."""
    flags = tracking_consent(request, token)
    return {
        "user_key": token.user_key if flags & MEASURE else "",
        "profile": bool(flags & PROFILE and token.user_key),
    }


def _count_impression(request: HttpRequest, token: ServeToken) -> str | None:
    """Count a verified impression once; returns the reason when it is not counted."""
    cost = token.bid_micros // 1000 if token.pricing_model == "cpm" else 0
    event = TrackedEvent(
        kind="impression",
        uuid=token.impression_uuid,
        at=time.time(),
        cost_micros=cost,
        **_personal(request, token),
        **_placement(token),
    )
    rule = campaign_rule(token.campaign_id)
    charge = (
        charge_for(rule, spend_micros=cost, at=event.at, user_key=token.user_key)
        if rule is not None
        else None
    )
    return _track(request, event, of="impression", token=token, charge=charge)


def _served_token(request: HttpRequest, params: dict) -> str | None:
    """The token of a serve named without it, as seed 001's payloads do: by impression
    uuid, or by zone and ad for the same user the ad was served to."""
    store = hot_store()
    impression_uuid = str(params.get("impression_uuid") or "")
    if impression_uuid and len(impression_uuid) <= 64:
        return store.recall(served_key(impression_uuid))
    zone_uuid, ad_uuid = str(params.get("zone_uuid") or ""), str(params.get("ad_uuid") or "")
    if zone_uuid and ad_uuid and len(zone_uuid) <= 64 and len(ad_uuid) <= 64:
        user_key = user_key_for(request, client_ip(request), _user_agent(request))
        impression_uuid = store.recall(last_served_key(zone_uuid, ad_uuid, user_key))
        return store.recall(served_key(impression_uuid)) if impression_uuid else None
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
    return gif()


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
        try:
            index = current_index()
        except (StoreUnavailableError, DatabaseError):
            return token, None  # no index to check the names against: the token decides
        record = index.ads_by_id.get(token.ad_id)
        zone = index.zone_record(str(zone_uuid)) if zone_uuid else None
        if (ad_uuid and record is not None and str(ad_uuid) != record.ad_uuid) or (
            zone_uuid and (zone is None or zone.id != token.zone_id)
        ):
            reason = _invalid(request, of, "token_mismatch", token)
    return token, reason


def _refused(reason: str, status: int = 400) -> HttpResponse:
    return error_response(status, f"Event not counted: {reason}.", reason)


def _method_not_allowed() -> HttpResponse:
    return error_response(
        405, "Method not allowed.", "method_not_allowed", {"Allow": "POST, OPTIONS"}
    )


@csrf_exempt
def impression(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight()
    if request.method != "POST":
        return _method_not_allowed()
    data = _body(request)
    if data is None:
        return error_response(400, "Malformed JSON body.", "malformed_json")
    token, reason = _body_token(request, data, "impression")
    if token is None:
        return _refused(reason)
    if reason is None:
        reason = _count_impression(request, token)
    return json_response(
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


class ClickMemory(msgspec.Struct, frozen=True):
    """What a conversion needs of its click, kept for ``CLICK_MEMORY_SECONDS``."""

    uuid: str
    at: float
    impression_uuid: str
    zone_id: int
    ad_id: int
    campaign_id: int
    advertiser_id: int
    publisher_id: int
    pricing_model: str
    bid_micros: int
    country: str = ""
    region: str = ""
    device: str = ""
    # As consent allowed for the click (see ``_personal``).
    user_key: str = ""
    profile: bool = False

    def placement(self) -> dict:
        return {
            "impression_uuid": self.impression_uuid,
            "zone_id": self.zone_id,
            "ad_id": self.ad_id,
            "campaign_id": self.campaign_id,
            "advertiser_id": self.advertiser_id,
            "publisher_id": self.publisher_id,
            "country": self.country,
            "region": self.region,
            "device": self.device,
        }


def _click_memory_key(click_uuid: str) -> str:
    return f"click:{click_uuid}"


def _with_click_id(url: str, click_uuid: str) -> str:
    parts = urlparse(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("adx_click", click_uuid))
    return urlunparse(parts._replace(query=urlencode(query)))


def _count_click(request: HttpRequest, token: ServeToken) -> tuple[str, str | None]:
    click_uuid = derived_uuid(token.impression_uuid, "click")
    cost = token.bid_micros if token.pricing_model == "cpc" else 0
    personal = _personal(request, token)
    event = TrackedEvent(
        kind="click",
        uuid=click_uuid,
        at=time.time(),
        cost_micros=cost,
        **personal,
        **_placement(token),
    )
    rule = campaign_rule(token.campaign_id)
    charge = charge_for(rule, spend_micros=cost, at=event.at) if rule is not None else None
    reason = _track(request, event, of="click", token=token, charge=charge)
    if reason is None:
        memory = ClickMemory(
            uuid=click_uuid,
            at=event.at,
            pricing_model=token.pricing_model,
            bid_micros=token.bid_micros,
            **personal,
            **_placement(token),
        )
        hot_store().remember(
            {_click_memory_key(click_uuid): msgspec.json.encode(memory).decode()},
            CLICK_MEMORY_SECONDS,
        )
    return click_uuid, reason


@csrf_exempt
def click(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight()
    if request.method == "POST":
        return _click_post(request)
    raw = request.GET.get("t")
    try:
        verified = token_verify(raw or "", max_age_seconds=TOKEN_TTL_SECONDS)
    except TokenError as exc:
        _invalid(request, "click", exc.reason)
        return error_response(400, "This link is invalid or has expired.", exc.reason)
    destination = ad_destination(verified.ad_id)
    if destination is None:
        return error_response(404, "This ad no longer exists.", "not_found")
    token, reason = _token(request, raw, "click")
    click_uuid = derived_uuid(verified.impression_uuid, "click")
    if reason is None:
        click_uuid, reason = _count_click(request, token)
    # Only ever the ad's own destination: nothing from the request decides where we go.
    return HttpResponseRedirect(_with_click_id(destination, click_uuid))


def _click_post(request: HttpRequest) -> HttpResponse:
    data = _body(request)
    if data is None:
        return error_response(400, "Malformed JSON body.", "malformed_json")
    token, reason = _body_token(request, data, "click")
    if token is None:
        return _refused(reason)
    destination = ad_destination(token.ad_id)
    if destination is None:
        return error_response(404, "This ad no longer exists.", "not_found")
    given = data.get("destination_url")
    if given not in (None, "") and given != destination:
        _invalid(request, "click", "destination_mismatch", token)
        return error_response(
            400, "destination_url must be the ad's own destination.", "destination_mismatch"
        )
    click_uuid = derived_uuid(token.impression_uuid, "click")
    if reason is None:
        click_uuid, reason = _count_click(request, token)
    return json_response(
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


def _click_record(click_uuid: str) -> ClickMemory | None:
    remembered = hot_store().recall(_click_memory_key(click_uuid))
    if remembered is not None:
        return msgspec.json.decode(remembered, type=ClickMemory)
    from .models import ClickEvent

    row = ClickEvent.objects.filter(uuid=click_uuid).first()
    if row is None:
        return None
    rule = campaign_rule(row.campaign_id)
    return ClickMemory(
        uuid=str(row.uuid),
        at=row.occurred_at.timestamp(),
        impression_uuid=str(row.impression_uuid),
        zone_id=row.zone_id,
        ad_id=row.ad_id,
        campaign_id=row.campaign_id,
        advertiser_id=row.advertiser_id,
        publisher_id=row.publisher_id,
        pricing_model=rule.pricing_model if rule else "cpm",
        bid_micros=rule.bid_micros if rule else 0,
        country=row.country,
        region=row.region,
        device=row.device,
    )


def _goal_for(click: ClickMemory, goal_uuid: str | None, goal_type: str | None):
    from apps.campaigns.models import ConversionGoal

    goals = ConversionGoal.objects.filter(
        advertiser_id=click.advertiser_id, is_active=True, deleted_at__isnull=True
    )
    if goal_uuid:
        try:
            return goals.filter(uuid=uuid.UUID(str(goal_uuid))).first(), True
        except ValueError:
            return None, True
    goals = [g for g in goals if g.campaign_id in (None, click.campaign_id)]
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
    now = time.time()
    if now - click.at > window_days * 86400:
        hot_store().record(
            TrackedEvent(
                kind="invalid",
                uuid=str(uuid.uuid4()),
                at=now,
                refused_kind="conversion",
                reason="outside_attribution_window",
                **click.placement(),
            )
        )
        embedded_drainer_start()
        return 400, {
            "code": "outside_attribution_window",
            "error": "The click is older than the goal's attribution window.",
        }
    goal_key = str(goal.id) if goal else (goal_type or "sale")
    if value is None:
        value = goal.default_value if goal else Decimal(0)
    cost = click.bid_micros if click.pricing_model == "cpa" else 0
    event = TrackedEvent(
        kind="conversion",
        uuid=derived_uuid(click_uuid, f"conversion:{goal_key}"),
        at=now,
        cost_micros=cost,
        click_uuid=click_uuid,
        clicked_at=click.at,
        goal_id=goal.id if goal else None,
        goal_type=goal.type if goal else (goal_type or "sale"),
        value_micros=int(value * MICROS),
        user_key=click.user_key,
        profile=click.profile,
        **click.placement(),
    )
    rule = campaign_rule(click.campaign_id)
    result = hot_store().record(
        event,
        claim=Claim(seen_key(event.uuid), CLICK_TTL_SECONDS),
        charge=charge_for(rule, spend_micros=cost, at=now) if rule is not None else None,
    )
    if result.status != RECORDED:
        TRACKED_EVENTS.labels("conversion", "duplicate").inc()
        return 200, {"conversion_uuid": event.uuid, "counted": False, "reason": "duplicate"}
    TRACKED_EVENTS.labels("conversion", "recorded").inc()
    embedded_drainer_start()
    return 201, {
        "conversion_uuid": event.uuid,
        "click_uuid": click_uuid,
        "counted": True,
        "reason": None,
    }


@csrf_exempt
def conversion(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight()
    if request.method != "POST":
        return _method_not_allowed()
    data = _body(request)
    if data is None:
        return error_response(400, "Malformed JSON body.", "malformed_json")
    status, result = _conversion(request, data)
    if status >= 400:
        return error_response(status, result["error"], result["code"])
    return json_response({"success": True, "data": result}, status)


@csrf_exempt
def conversion_pixel(request: HttpRequest) -> HttpResponse:
    _conversion(request, request.GET.dict())
    return gif()


# --- Viewability and video ----------------------------------------------------------------


def _engagement(request: HttpRequest, kind: str, of: str) -> HttpResponse:
    token, reason = _token(request, request.GET.get("t"), of)
    if token is None or reason is not None:
        return gif()
    if _browser_check(request, token, of) is not None:
        return gif()
    event = TrackedEvent(
        kind="engagement",
        uuid=derived_uuid(token.impression_uuid, kind),
        at=time.time(),
        engagement=kind,
        **_placement(token),
    )
    _track(request, event, of=of, token=token)
    return gif()


@csrf_exempt
def viewable(request: HttpRequest) -> HttpResponse:
    """MRC viewability, measured by the tag: 50 % of the ad in view for 1 s (2 s for video)."""
    return _engagement(request, "viewable", "viewable")


VIDEO_EVENTS = ("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")


@csrf_exempt
def video(request: HttpRequest) -> HttpResponse:
    event = request.GET.get("event", "")
    if event not in VIDEO_EVENTS:
        return gif()  # VAST error reports and unknown events are acknowledged, not counted
    return _engagement(request, event, "video")
