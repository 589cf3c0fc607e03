"""The one tracking event: written by the tracking endpoints, buffered, read by the drain.

Every counted or refused beacon becomes a ``TrackedEvent``. It is encoded as a compact JSON
array (``array_like``), so a buffered event costs a few dozen bytes and decoding it is one
typed call; fields added later go at the end with a default, so events already buffered
by an older process still decode.
"""

from __future__ import annotations

from typing import Literal

import msgspec

# "consent": a consent signal for the ledger (``apps/audiences``), drained like the others.
EventKind = Literal["impression", "click", "conversion", "engagement", "invalid", "consent"]


class TrackedEvent(msgspec.Struct, frozen=True, array_like=True, kw_only=True):
    kind: EventKind
    uuid: str
    at: float  # Unix time of the beacon
    # Who the event concerns (None only for invalid traffic refused before the ad was known).
    impression_uuid: str | None = None
    zone_id: int | None = None
    ad_id: int | None = None
    campaign_id: int | None = None
    advertiser_id: int | None = None
    publisher_id: int | None = None
    # What it costs the advertiser, in micros (CPM impressions, CPC clicks, CPA conversions).
    cost_micros: int = 0
    # Who saw it: the hashed user key and the serve's country, region and device class.
    user_key: str = ""
    country: str = ""
    region: str = ""
    device: str = ""
    # Engagement: "viewable" or a video quartile.
    engagement: str = ""
    # Conversions.
    click_uuid: str | None = None
    clicked_at: float | None = None
    goal_id: int | None = None
    goal_type: str = ""
    value_micros: int = 0
    # Invalid traffic: what it claimed to be, why it was refused, where it came from.
    refused_kind: str = ""
    reason: str = ""
    ip: str = ""  # truncated (IPv4 /24, IPv6 /48) before it is put here
    user_agent: str = ""
    # The visitor allowed profiling (TCF purposes 3 and 4, or no consent rules apply): rule
    # audiences may add ``user_key`` to segments when this event is drained.
    profile: bool = False
    # Consent events: the signals as received (``apps/audiences/consent/ledger.py``).
    consent: str = ""
    # How it was sold: "" for our own tag, "rtb" for an impression billed on an OpenRTB
    # billing notice (with the auction's id).
    channel: str = ""
    auction_id: str = ""

    @property
    def placed(self) -> bool:
        """Whether the ad and zone are known (refused traffic may have neither)."""
        return self.ad_id is not None and self.zone_id is not None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(TrackedEvent)


def event_encode(event: TrackedEvent) -> bytes:
    return _encoder.encode(event)


def event_decode(data: bytes | str) -> TrackedEvent:
    return _decoder.decode(data)
