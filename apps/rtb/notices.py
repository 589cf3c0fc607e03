"""Win, billing and loss notices: signed tokens in our notice URLs, and the spec's macros.

A bid's ``nurl``/``burl``/``lurl`` carry a signed token (who bought what, at which prices)
and the ``${AUCTION_*}`` macros the exchange substitutes. The billing notice records the
impression and its spend through the tracking pipeline, once: its event uuid is derived from
the auction, bid and imp ids, and claimed in the same hot-store call that charges the
counters, so a replayed ``burl`` (or the markup's own pixel, which is the same URL) counts
nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

import orjson
from django.conf import settings

MACROS = (
    "AUCTION_ID",
    "AUCTION_BID_ID",
    "AUCTION_IMP_ID",
    "AUCTION_SEAT_ID",
    "AUCTION_AD_ID",
    "AUCTION_PRICE",
    "AUCTION_CURRENCY",
    "AUCTION_MIN_TO_WIN",
    "AUCTION_LOSS",
)
_MACRO = re.compile(r"\$\{(AUCTION_[A-Z_]+?)(:B64)?\}")
TOKEN_VERSION = "r1"
NAMESPACE = uuid.UUID("3b0c6f0e-2a64-4f4e-9d1c-6f6a5e0b7d21")

# Loss reason codes (OpenRTB 2.6, 5.25) we use when we run the auction.
LOSS_OUTBID = 102  # lost to a higher bid
LOSS_BELOW_FLOOR = 100  # bid below the auction floor
LOSS_INTERNAL = 1  # internal error


def macros_substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``${AUCTION_*}`` (and ``${AUCTION_*:B64}``, base64url) with ``values``,
    URL-escaped; a macro without a value becomes empty, as the spec says."""

    def one(match: re.Match) -> str:
        value = values.get(match.group(1), "")
        if match.group(2):
            return base64.urlsafe_b64encode(value.encode()).rstrip(b"=").decode()
        return quote(value, safe="")

    return _MACRO.sub(one, text) if "${" in text else text


def price_text(micros: int) -> str:
    """A CPM in micros as the spec's decimal price (``2.5``, ``0.031``)."""
    whole, frac = divmod(micros, 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".") if frac else str(whole)


def impression_uuid(auction_id: str, bid_id: str, imp_id: str) -> str:
    """The one impression a bid can bill (its event uuid; clicks derive from it)."""
    return str(uuid.uuid5(NAMESPACE, f"rtb:{auction_id}:{bid_id}:{imp_id}"))


@dataclass(frozen=True, slots=True)
class NoticeToken:
    """What a notice needs to count and charge without a database read."""

    auction_id: str
    bid_id: str
    imp_id: str
    seat: str
    zone_id: int  # 0: open-exchange inventory
    ad_id: int
    ad_uuid: str
    campaign_id: int
    advertiser_id: int
    publisher_id: int  # 0: not one of ours
    price_micros: int  # our bid, CPM, platform currency
    clear_micros: int  # the clearing price by the auction rule, CPM, platform currency
    currency: str  # the response's currency (AUCTION_PRICE comes in it)
    user_key: str
    issued_at: int
    country: str = ""
    region: str = ""
    device: str = ""
    test: int = 0
    floor_micros: int = 0  # the imp's floor, CPM, platform currency (no price is below it)

    @property
    def impression_uuid(self) -> str:
        return impression_uuid(self.auction_id, self.bid_id, self.imp_id)


class NoticeError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@cache
def _key() -> bytes:
    return hashlib.sha256(b"adplatform-rtb-notice-v1|" + settings.SECRET_KEY.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fields_sign(version: str, fields: list) -> str:
    body = _b64(orjson.dumps([version, *fields]))
    mac = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:16]
    return f"{body}.{_b64(mac)}"


def fields_verify(raw: str, version: str) -> list:
    """The signed fields of a token of ``version``; ``NoticeError`` says why not."""
    if not raw or len(raw) > 2048 or raw.count(".") != 1:
        raise NoticeError("malformed_token")
    body, mac = raw.split(".")
    expected = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:16]
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise NoticeError("malformed_token") from None
    if not hmac.compare_digest(expected, given):
        raise NoticeError("bad_signature")
    try:
        fields = orjson.loads(_unb64(body))
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise NoticeError("malformed_token") from None
    if not isinstance(fields, list) or not fields or fields[0] != version:
        raise NoticeError("unknown_token_version")
    return fields[1:]


def notice_sign(token: NoticeToken) -> str:
    fields = [getattr(token, name) for name in NoticeToken.__slots__]  # astuple is slow
    return fields_sign(TOKEN_VERSION, fields)


def notice_verify(raw: str, *, max_age_seconds: int, now: float) -> NoticeToken:
    fields = fields_verify(raw, TOKEN_VERSION)
    try:
        token = NoticeToken(*fields)
    except TypeError:
        raise NoticeError("malformed_token") from None
    if not isinstance(token.issued_at, int) or now - token.issued_at > max_age_seconds:
        raise NoticeError("expired_token")
    return token


_QUERY = (
    "auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&imp=${AUCTION_IMP_ID}&seat=${AUCTION_SEAT_ID}"
    "&ad=${AUCTION_AD_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}"
    "&mtw=${AUCTION_MIN_TO_WIN}"
)


def notice_urls(base: str, signed: str) -> dict[str, str]:
    """``nurl``, ``burl`` and ``lurl`` of a bid (macros left for the exchange to fill)."""
    root = f"{base}/openrtb/2.6"
    return {
        "nurl": f"{root}/win?t={signed}&{_QUERY}",
        "burl": f"{root}/billing?t={signed}&{_QUERY}",
        "lurl": f"{root}/loss?t={signed}&{_QUERY}&loss=${{AUCTION_LOSS}}",
    }
