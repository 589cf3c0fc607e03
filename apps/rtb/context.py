"""Who is asking, from an OpenRTB request: geo, device, OS, bot, and the user key.

The same ``RequestContext`` as ``serve`` builds, so the engine applies one set of rules.
Consent: a user key (frequency caps) comes from ``user.buyeruid``, ``user.id`` or
``device.ifa`` only as consent allows. Until the consent ledger (issue #16) exists, GDPR
requests (``regs.gdpr=1``) without a consent string, a US Privacy opt-out (``1-Y-…``),
COPPA and ``lmt=1`` give no user key: no user-keyed frequency cap, contextual buying only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache

from apps.delivery.context import MAX_UA_LENGTH, geolocate, parse_user_agent
from apps.delivery.engine import RequestContext

from .openrtb import BidRequest, Geo

# OpenRTB device types (list 5.21) to our device classes.
DEVICE_TYPES = {1: "mobile", 2: "desktop", 4: "mobile", 5: "tablet"}
OS_NAMES = {
    "ios": "ios",
    "ipados": "ios",
    "iphone os": "ios",
    "android": "android",
    "windows": "windows",
    "windows phone": "windows",
    "os x": "macos",
    "mac os x": "macos",
    "macos": "macos",
    "linux": "linux",
    "chrome os": "chromeos",
    "chromeos": "chromeos",
}


@lru_cache(maxsize=512)
def country_alpha2(code: str) -> str | None:
    """OpenRTB geo countries are ISO 3166-1 alpha-3; targeting uses alpha-2."""
    import iso3166

    code = code.strip().upper()
    if len(code) == 2 and code in iso3166.countries_by_alpha2:
        return code
    country = iso3166.countries_by_alpha3.get(code)
    return country.alpha2 if country else None


def _geo(request: BidRequest) -> Geo | None:
    if request.device is not None and request.device.geo is not None:
        return request.device.geo
    return request.user.geo if request.user is not None else None


def _region(country: str | None, region: str | None) -> str | None:
    if not country or not region:
        return None
    region = region.strip().upper()
    if "-" in region:
        return region if region.startswith(country + "-") and len(region) <= 6 else None
    return f"{country}-{region}" if 1 <= len(region) <= 3 and region.isalnum() else None


def consent_allows_user_key(request: BidRequest) -> bool:
    regs, user, device = request.regs, request.user, request.device
    gdpr = regs.gdpr if regs is not None else None
    if gdpr is None and regs is not None and isinstance(regs.ext, dict):
        gdpr = regs.ext.get("gdpr")  # OpenRTB 2.5's place for it
    consent = user.consent if user is not None else None
    if not consent and user is not None and isinstance(user.ext, dict):
        consent = user.ext.get("consent")
    if gdpr == 1 and not consent:
        return False
    usp = regs.us_privacy if regs is not None else None
    if usp is None and regs is not None and isinstance(regs.ext, dict):
        usp = regs.ext.get("us_privacy")
    if isinstance(usp, str) and len(usp) >= 3 and usp[2].upper() == "Y":
        return False
    if regs is not None and regs.coppa == 1:
        return False
    return not (device is not None and device.lmt == 1)


def user_key(request: BidRequest) -> str:
    """The hashed user key (as ``serve`` hashes a ``uid``), or "" when there is none or
    consent does not allow one."""
    if not consent_allows_user_key(request):
        return ""
    user, device = request.user, request.device
    for uid in (
        user.buyeruid if user else None,
        user.id if user else None,
        device.ifa if device else None,
    ):
        if uid and uid.strip() and len(uid) <= 256:
            return hashlib.blake2b(f"uid:{uid.strip()}".encode(), digest_size=12).hexdigest()
    return ""


def rtb_context(request: BidRequest, *, now: datetime) -> tuple[RequestContext, str]:
    """The engine's context for the request, and the device's User-Agent."""
    device = request.device
    ua = ((device.ua if device else None) or "")[:MAX_UA_LENGTH]
    agent = parse_user_agent(ua) if ua else None
    geo = _geo(request)
    country = country_alpha2(geo.country) if geo is not None and geo.country else None
    region = _region(country, geo.region if geo is not None else None)
    ip = (device.ip or device.ipv6) if device else None
    if country is None and ip:
        country, region = geolocate(ip)
    kind = DEVICE_TYPES.get(device.devicetype) if device and device.devicetype else None
    os_name = OS_NAMES.get(device.os.strip().lower()) if device and device.os else None
    return (
        RequestContext(
            now=now,
            user_key=user_key(request),
            country=country,
            region=region,
            device=kind or (agent.device if agent else None),
            browser=agent.browser if agent else None,
            os=os_name or (agent.os if agent else None),
            is_bot=bool(agent and agent.is_bot),
        ),
        ua,
    )
