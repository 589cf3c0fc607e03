"""Writes of the exchange's configuration (exchange rates)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction

from .models import RATE_PLACES, ExchangeRate, validate_currency


class RatesError(ValueError):
    pass


def rates_parse(lines: Iterable[str], *, platform_currency: str) -> dict[str, Decimal]:
    """``currency,rate`` rows (a header row and ``#`` comments allowed): units of each
    currency per one unit of the platform currency."""
    rates: dict[str, Decimal] = {}
    rows = csv.reader(line for line in lines if line.strip() and not line.lstrip().startswith("#"))
    for number, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise RatesError(f"Row {number}: expected 'currency,rate'.")
        code, text = row[0].strip().upper(), row[1].strip()
        if number == 1 and code == "CURRENCY":
            continue  # the header
        try:
            validate_currency(code)
        except Exception:
            raise RatesError(f"Row {number}: {code!r} is not a currency code.") from None
        try:
            rate = Decimal(text)
        except InvalidOperation:
            raise RatesError(f"Row {number}: {text!r} is not a number.") from None
        if not rate.is_finite() or rate <= 0:
            raise RatesError(f"Row {number}: the rate must be positive.")
        if code == platform_currency and rate != 1:
            raise RatesError(f"Row {number}: the platform currency ({code}) is 1 by definition.")
        if code in rates:
            raise RatesError(f"Row {number}: {code} appears twice.")
        rates[code] = rate.quantize(Decimal(1).scaleb(-RATE_PLACES))
    return rates


@transaction.atomic
def rates_load(*, rates: dict[str, Decimal], replace: bool = False) -> tuple[int, int]:
    """Create or update the rates; with ``replace`` drop the others. Answers (written, dropped)."""
    dropped = 0
    if replace:
        dropped, _ = ExchangeRate.objects.exclude(currency__in=list(rates)).delete()
    for code, rate in rates.items():
        ExchangeRate.objects.update_or_create(currency=code, defaults={"rate": rate})
    return len(rates), dropped
