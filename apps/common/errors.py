"""The error envelope every ``/api/v1`` error uses, and the exceptions services raise.

Shape (PRODUCT.md)::

    {"success": false, "statusCode": 422, "error": "name: Ensure this field ...",
     "message": "validation failed", "code": "validation_failed",
     "details": [{"path": ["body", "name"], "code": "too_small", "message": "...", "minimum": 3}]}
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    501: "not_implemented",
}


def error_body(
    status_code: int,
    error: str,
    *,
    message: str | None = None,
    code: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build the error envelope; ``message`` defaults to the HTTP reason phrase."""
    body: dict[str, Any] = {
        "success": False,
        "statusCode": status_code,
        "error": error,
        "message": message or _reason(status_code),
        "code": code or DEFAULT_CODES.get(status_code, "error"),
    }
    if details:
        body["details"] = details
    return body


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower()
    except ValueError:
        return "error"


class ApiError(APIException):
    """Base for errors raised by services and views; carries our envelope fields."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"
    summary = "bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ):
        super().__init__(detail or self.default_detail, code or self.default_code)
        self.error_code = code or self.default_code
        self.details = details or []


class BusinessRuleError(ApiError):
    """The request is well-formed but breaks a business rule (400)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request breaks a business rule."
    default_code = "business_rule_violation"
    summary = "business rule violation"


class ConflictError(ApiError):
    """Duplicate or stale state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource conflicts with an existing one."
    default_code = "conflict"
    summary = "conflict"


class NotFoundError(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."
    default_code = "not_found"
    summary = "not found"


class FieldValidationError(ApiError):
    """A field-level rule failed inside a service; answered as 422 with ``details``."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Validation failed."
    default_code = "validation_failed"
    summary = "validation failed"

    def __init__(self, field: str, message: str, *, code: str = "invalid", location="body"):
        detail = {"path": [location, *field.split(".")], "code": code, "message": message}
        super().__init__(f"{field}: {message}", code="validation_failed", details=[detail])
