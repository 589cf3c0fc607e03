"""Who is asking: device, browser and OS from the User-Agent, country (and region) from the
client address, bot detection, and a stable user key for frequency caps.

Parsing a User-Agent costs a fraction of a millisecond, so results are memoised per string;
the GeoIP database ships inside the ``geoip2fast`` package (no download at run time). A
MaxMind ``.mmdb`` file named by ``GEOIP_MMDB_PATH`` adds regions when present.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache

from django.conf import settings
from django.http import HttpRequest

from apps.common.net import client_ip

from .engine import RequestContext

MAX_UA_LENGTH = 512
USER_COOKIE = "adp_uid"
DEVICES = frozenset({"desktop", "mobile", "tablet"})
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
_REGION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_NAME_RE = re.compile(r"^[a-z0-9_ .-]{1,30}$")
_UID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

_BROWSERS = {
    "chrome": "chrome",
    "chrome mobile": "chrome",
    "chrome mobile ios": "chrome",
    "chrome mobile webview": "chrome",
    "chromium": "chrome",
    "headlesschrome": "chrome",
    "safari": "safari",
    "mobile safari": "safari",
    "mobile safari ui/wkwebview": "safari",
    "firefox": "firefox",
    "firefox mobile": "firefox",
    "firefox ios": "firefox",
    "edge": "edge",
    "edge mobile": "edge",
    "opera": "opera",
    "opera mobile": "opera",
    "samsung internet": "samsung",
    "ie": "ie",
    "ie mobile": "ie",
    "yandex browser": "yandex",
    "uc browser": "uc",
    "brave": "brave",
    "vivaldi": "vivaldi",
}
_OSES = {
    "windows": "windows",
    "mac os x": "macos",
    "ios": "ios",
    "ipados": "ios",
    "android": "android",
    "linux": "linux",
    "ubuntu": "linux",
    "fedora": "linux",
    "chrome os": "chromeos",
    "chromeos": "chromeos",
}


@dataclass(frozen=True, slots=True)
class ParsedAgent:
    device: str
    browser: str
    os: str
    is_bot: bool


@lru_cache(maxsize=8192)
def parse_user_agent(ua: str) -> ParsedAgent:
    """Normalised device, browser and OS names, and whether the agent is a known bot."""
    from ua_parser import parse

    if not ua:
        return ParsedAgent("desktop", "other", "other", True)
    result = parse(ua)
    family = (result.user_agent.family if result.user_agent else "other").lower()
    os_family = (result.os.family if result.os else "other").lower()
    device_family = (result.device.family if result.device else "other").lower()
    browser = _BROWSERS.get(family, "other")
    os_name = _OSES.get(os_family, "windows" if os_family.startswith("windows") else "other")
    if (
        "ipad" in device_family
        or "tablet" in device_family
        or (os_name == "android" and "mobile" not in ua.lower())
    ):
        device = "tablet"
    elif os_name in ("ios", "android") or "mobile" in ua.lower():
        device = "mobile"
    else:
        device = "desktop"
    return ParsedAgent(device, browser, os_name, _is_bot(ua, device_family))


# Generic HTTP client libraries: server-side integrations (a publisher's backend fetching ads
# for server-rendered pages) use them, so they are not treated as crawlers unless
# TRAFFIC_ALLOW_HTTP_CLIENTS is off. Self-declared crawlers and headless browsers always are.
_HTTP_CLIENTS = re.compile(
    r"^(python-requests|python-httpx|python-urllib|aiohttp|curl|wget|undici|node-fetch|axios|"
    r"go-http-client|okhttp|java|apache-httpclient|libwww-perl|guzzlehttp)\b",
    re.IGNORECASE,
)


def _is_bot(ua: str, device_family: str) -> bool:
    if device_family == "spider":
        return True
    if not _crawler().isCrawler(ua):
        return False
    allow_clients = settings.TRAFFIC_ALLOW_HTTP_CLIENTS
    return not (allow_clients and _HTTP_CLIENTS.match(ua))


@cache
def _crawler():
    from crawlerdetect import CrawlerDetect

    return CrawlerDetect()


@cache
def _geoip():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)


@cache
def _mmdb():
    path = settings.GEOIP_MMDB_PATH
    if not path:
        return None
    import maxminddb

    return maxminddb.open_database(path)


@lru_cache(maxsize=65536)
def geolocate(ip: str) -> tuple[str | None, str | None]:
    """(country, region) for an address; private and unknown addresses give (None, None)."""
    reader = _mmdb()
    if reader is not None:
        record = reader.get(ip) or {}
        country = (record.get("country") or {}).get("iso_code")
        subdivisions = record.get("subdivisions") or []
        region = subdivisions[0].get("iso_code") if subdivisions and country else None
        return country, f"{country}-{region}" if region else None
    try:
        result = _geoip().lookup(ip)
    except Exception:
        return None, None
    code = getattr(result, "country_code", "") or ""
    if getattr(result, "is_private", False) or not _COUNTRY_RE.match(code):
        return None, None
    return code, None


def _param(request: HttpRequest, name: str, pattern: re.Pattern, transform=str) -> str | None:
    raw = request.GET.get(name)
    if not raw or len(raw) > 40:
        return None
    value = transform(raw.strip())
    return value if pattern.match(value) else None


FIRST_PARTY_PARAM = "fpid"  # the ad tag's own id, kept in the publisher's site storage


def valid_visitor_id(value: str | None) -> bool:
    return bool(value) and _UID_RE.match(value) is not None


def visitor_id(request: HttpRequest) -> tuple[str | None, str]:
    """The raw visitor id and where it came from: the ``uid`` parameter (an integrator's
    id), our ``adp_uid`` cookie (shared by every site that shows our ads and by the
    retargeting pixels), then the tag's first-party ``fpid``; ``(None, "")`` without one."""
    for value, source in (
        (request.GET.get("uid"), "uid"),
        (request.COOKIES.get(USER_COOKIE), "cookie"),
        (request.GET.get(FIRST_PARTY_PARAM), "fpid"),
    ):
        if valid_visitor_id(value):
            return value, source
    return None, ""


def user_key_of(raw_id: str) -> str:
    """The user key of a visitor id (what segments, caps and raw events store)."""
    return hashlib.blake2b(f"uid:{raw_id}".encode(), digest_size=12).hexdigest()


def user_key_for(request: HttpRequest, ip: str, ua: str) -> str:
    """A short, stable, non-reversible key: a visitor id (``visitor_id``), or IP + UA.
    Serving blanks it where consent does not allow a user key (``apps/audiences``)."""
    raw, _ = visitor_id(request)
    if raw is not None:
        return user_key_of(raw)
    return hashlib.blake2b(f"ipua:{ip}|{ua}".encode(), digest_size=12).hexdigest()


def build_context(request: HttpRequest, *, now: datetime | None = None) -> RequestContext:
    ua = request.META.get("HTTP_USER_AGENT", "")[:MAX_UA_LENGTH]
    ip = client_ip(request)
    agent = parse_user_agent(ua)
    country, region = geolocate(ip)
    device = _param(request, "device", _NAME_RE, str.lower)
    country = _param(request, "country", _COUNTRY_RE, str.upper) or country
    region = _param(request, "region", _REGION_RE, str.upper) or region
    if region and country and not region.startswith(f"{country}-"):
        region = None  # a region of another country than the request's: not believed
    return RequestContext(
        now=now or datetime.now(UTC),
        user_key=user_key_for(request, ip, ua),
        country=country,
        region=region,
        device=device if device in DEVICES else agent.device,
        browser=_param(request, "browser", _NAME_RE, str.lower) or agent.browser,
        os=_param(request, "os", _NAME_RE, str.lower) or agent.os,
        is_bot=agent.is_bot,
    )
