"""The hot path's storage seam: what serving and tracking keep between requests.

One ``HotStore`` holds every piece of shared state the hot path touches: rate-limit
windows, replay claims, the spend and frequency counters the decision reads, the served
tokens remembered for token-less tracking forms, the durable event buffer the drain reads,
and the inventory change log the index follows. ``RedisHotStore`` (production) and
``SqlHotStore`` (the embedded default: the database every process shares) implement it;
one is chosen at start-up (``HOT_STORE``) and nothing above this package asks which.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from apps.common.ratelimit import RateWindow

from ..events import TrackedEvent

DAY_TTL_SECONDS = 3 * 24 * 3600

# --- Names ---------------------------------------------------------------------------------


def spend_today_key(campaign_id: int, local_day: str) -> str:
    return f"spend:d:{campaign_id}:{local_day}"


def spend_total_key(campaign_id: int) -> str:
    return f"spend:t:{campaign_id}"


def advertiser_spend_key(advertiser_id: int) -> str:
    """All-time spend of an advertiser, checked against its wallet's funds."""
    return f"spend:a:{advertiser_id}"


def frequency_key(campaign_id: int, user_key: str) -> str:
    return f"freq:{campaign_id}:{user_key}"


def seen_key(event_uuid: str) -> str:
    return f"seen:{event_uuid}"


# --- Values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Charge:
    """What one event adds to the counters the decision reads."""

    campaign_id: int
    advertiser_id: int
    local_day: str  # the day in the advertiser's time zone, YYYYMMDD
    spend_micros: int = 0
    frequency_user_key: str | None = None  # counts toward the campaign's frequency cap
    frequency_ttl: int = 0  # the cap's window, fixed by the first impression

    def adds(self) -> list[tuple[str, int, int | None]]:
        """(counter, amount, ttl on creation) for each counter this charge moves."""
        items: list[tuple[str, int, int | None]] = []
        if self.spend_micros > 0:
            items += [
                (
                    spend_today_key(self.campaign_id, self.local_day),
                    self.spend_micros,
                    DAY_TTL_SECONDS,
                ),
                (spend_total_key(self.campaign_id), self.spend_micros, None),
                (advertiser_spend_key(self.advertiser_id), self.spend_micros, None),
            ]
        if self.frequency_user_key is not None:
            items.append(
                (frequency_key(self.campaign_id, self.frequency_user_key), 1, self.frequency_ttl)
            )
        return items


@dataclass(frozen=True, slots=True)
class Claim:
    """Take ``name`` for ``ttl`` seconds; a second claim within that time is a replay."""

    name: str
    ttl: int


class Recorded(NamedTuple):
    status: int  # RECORDED, DUPLICATE or LIMITED
    rate_count: int | None  # the rate-limit window's count after this hit, if one was given


RECORDED, DUPLICATE, LIMITED = 1, 0, -1
UNREACHABLE_RETRY_SECONDS = 1.0


class StoreUnavailableError(Exception):
    """The store cannot be reached (connection refused, timed out, server down)."""


def guarded(method):
    """Turn the store's connection errors into ``StoreUnavailableError``; after one, further calls
    fail at once for ``UNREACHABLE_RETRY_SECONDS`` instead of each waiting for a timeout."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if time.monotonic() < self.unreachable_until:
            raise StoreUnavailableError(f"{self.name} store unreachable; retrying shortly")
        try:
            return method(self, *args, **kwargs)
        except self.connection_errors as exc:
            if not self.unreachable(exc):
                raise  # a failure of this call (a lock, a conflict), not of the store
            self.unreachable_until = time.monotonic() + UNREACHABLE_RETRY_SECONDS
            raise StoreUnavailableError(
                f"{self.name} store unreachable: {type(exc).__name__}"
            ) from exc

    return call


Ingest = Callable[[list[TrackedEvent]], int]


class HotStore(Protocol):
    """The contract both implementations pass (``tests/test_store_contract.py``)."""

    # Serving.
    def read(
        self, names: Sequence[str], *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None]:
        """Counter values (absent ones left out) and, with ``rate``, that window's count after
        counting this request: one round trip for both."""

    def rate_hit(self, window: RateWindow) -> int:
        """Count one hit in the window; answers the count."""

    def remember(self, entries: Mapping[str, str], ttl: int) -> None:
        """Keep short texts for ``ttl`` seconds; the caller does not wait for the write."""

    def recall(self, name: str) -> str | None: ...

    # Tracking.
    def record(
        self,
        event: TrackedEvent,
        *,
        rate: RateWindow | None = None,
        claim: Claim | None = None,
        charge: Charge | None = None,
    ) -> Recorded:
        """Count the rate limit, claim the event, charge the counters and buffer the event,
        in that order and all or nothing: over the limit nothing else happens (LIMITED), a
        claim already taken buffers nothing (DUPLICATE)."""

    def incr(self, name: str, amount: int, ttl: int | None) -> int:
        """Add and answer the new value; ``ttl`` applies when the counter is created."""

    def add(self, items: Sequence[tuple[str, int, int | None]]) -> None:
        """Add to several counters (``(name, amount, ttl on creation)``), not waiting."""

    def seed(self, values: Mapping[str, int]) -> None:
        """Create counters that do not exist yet; existing ones keep their value."""

    # The event buffer.
    def drain(self, ingest: Ingest, count: int) -> int:
        """Hand up to ``count`` buffered events to ``ingest`` and forget them once it has
        committed; answers how many were handed over."""

    def pending(self) -> int: ...

    def pending_age(self) -> float | None:
        """Seconds since the oldest buffered event was appended (``None``: nothing waits)."""

    # The inventory change log.
    def inventory_version(self) -> int: ...

    def inventory_publish(self, change: bytes) -> int:
        """Append a change; answers the new version (changes are numbered without gaps)."""

    def inventory_changes(self, since: int) -> list[tuple[int, bytes]] | None:
        """The changes after version ``since`` in order, or ``None`` when some are no longer
        kept (the reader must rebuild from scratch)."""

    def snapshot_save(self, version: int, data: bytes) -> None: ...

    def snapshot_load(self) -> tuple[int, bytes] | None: ...

    # Segment memberships (audiences). A user key belongs to a segment until its expiry;
    # serving reads a user's segments with its counters, in the same round trip.
    def read_with_segments(
        self, names: Sequence[str], user_key: str, *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None, frozenset[int]]:
        """``read`` plus the segments ``user_key`` belongs to now: one round trip."""

    def segments_of(self, user_key: str) -> frozenset[int]: ...

    def user_memberships(self, user_key: str) -> dict[int, float]:
        """Segment id -> expiry (Unix time) of each unexpired membership of ``user_key``."""

    def segments_add(
        self, memberships: Sequence[tuple[str, int, int]], *, rate: RateWindow | None = None
    ) -> int | None:
        """Add or refresh ``(user key, segment id, ttl seconds)`` memberships. With ``rate``,
        count one hit in that window first and add nothing when over its limit; answers the
        window's count (``None`` without ``rate``)."""

    def segments_remove(self, memberships: Sequence[tuple[str, int]]) -> None: ...

    def segment_stats(self, segment_ids: Sequence[int]) -> dict[int, tuple[int, float | None]]:
        """Per segment: (unexpired members, the latest expiry or ``None``)."""

    def segment_members(
        self, segment_id: int, *, cursor: str = "", count: int = 1000
    ) -> tuple[str, list[str]]:
        """A page of a segment's unexpired members and the cursor of the next page (``""``
        when this was the last). A member may appear on two pages; never on none."""

    def segment_trim(self, segment_id: int, *, expiring_before: float) -> int:
        """Remove the segment's members that expire before that time; answers how many."""

    def segment_clear(self, segment_id: int) -> None: ...

    def segments_forget_user(self, user_key: str) -> list[int]:
        """Remove every membership of ``user_key`` (erasure); answers the segments it left."""

    # Housekeeping.
    def purge_expired(self) -> int: ...

    def clear(self) -> None:
        """Forget everything (tests)."""
