"""IAB Global Privacy Platform strings: a header naming the sections, then the sections,
``~``-separated (``DBABMA~<TCF EU v2 string>``).

We check the header and the number of sections, and keep each section's text by its id.
Two sections are interpreted: 2 (TCF EU v2: a TC string, used when ``gdpr_consent`` is not
sent) and 6 (US Privacy v1, used when ``us_privacy`` is not). The others (the US national
and state sections) are recorded in the consent ledger as received, not interpreted; GPC
is honoured from the ``Sec-GPC`` header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_GPP_LENGTH = 8192
TCF_EU_V2, US_PRIVACY_V1 = 2, 6
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIXBITS = {c: format(i, "06b") for i, c in enumerate(_ALPHABET)}
_HEADER_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class GppString:
    valid: bool
    error: str = ""
    section_ids: tuple[int, ...] = ()
    sections: dict[int, str] = field(default_factory=dict, hash=False, compare=False)


class _Bits:
    def __init__(self, text: str):
        self.bits = "".join(_SIXBITS[c] for c in text)
        self.pos = 0

    def int(self, n: int) -> int:
        end = self.pos + n
        if end > len(self.bits):
            raise ValueError("truncated")
        value = int(self.bits[self.pos : end], 2)
        self.pos = end
        return value

    def fibonacci(self) -> int:
        """A Fibonacci-coded integer (terminated by two consecutive ones)."""
        a, b, value, previous = 1, 2, 0, "0"
        while True:
            if self.pos >= len(self.bits):
                raise ValueError("truncated")
            bit = self.bits[self.pos]
            self.pos += 1
            if bit == "1" and previous == "1":
                return value
            if bit == "1":
                value += a
            a, b = b, a + b
            previous = bit


def _section_ids(header: str) -> tuple[int, ...]:
    bits = _Bits(header)
    if bits.int(6) != 3:
        raise ValueError("not a GPP header")
    if bits.int(6) != 1:
        raise ValueError("unsupported GPP version")
    ids: list[int] = []
    last = 0
    for _ in range(bits.int(12)):
        is_range = bits.int(1)
        start = last + bits.fibonacci()
        end = start + bits.fibonacci() if is_range else start
        if end - start > 64:
            raise ValueError("implausible section range")
        ids.extend(range(start, end + 1))
        last = end
    return tuple(ids)


@lru_cache(maxsize=8192)
def gpp_decode(value: str) -> GppString:
    if not value:
        return GppString(valid=False, error="empty")
    if len(value) > MAX_GPP_LENGTH:
        return GppString(valid=False, error="too_long")
    header, *sections = value.split("~")
    if not _HEADER_RE.match(header):
        return GppString(valid=False, error="not_base64url")
    try:
        ids = _section_ids(header)
    except ValueError as exc:
        return GppString(valid=False, error=str(exc).replace(" ", "_")[:60])
    if len(ids) != len(sections) or len(set(ids)) != len(ids):
        return GppString(valid=False, error="sections_do_not_match_header", section_ids=ids)
    return GppString(valid=True, section_ids=ids, sections=dict(zip(ids, sections, strict=True)))


def gpp_sid_parse(value: str) -> tuple[int, ...]:
    """``gpp_sid`` as sent (``"2,6"``); anything unreadable is left out."""
    found = []
    for part in value.split(",")[:32]:
        part = part.strip()
        if part.isdigit() and len(part) <= 4:
            found.append(int(part))
    return tuple(found)
