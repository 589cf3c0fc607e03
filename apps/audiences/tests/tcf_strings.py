"""An IAB TC string encoder for tests (TCF v2 core, Disclosed Vendors, Publisher TC), written
from the IAB "Consent string and vendor list formats v2" field tables."""

from __future__ import annotations

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CREATED = 16_500_000_000  # deciseconds: 2022-04-14


class Bits:
    def __init__(self):
        self.bits = ""

    def int(self, value: int, n: int) -> Bits:
        self.bits += format(value, f"0{n}b")
        return self

    def bool(self, value: bool) -> Bits:
        return self.int(int(value), 1)

    def field(self, ids, n: int) -> Bits:
        self.bits += "".join("1" if i in set(ids) else "0" for i in range(1, n + 1))
        return self

    def letters(self, text: str) -> Bits:
        for c in text:
            self.int(ord(c) - ord("A"), 6)
        return self

    def ranges(self, ranges) -> Bits:
        self.int(len(ranges), 12)
        for start, end in ranges:
            self.bool(start != end).int(start, 16)
            if start != end:
                self.int(end, 16)
        return self

    def vendors(self, ids, *, as_ranges: bool = False) -> Bits:
        ids = sorted(ids)
        self.int(max(ids, default=0), 16).bool(as_ranges)
        if as_ranges:
            return self.ranges([(i, i) for i in ids])
        return self.field(ids, max(ids, default=0))

    def encode(self) -> str:
        bits = self.bits + "0" * (-len(self.bits) % 24)  # as IAB's encoder pads
        return "".join(ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def tc_string(
    *,
    purposes=(),
    purposes_li=(),
    special_features=(),
    vendors=(),
    vendors_li=(),
    vendor_ranges: bool = False,
    restrictions=(),
    disclosed=None,
    publisher_purposes=None,
    policy_version: int = 4,
    cmp_id: int = 31,
    cmp_version: int = 2,
    vendor_list_version: int = 150,
    version: int = 2,
) -> str:
    core = (
        Bits()
        .int(version, 6)
        .int(CREATED, 36)
        .int(CREATED, 36)
        .int(cmp_id, 12)
        .int(cmp_version, 12)
        .int(1, 6)
        .letters("EN")
        .int(vendor_list_version, 12)
        .int(policy_version, 6)
        .bool(True)
        .bool(False)
        .field(special_features, 12)
        .field(purposes, 24)
        .field(purposes_li, 24)
        .bool(False)
        .letters("DE")
        .vendors(vendors, as_ranges=vendor_ranges)
        .vendors(vendors_li, as_ranges=vendor_ranges)
    )
    core.int(len(restrictions), 12)
    for purpose, kind, ranges in restrictions:
        core.int(purpose, 6).int(kind, 2).ranges(ranges)
    segments = [core.encode()]
    if disclosed is not None:
        segments.append(Bits().int(1, 3).vendors(disclosed).encode())
    if publisher_purposes is not None:
        segments.append(
            Bits().int(3, 3).field(publisher_purposes, 24).field((), 24).int(0, 6).encode()
        )
    return ".".join(segments)


ALL_PURPOSES = tuple(range(1, 11))
