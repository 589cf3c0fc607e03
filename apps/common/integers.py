"""Integers that come from a URL (a path segment or a query string), bounded before a query.

PostgreSQL refuses a number its column cannot hold (``bigint out of range``, a 500) where
SQLite quietly compares it, so every integer a client puts in a URL is read here, once, and
no view has to remember the limits:

- an id beyond what an id column holds cannot exist: a detail path does not resolve (404) and
  a list filtered by it is empty;
- ``page`` and ``per_page`` must fit a 64-bit integer; a page past the last one is an empty
  page, answered without querying for its rows;
- anything that is not a whole number in ASCII digits (``1.5``, ``1e3``, ``1_000``, ``abc``)
  or is below the minimum (``page=0``, ``advertiser_id=-3``) is 422, with the parameter's
  path (``["query", "page"]``) in ``details``.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

# An id column (BigAutoField, and every foreign key to one) and an SQL OFFSET hold at most this.
BIGINT_MAX = 2**63 - 1
ID_MIN = 1
# What a filter id beyond BIGINT_MAX becomes: a number the column holds and no row has.
UNMATCHED_ID = -1

_WHOLE_NUMBER = re.compile(r"-?[0-9]+\Z")
_BIGINT_DIGITS = len(str(BIGINT_MAX))


def whole_number(text: str) -> int | None:
    """``text`` as an int when it is a whole number in ASCII digits; None otherwise.

    Python's ``int()`` also takes ``" 7"``, ``"1_000"`` and non-ASCII digits, which a URL
    should not; very long numbers are cut to ``BIGINT_MAX + 1`` (no column holds them, and
    converting thousands of digits is slow).
    """
    if not _WHOLE_NUMBER.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-").lstrip("0") or "0"
    if len(digits) > _BIGINT_DIGITS:
        return sign * (BIGINT_MAX + 1)
    return sign * int(digits)


class IdConverter:
    """Path converter ``<id:name>``: an id a row can have, or the URL does not resolve (404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None or not ID_MIN <= number <= BIGINT_MAX:
            raise ValueError("not an id any row can have")
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class WholeNumberField(serializers.IntegerField):
    """An integer query parameter: ASCII digits only, bounded by ``min_value``/``max_value``."""

    default_error_messages = {"invalid": "A whole number is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        number = whole_number(str(data))
        if number is None:
            self.fail("invalid")
        return number


class PageNumberField(WholeNumberField):
    """``page``/``per_page``: from 1 to ``BIGINT_MAX``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class IdFilterField(WholeNumberField):
    """An id that filters a list: below 1 is 422, beyond any stored id matches nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        number = super().to_internal_value(data)
        if number < self.min_value:
            self.fail("min_value", min_value=self.min_value)
        return UNMATCHED_ID if number > BIGINT_MAX else number

    def run_validators(self, value):
        # A client's number below the minimum was refused above, so this one is ours.
        if value != UNMATCHED_ID:
            super().run_validators(value)
