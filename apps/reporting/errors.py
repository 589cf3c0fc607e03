"""Report errors in the common envelope."""

from __future__ import annotations

from typing import Any

from apps.common.errors import FieldValidationError


def query_error(field: str, message: str, *, code: str = "invalid", **extra: Any):
    """A 422 naming the query parameter ``field`` (``details[0].path == ["query", field]``)."""
    error = FieldValidationError(field, message, code=code, location="query")
    error.details[0].update(extra)
    return error
