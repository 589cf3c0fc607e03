"""IAB US Privacy strings (CCPA): ``1YNN`` is version 1, notice given, no opt-out of sale,
not an LSPA transaction; ``-`` means not applicable."""

from __future__ import annotations

import re
from dataclasses import dataclass

_USP_RE = re.compile(r"^1[YN-][YN-][YN-]$")


@dataclass(frozen=True, slots=True)
class UsPrivacy:
    valid: bool
    opt_out: bool  # opted out of sale; a malformed string counts as opted out


def usp_decode(value: str) -> UsPrivacy:
    text = value.strip().upper()
    if not _USP_RE.match(text):
        return UsPrivacy(valid=False, opt_out=True)
    return UsPrivacy(valid=True, opt_out=text[2] == "Y")
