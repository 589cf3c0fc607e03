"""Building blocks for API views: strict input validation, envelopes and pagination."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import InputValidationError
from .integers import PageNumberField

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25


class StrictInputSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not declare (``unrecognized_keys``)."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {
                key: [ErrorDetail("Unknown field.", code="unknown_field")]
                for key in data
                if key not in self.fields or self.fields[key].read_only
            }
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(unknown)
            raise
        if unknown:
            raise ValidationError(unknown)
        return value


def validate_body(
    serializer_class: type[serializers.Serializer],
    request: Request,
    *,
    partial: bool = False,
    context: dict | None = None,
) -> dict[str, Any]:
    """Validate ``request.data``; raise a 422 whose details name each failing field."""
    data = request.data
    if not isinstance(data, Mapping):
        raise ValidationError(
            {"non_field_errors": [ErrorDetail("Expected a JSON object.", code="invalid_type")]}
        )
    serializer = serializer_class(
        data=data, partial=partial, context={"request": request, **(context or {})}
    )
    if not serializer.is_valid():
        raise InputValidationError(serializer)
    return serializer.validated_data


def validate_query(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params, context={"request": request})
    if not serializer.is_valid():
        raise InputValidationError(serializer, location="query")
    return serializer.validated_data


def ok(data: Any, *, status: int = 200, headers: dict | None = None, **extra: Any) -> Response:
    """The success envelope: ``{"success": true, "data": ...}`` plus any top-level extras."""
    return Response({"success": True, "data": data, **extra}, status=status, headers=headers)


class PageQuery(serializers.Serializer):
    """``page``/``per_page`` of every list; list query serializers extend it."""

    page = PageNumberField(required=False, default=1, help_text="From 1; past the last: empty.")
    per_page = PageNumberField(
        required=False,
        default=DEFAULT_PER_PAGE,
        help_text=f"Items per page; more than {MAX_PER_PAGE} is answered as {MAX_PER_PAGE}.",
    )


def paginate(request: Request, queryset: Sequence) -> tuple[Sequence, dict[str, int]]:
    """Slice ``queryset`` by ``page``/``per_page`` (capped at 100) and describe the page.

    A page past the last one is empty and costs no query for rows, so its offset (which may
    be beyond what SQL's OFFSET takes) never reaches the database.
    """
    params = PageQuery(data=request.query_params)
    if not params.is_valid():
        raise InputValidationError(params, location="query")
    page = params.validated_data["page"]
    per_page = min(params.validated_data["per_page"], MAX_PER_PAGE)
    total = (
        queryset.count()
        if hasattr(queryset, "count") and not isinstance(queryset, list)
        else len(queryset)
    )
    start = (page - 1) * per_page
    items = list(queryset[start : start + per_page]) if start < total else []
    meta = {
        "page": page,
        "per_page": per_page,
        "count": len(items),
        "total": total,
        "pages": math.ceil(total / per_page) if total else 0,
    }
    return items, meta


def paginated(
    request: Request,
    queryset: Sequence,
    output_class: type[serializers.Serializer],
    *,
    context: dict | None = None,
) -> Response:
    items, meta = paginate(request, queryset)
    data = output_class(items, many=True, context={"request": request, **(context or {})}).data
    return Response({"success": True, "data": data, "pagination": meta})
