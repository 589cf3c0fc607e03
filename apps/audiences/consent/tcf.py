"""IAB TCF v2 strings (TCF 2.2 and 2.3): a careful decoder of our own.

We checked ``iab-tcf`` (0.2.2, the Python library the issue names) against IAB test strings
and strings we encode: it reads every field of a well-formed string correctly, and our
tests still use it as an independent oracle. It is not safe on strings from the public
internet, though: its bit reader answers ``True`` for a boolean read past the end (a string
cut short reads as consent to everything), and loops sized by counts inside the string do
their work even past its end (4,095 publisher restrictions of 4,095 ranges each is seconds
of CPU from a few bytes), and it expands non-core vendor ranges one dictionary entry per
vendor. So serving decodes with this module: every read is bounds-checked (past the end is
``truncated``, never consent), ranges stay ranges, and strings over ``MAX_TCF_LENGTH`` are
refused, so the work is bounded by the string's length.

Base64url is read one character (six bits) at a time, so a CMP that did not pad its string
to whole bytes is read exactly. TCF 2.3 made the Disclosed Vendors segment mandatory; when
it is present, a vendor it does not list has no consent and no legitimate interest.
Results are cached by string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

MAX_TCF_LENGTH = 4096
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIXBITS = {c: format(i, "06b") for i, c in enumerate(_ALPHABET)}
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9_-]+$")
# TCF 2.2: legitimate interest is no legal basis for purposes 1, 3, 4, 5 and 6.
LI_PURPOSES = frozenset({2, 7, 8, 9, 10, 11})
DISCLOSED_VENDORS, ALLOWED_VENDORS, PUBLISHER_TC = 1, 2, 3
NOT_ALLOWED, REQUIRE_CONSENT, REQUIRE_LI = 0, 1, 2

Ranges = tuple[tuple[int, int], ...]


def _ranges_of(ids) -> Ranges:
    """Consecutive ids folded into (start, end) ranges."""
    ranges: list[tuple[int, int]] = []
    for vendor in sorted(ids):
        if ranges and vendor == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], vendor)
        else:
            ranges.append((vendor, vendor))
    return tuple(ranges)


def _in(ranges: Ranges, vendor_id: int) -> bool:
    return any(start <= vendor_id <= end for start, end in ranges)


@dataclass(frozen=True, slots=True)
class TcfConsent:
    valid: bool
    error: str = ""
    version: int | None = None
    policy_version: int | None = None
    cmp_id: int | None = None
    cmp_version: int | None = None
    created: datetime | None = None
    last_updated: datetime | None = None
    vendor_list_version: int | None = None
    publisher_cc: str = ""
    purpose_one_treatment: bool = False
    purposes_consent: frozenset[int] = frozenset()
    purposes_li: frozenset[int] = frozenset()
    special_features: frozenset[int] = frozenset()
    vendor_consents: Ranges = ()
    vendor_li: Ranges = ()
    disclosed_vendors: Ranges | None = None  # None: the segment is absent
    # (purpose, restriction type, vendor ranges)
    restrictions: tuple[tuple[int, int, Ranges], ...] = ()
    publisher_purposes_consent: frozenset[int] | None = None

    def vendor_consent(self, vendor_id: int) -> bool:
        return self.vendor_disclosed(vendor_id) is not False and _in(
            self.vendor_consents, vendor_id
        )

    def vendor_legitimate_interest(self, vendor_id: int) -> bool:
        return self.vendor_disclosed(vendor_id) is not False and _in(self.vendor_li, vendor_id)

    def vendor_disclosed(self, vendor_id: int) -> bool | None:
        return None if self.disclosed_vendors is None else _in(self.disclosed_vendors, vendor_id)

    def restriction(self, vendor_id: int, purpose: int) -> int | None:
        for restricted_purpose, kind, ranges in self.restrictions:
            if restricted_purpose == purpose and _in(ranges, vendor_id):
                return kind
        return None

    def purpose_allowed(self, purpose: int, vendor_id: int | None) -> bool:
        """May ``vendor_id`` (``None``: the publisher itself) process for ``purpose``?

        By consent (the purpose's and the vendor's), or for purposes where TCF 2.2 allows
        it by legitimate interest (the purpose's and the vendor's), as the publisher's
        restrictions for that vendor and purpose permit.
        """
        if not self.valid:
            return False
        if vendor_id is None:
            consented = self.publisher_purposes_consent or self.purposes_consent
            return purpose in consented
        restriction = self.restriction(vendor_id, purpose)
        if restriction == NOT_ALLOWED:
            return False
        by_consent = purpose in self.purposes_consent and self.vendor_consent(vendor_id)
        by_li = (
            purpose in LI_PURPOSES
            and purpose in self.purposes_li
            and self.vendor_legitimate_interest(vendor_id)
        )
        if restriction == REQUIRE_CONSENT:
            return by_consent
        if restriction == REQUIRE_LI:
            return by_li
        return by_consent or by_li


def _invalid(error: str) -> TcfConsent:
    return TcfConsent(valid=False, error=error)


class _TruncatedError(Exception):
    pass


class _Bits:
    """A segment's bits, read in order; reading past the end raises ``_TruncatedError``."""

    __slots__ = ("bits", "pos")

    def __init__(self, segment: str):
        self.bits = "".join(_SIXBITS[c] for c in segment)
        self.pos = 0

    def take(self, n: int) -> str:
        end = self.pos + n
        if end > len(self.bits):
            raise _TruncatedError
        chunk = self.bits[self.pos : end]
        self.pos = end
        return chunk

    def int(self, n: int) -> int:
        return int(self.take(n), 2) if n else 0

    def bool(self) -> bool:
        return self.take(1) == "1"

    def field(self, n: int) -> frozenset[int]:
        """A bit field: the (1-based) positions of its set bits."""
        return frozenset(i + 1 for i, bit in enumerate(self.take(n)) if bit == "1")

    def letters(self, n: int) -> str:
        return "".join(chr(ord("A") + self.int(6)) for _ in range(n))

    def time(self) -> datetime:
        return datetime.fromtimestamp(self.int(36) / 10, tz=UTC)

    def ranges(self, count: int) -> Ranges:
        """``count`` range entries (each at least 17 bits, so the loop is bounded)."""
        found = []
        for _ in range(count):
            is_range = self.bool()
            start = self.int(16)
            end = self.int(16) if is_range else start
            if end < start:
                raise ValueError("range ends before it starts")
            found.append((start, end))
        return tuple(found)

    def vendors(self) -> Ranges:
        """A vendor section: MaxVendorId, then a bit field or range entries."""
        max_vendor_id = self.int(16)
        if self.bool():
            return self.ranges(self.int(12))
        return _ranges_of(self.field(max_vendor_id))


@lru_cache(maxsize=16384)
def tcf_decode(value: str) -> TcfConsent:
    """Decode a TC string; a malformed one answers ``valid=False`` with the reason."""
    if not value:
        return _invalid("empty")
    if len(value) > MAX_TCF_LENGTH:
        return _invalid("too_long")
    segments = value.split(".")
    if not all(_SEGMENT_RE.match(s) for s in segments):
        return _invalid("not_base64url")
    try:
        return _decode(segments)
    except _TruncatedError:
        return _invalid("truncated")
    except (ValueError, OverflowError, OSError):
        return _invalid("malformed")


def _decode(segments: list[str]) -> TcfConsent:
    core = _Bits(segments[0])
    version = core.int(6)
    if version != 2:
        return _invalid(f"unsupported_version_{version}")
    created, last_updated = core.time(), core.time()
    cmp_id, cmp_version = core.int(12), core.int(12)
    core.int(6)  # consent screen
    core.letters(2)  # consent language
    vendor_list_version, policy_version = core.int(12), core.int(6)
    core.bool()  # is service specific
    core.bool()  # use non-standard texts
    special_features = core.field(12)
    purposes_consent, purposes_li = core.field(24), core.field(24)
    purpose_one_treatment = core.bool()
    publisher_cc = core.letters(2)
    vendor_consents, vendor_li = core.vendors(), core.vendors()
    restrictions = []
    for _ in range(core.int(12)):
        purpose, kind = core.int(6), core.int(2)
        restrictions.append((purpose, kind, core.ranges(core.int(12))))
    disclosed: Ranges | None = None
    publisher: frozenset[int] | None = None
    for segment in segments[1:]:
        bits = _Bits(segment)
        kind = bits.int(3)
        if kind in (DISCLOSED_VENDORS, ALLOWED_VENDORS):
            vendors = bits.vendors()
            if kind == DISCLOSED_VENDORS:
                disclosed = vendors
        elif kind == PUBLISHER_TC:
            publisher = bits.field(24)
            bits.field(24)  # legitimate interests
            custom = bits.int(6)
            bits.field(custom * 2)
        else:
            return _invalid("unknown_segment")
    return TcfConsent(
        valid=True,
        version=version,
        policy_version=policy_version,
        cmp_id=cmp_id,
        cmp_version=cmp_version,
        created=created,
        last_updated=last_updated,
        vendor_list_version=vendor_list_version,
        publisher_cc=publisher_cc,
        purpose_one_treatment=purpose_one_treatment,
        purposes_consent=purposes_consent,
        purposes_li=purposes_li,
        special_features=special_features,
        vendor_consents=vendor_consents,
        vendor_li=vendor_li,
        disclosed_vendors=disclosed,
        restrictions=tuple(restrictions),
        publisher_purposes_consent=publisher,
    )
