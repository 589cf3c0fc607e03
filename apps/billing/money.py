"""Billing's money helpers, on the one rounding rule of ``apps.reporting.money``.

The ledger holds exact micros; ``cents`` rounds an exact sum once (ROUND_HALF_EVEN, 2
places) where a person will read or pay it. Amounts typed by people (deposits, credit
limits) are cents already and convert to micros exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from apps.reporting.money import CENT, MICROS, money


def cents(micros: int) -> Decimal:
    """An exact sum of micros rounded once, half-even, to 2 places."""
    return Decimal(money(micros))


def micros_of(amount: Decimal) -> int:
    """Micros of a cents amount (exact: cents are whole micros)."""
    return int(Decimal(amount) * MICROS)


def tax_of(subtotal: Decimal, rate: Decimal) -> Decimal:
    return (Decimal(subtotal) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def as_text(amount: Decimal | None) -> str | None:
    """The API's 2-place string (None stays None)."""
    return None if amount is None else str(Decimal(amount).quantize(CENT))
