"""Signed, expiring tracking tokens carried by the impression and click URLs of a served ad.

A token is ``base64url(json payload) "." base64url(HMAC-SHA256[:16])``: everything tracking
needs to count and charge the event without a database read (ids, prices, the user key and a
hash of the User-Agent that was served), tamper-proof with a key derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import cache

import orjson
from django.conf import settings

VERSION = 1
TOKEN_TTL_SECONDS = 24 * 3600  # how long a served ad's tracking URLs stay valid


def served_key(impression_uuid: str) -> str:
    """Where serving remembers a token for seed 001's token-less forms, by impression."""
    return f"served:{impression_uuid}"


def last_served_key(zone_uuid: str, ad_uuid: str, user_key: str) -> str:
    """The impression last served to a user in a zone for an ad (token-less forms)."""
    return f"lastserved:{zone_uuid}:{ad_uuid}:{user_key}"


class TokenError(Exception):
    """The token is malformed, forged or expired; ``reason`` is recorded with the event."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServeToken:
    impression_uuid: str
    zone_id: int
    ad_id: int
    campaign_id: int
    advertiser_id: int
    publisher_id: int
    pricing_model: str
    bid_micros: int
    user_key: str
    ua_hash: str
    issued_at: int
    # Where and on what the ad was served (added later: older tokens read them as unknown).
    country: str = ""
    region: str = ""
    device: str = ""
    # What consent allowed at serve time (apps/audiences/consent/serving.py): 1 = keep the
    # user key on raw events (measurement), 2 = feed rule audiences (profiling). Older
    # tokens read 0.
    consent: int = 0

    def to_list(self) -> list:
        return [
            VERSION,
            self.impression_uuid,
            self.zone_id,
            self.ad_id,
            self.campaign_id,
            self.advertiser_id,
            self.publisher_id,
            self.pricing_model,
            self.bid_micros,
            self.user_key,
            self.ua_hash,
            self.issued_at,
            self.country,
            self.region,
            self.device,
            self.consent,
        ]


@cache
def _key() -> bytes:
    return hashlib.sha256(b"adplatform-tracking-v1|" + settings.SECRET_KEY.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ua_hash(user_agent: str) -> str:
    return hashlib.blake2b(user_agent.encode(), digest_size=6).hexdigest()


def fields_sign(fields: list) -> str:
    """Sign a token's fields as ``token_verify`` expects them."""
    body = _b64(orjson.dumps(fields))
    mac = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:16]
    return f"{body}.{_b64(mac)}"


def token_sign(token: ServeToken) -> str:
    return fields_sign(token.to_list())


def token_verify(raw: str, *, max_age_seconds: int, now: float | None = None) -> ServeToken:
    if not raw or len(raw) > 1024 or raw.count(".") != 1:
        raise TokenError("malformed_token")
    body, mac = raw.split(".")
    expected = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:16]
    try:
        given = _unb64(mac)
    except (ValueError, TypeError):
        raise TokenError("malformed_token") from None
    if not hmac.compare_digest(expected, given):
        raise TokenError("bad_signature")
    try:
        fields = orjson.loads(_unb64(body))
        if fields[0] != VERSION:
            raise TokenError("unknown_token_version")
        token = ServeToken(*fields[1:])
    except (ValueError, TypeError, IndexError, orjson.JSONDecodeError):
        raise TokenError("malformed_token") from None
    if (now or time.time()) - token.issued_at > max_age_seconds:
        raise TokenError("expired_token")
    return token
