"""DRF exception handler: every error under ``/api/v1`` leaves in the PRODUCT.md envelope."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from .errors import ApiError, error_body

logger = logging.getLogger(__name__)

# DRF validation codes → the stable codes of the envelope's ``details``.
_DETAIL_CODES = {
    "required": "required",
    "null": "invalid_type",
    "blank": "too_small",
    "min_length": "too_small",
    "max_length": "too_big",
    "min_value": "too_small",
    "max_value": "too_big",
    "empty": "too_small",
    "max_string_length": "too_big",
    "invalid_choice": "invalid_enum_value",
    "max_digits": "invalid_number",
    "max_decimal_places": "invalid_number",
    "max_whole_digits": "invalid_number",
    "not_a_list": "invalid_type",
    "not_a_dict": "invalid_type",
    "unique": "already_exists",
    "unknown_field": "unrecognized_keys",
    "invalid_email": "invalid_string",
    "password_too_short": "weak_password",
    "password_too_common": "weak_password",
    "password_entirely_numeric": "weak_password",
    "password_too_similar": "weak_password",
}
_TYPED_FIELDS = (
    serializers.IntegerField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.ListField,
    serializers.DictField,
    serializers.JSONField,
)
_STRING_FORMATS = (
    serializers.EmailField,
    serializers.URLField,
    serializers.RegexField,
    serializers.UUIDField,
)


class InputValidationError(exceptions.ValidationError):
    """A serializer's errors, with the serializer kept so details can name limits."""

    def __init__(self, serializer: serializers.BaseSerializer, location: str = "body"):
        super().__init__(serializer.errors)
        self.serializer = serializer
        self.location = location


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))

    if not isinstance(exc, exceptions.APIException):
        return None  # ApiErrorMiddleware turns it into a logged, trace-free 500.
    if isinstance(exc, _REFUSED_BEFORE_THROTTLES):
        exc = _count_refused_request(exc, context)

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait)))

    body = exception_body(exc)
    return Response(body, status=body["statusCode"], headers=headers)


# DRF authenticates and checks permissions before it runs the throttles, so without this a
# request refused with 401/403 for bad credentials (a guessed key or token) or a forbidden
# action would never be counted. A request carrying no credentials at all is refused at no
# cost and reveals nothing, so it is not counted.
_REFUSED_BEFORE_THROTTLES = (
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
)


def _count_refused_request(exc: exceptions.APIException, context: dict[str, Any]):
    request, view = context.get("request"), context.get("view")
    django_request = getattr(request, "_request", None)
    if view is None or django_request is None:
        return exc
    if getattr(django_request, "api_throttles_checked", False):
        return exc
    django_request.api_throttles_checked = True
    waits = [t.wait() for t in view.get_throttles() if not t.allow_request(request, view)]
    if waits:
        return exceptions.Throttled(wait=max((w for w in waits if w is not None), default=None))
    return exc


def exception_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        location = getattr(exc, "location", "body")
        serializer = getattr(exc, "serializer", None)
        details = validation_details(exc.detail, serializer=serializer, location=location)
        error = "; ".join(_describe(d) for d in details[:5]) or "Validation failed."
        return error_body(
            422, error, message="validation failed", code="validation_failed", details=details
        )
    if isinstance(exc, exceptions.ParseError):
        return error_body(
            400,
            f"Malformed request body: {exc.detail}",
            message="malformed body",
            code="malformed_json",
        )
    if isinstance(exc, ApiError):
        return error_body(
            exc.status_code,
            str(exc.detail),
            message=exc.summary,
            code=exc.error_code,
            details=exc.details,
        )
    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated):
        return error_body(401, str(exc.detail), code="not_authenticated")
    if isinstance(exc, exceptions.AuthenticationFailed):
        return error_body(401, str(exc.detail), code="authentication_failed")
    if isinstance(exc, exceptions.Throttled):
        return error_body(
            429,
            "Rate limit exceeded. Retry later.",
            message="too many requests",
            code="rate_limited",
        )
    return error_body(status_code, _flatten_text(exc.detail))


def validation_details(
    detail: Any, *, serializer: Any = None, location: str = "body"
) -> list[dict[str, Any]]:
    """Flatten DRF's nested error structure to one entry per failing field."""
    out: list[dict[str, Any]] = []
    _walk(detail, [location], serializer, out)
    return out


def _walk(detail: Any, path: list, field: Any, out: list) -> None:
    if isinstance(detail, dict):
        for key, sub in detail.items():
            if key in ("non_field_errors", "__all__"):
                _walk(sub, path, None, out)
                continue
            child = _child_field(field, key)
            _walk(sub, [*path, key], child, out)
    elif isinstance(detail, list):
        if detail and all(isinstance(d, (str, exceptions.ErrorDetail)) for d in detail):
            for item in detail:
                out.append(_entry(item, path, field))
        else:
            child = getattr(field, "child", None)
            for index, sub in enumerate(detail):
                if sub:
                    _walk(sub, [*path, index], child, out)
    else:
        out.append(_entry(detail, path, field))


def _child_field(field: Any, key: str) -> Any:
    if field is None:
        return None
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    fields = getattr(field, "fields", None)
    try:
        return fields[key] if fields is not None else None
    except KeyError:
        return None


def _entry(item: Any, path: list, field: Any) -> dict[str, Any]:
    raw_code = getattr(item, "code", None) or "invalid"
    code = _DETAIL_CODES.get(raw_code)
    if code is None:
        code = raw_code
        if raw_code == "invalid" and isinstance(field, _TYPED_FIELDS):
            code = "invalid_type"
        elif raw_code == "invalid" and isinstance(field, _STRING_FORMATS):
            code = "invalid_string"
    entry: dict[str, Any] = {"path": path, "code": code, "message": str(item)}
    if field is not None:
        if raw_code == "min_length":
            entry["minimum"] = field.min_length
        elif raw_code == "max_length":
            entry["maximum"] = field.max_length
        elif raw_code == "min_value":
            entry["minimum"] = _plain(field.min_value)
        elif raw_code == "max_value":
            entry["maximum"] = _plain(field.max_value)
        elif raw_code == "blank":
            entry["minimum"] = 1
        elif raw_code == "invalid_choice" and hasattr(field, "choices"):
            entry["options"] = [str(c) for c in field.choices]
    return entry


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float)) or value is None else str(value)


def _describe(entry: dict[str, Any]) -> str:
    field = ".".join(str(p) for p in entry["path"][1:])
    return f"{field}: {entry['message']}" if field else entry["message"]


def _django_errors(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            field: [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in errs for m in e]
            for field, errs in exc.error_dict.items()
        }
    return [exceptions.ErrorDetail(m, code="invalid") for m in exc.messages]


def _flatten_text(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_flatten_text(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return "; ".join(_flatten_text(d) for d in detail)
    return str(detail)
