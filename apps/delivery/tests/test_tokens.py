"""Signed, expiring tracking tokens: what serving gives and tracking trusts without a query."""

import base64

import orjson
import pytest

from apps.delivery.tokens import (
    ServeToken,
    TokenError,
    fields_sign,
    token_sign,
    token_verify,
    ua_hash,
)


def token(**kw) -> ServeToken:
    fields = dict(
        impression_uuid="7b0c6a6e-1111-4a4a-9c9c-000000000001",
        zone_id=1,
        ad_id=2,
        campaign_id=3,
        advertiser_id=4,
        publisher_id=5,
        pricing_model="cpm",
        bid_micros=2_500_000,
        user_key="abc",
        ua_hash=ua_hash("Mozilla/5.0"),
        issued_at=1_800_000_000,
        country="DE",
        region="DE-BY",
        device="mobile",
    )
    fields.update(kw)
    return ServeToken(**fields)


def test_round_trip_keeps_every_field():
    signed = token_sign(token())
    assert token_verify(signed, max_age_seconds=60, now=1_800_000_030) == token()


def test_expired_forged_and_malformed_tokens_are_refused():
    signed = token_sign(token())
    with pytest.raises(TokenError) as expired:
        token_verify(signed, max_age_seconds=60, now=1_800_000_061)
    assert expired.value.reason == "expired_token"
    body, mac = signed.split(".")
    richer = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    richer[8] = 99_000_000  # a higher bid
    forged = base64.urlsafe_b64encode(orjson.dumps(richer)).rstrip(b"=").decode()
    with pytest.raises(TokenError) as bad:
        token_verify(f"{forged}.{mac}", max_age_seconds=60, now=1_800_000_000)
    assert bad.value.reason == "bad_signature"
    for raw in ("", "no-dot", "a.b.c", "x" * 2000, "!!!.???"):
        with pytest.raises(TokenError) as malformed:
            token_verify(raw, max_age_seconds=60)
        assert malformed.value.reason in ("malformed_token", "bad_signature")


def test_tokens_signed_before_the_serve_context_was_added_still_verify():
    signed = fields_sign(token().to_list()[:-4])  # no country, region, device or consent
    verified = token_verify(signed, max_age_seconds=60, now=1_800_000_000)
    assert (verified.country, verified.device, verified.ad_id) == ("", "", 2)


def test_tokens_signed_before_consent_flags_allow_no_personal_use():
    signed = fields_sign(token().to_list()[:-1])
    assert token_verify(signed, max_age_seconds=60, now=1_800_000_000).consent == 0
