"""Consent on the hot path: the serve and pixel views' glue (signals from the request, the
decision for the zone's website, the visitor cookie, the ledger and the statistics)."""

from __future__ import annotations

import secrets
from dataclasses import replace

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .gpp import gpp_sid_parse
from .ledger import consent_capture, consent_tally
from .policy import (
    ALLOW_ALL,
    DEFAULT_CMP,
    MAX_SIGNAL_LENGTH,
    NO_SIGNALS,
    CmpSettings,
    ConsentDecision,
    ConsentSignals,
    consent_decide,
)

COOKIE_MAX_AGE = 390 * 86400  # 13 months
SERVE_FLAGS_ALL = 3
MEASURE, PROFILE = 1, 2  # the consent flags a serve token carries for tracking


def signals_from(request: HttpRequest) -> ConsentSignals:
    """The request's consent parameters and ``Sec-GPC`` header (nothing sent: NO_SIGNALS)."""
    get = request.GET.get
    gdpr, tcf, usp, gpp, sid = (
        get("gdpr"),
        get("gdpr_consent"),
        get("us_privacy"),
        get("gpp"),
        get("gpp_sid"),
    )
    gpc = request.META.get("HTTP_SEC_GPC", "").strip() == "1"
    if not (gdpr or tcf or usp or gpp or sid or gpc):
        return NO_SIGNALS
    return ConsentSignals(
        gdpr=1 if gdpr == "1" else 0 if gdpr == "0" else None,
        gdpr_consent=(tcf or "").strip()[:MAX_SIGNAL_LENGTH],
        us_privacy=(usp or "").strip()[:16],
        gpp=(gpp or "").strip()[:MAX_SIGNAL_LENGTH],
        gpp_sid=gpp_sid_parse(sid or ""),
        gpc=gpc,
    )


def request_consent(
    request: HttpRequest, cmp: CmpSettings | None, country: str | None
) -> tuple[ConsentSignals, ConsentDecision]:
    signals = signals_from(request)
    decision = consent_decide(
        signals, cmp or DEFAULT_CMP, country, default_vendor_id=settings.TCF_VENDOR_ID
    )
    return signals, decision


def serving_consent(request: HttpRequest, zone, ctx):
    """The request context as consent allows, and the signals and decision behind it."""
    signals, decision = request_consent(request, getattr(zone, "cmp", None), ctx.country)
    if decision is not ALLOW_ALL:
        ctx = replace(
            ctx,
            user_key=ctx.user_key if decision.user_key else "",
            personalised=decision.personalised,
            consent_blocked=decision.blocked,
        )
    return ctx, signals, decision


def token_flags(decision: ConsentDecision) -> int:
    """What tracking may do with the user key of a served ad (carried in its token)."""
    if decision is ALLOW_ALL:
        return SERVE_FLAGS_ALL
    return (MEASURE if decision.measurement else 0) | (PROFILE if decision.personalised else 0)


def visitor_cookie_set(
    request: HttpRequest, response: HttpResponse, raw_id: str | None, *, mint: bool = False
) -> str | None:
    """Give the browser our visitor id cookie when it has none (only call this where consent
    allows a user key): the id it was known by (``uid`` or the tag's ``fpid``), so its user
    key stays the same, or with ``mint`` (the pixels) a new random one. A serve without any
    id sets none: its key stays the IP + User-Agent one, as for cookie-less clients.
    Answers the id the cookie carries."""
    from apps.delivery.context import USER_COOKIE, valid_visitor_id

    current = request.COOKIES.get(USER_COOKIE)
    if valid_visitor_id(current):
        return current
    if valid_visitor_id(raw_id):
        value = raw_id
    elif mint:
        value = secrets.token_hex(16)
    else:
        return None
    secure = request.is_secure()
    response.set_cookie(
        USER_COOKIE,
        value,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )
    return value


def after_serve(
    request: HttpRequest,
    response: HttpResponse,
    *,
    source: str,
    signals: ConsentSignals,
    decision: ConsentDecision,
    user_key: str,
    website_id: int | None,
    country: str | None,
    is_bot: bool = False,
) -> None:
    """The cookie (when a user key is allowed), the ledger and the statistics."""
    if is_bot:
        return
    if decision.user_key:
        from apps.delivery.context import visitor_id

        visitor_cookie_set(request, response, visitor_id(request)[0])
    consent_capture(
        source=source,
        signals=signals,
        decision=decision,
        user_key=user_key,
        website_id=website_id,
        country=country,
    )
    consent_tally(decision, country)


def credentialed_cors(request: HttpRequest, response: HttpResponse) -> None:
    """Let the ad tag's credentialed fetch read the answer (it sends our cookie): echo its
    origin instead of ``*``. Never for ``debug=1``, which may use a staff session."""
    origin = request.headers.get("Origin")
    if origin and request.GET.get("debug") != "1":
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"


def tracking_consent(request: HttpRequest, token) -> int:
    """The consent flags of a beacon: its token's, narrowed by the beacon's own signals
    (recorded in the ledger) when it sends any."""
    flags = token.consent
    signals = signals_from(request)
    if signals.empty:
        return flags
    decision = consent_decide(
        signals, DEFAULT_CMP, token.country or None, default_vendor_id=settings.TCF_VENDOR_ID
    )
    consent_capture(
        source="track",
        signals=signals,
        decision=decision,
        user_key=token.user_key if decision.user_key else "",
        website_id=None,
        country=token.country or None,
    )
    return flags & token_flags(decision)
