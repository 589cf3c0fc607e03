"""Request/response middleware for ``/api/v1``: errors, body limits, rate headers, idempotency."""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import error_body
from .net import client_ip
from .ratelimit import ratelimit_headers

logger = logging.getLogger("apps.api")

API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def json_error(status: int, error: str, **kwargs) -> JsonResponse:
    return JsonResponse(error_body(status, error, **kwargs), status=status)


class ClientIPMiddleware:
    """Resolves the client address once (see ``TRUSTED_PROXIES``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client_ip(request)
        return self.get_response(request)


# Streamed uploads (audience lists) may be larger than API_MAX_BODY_BYTES; their views read
# the body in chunks and stop at AUDIENCE_UPLOAD_MAX_BYTES.
LARGE_BODY_PATHS = re.compile(r"^/api/v1/audiences/\d+/uploads$")


class ApiErrorMiddleware:
    """Makes every ``/api/`` response that is an error speak the JSON envelope.

    Refuses oversized bodies with 413 before anything reads them, turns HTML 404/405/403
    pages from Django into the envelope (unless a view marks its response
    ``api_envelope_exempt``, e.g. a VAST error document), logs unexpected exceptions and
    answers a trace-free 500, and adds the ``X-RateLimit-*`` headers of the rate limiter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = (
            settings.AUDIENCE_UPLOAD_MAX_BYTES
            if LARGE_BODY_PATHS.match(request.path_info)
            else settings.API_MAX_BODY_BYTES
        )
        try:
            too_big = int(length) > limit
        except ValueError:
            return json_error(400, "Invalid Content-Length header.", code="bad_request")
        if too_big:
            return json_error(
                413,
                f"Request body exceeds {limit} bytes.",
                code="payload_too_large",
            )
        response = self.get_response(request)
        exempt = getattr(response, "api_envelope_exempt", False)
        if response.status_code >= 400 and not exempt and not _is_json(response):
            response = _envelope_for(response)
        usage = getattr(request, "ratelimit_usage", None)
        if usage is not None:
            for header, value in ratelimit_headers(usage).items():
                response.headers.setdefault(header, value)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_api_path(request.path_info):
            return None
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "Request body too large.", code="payload_too_large")
        logger.exception("Unhandled error on %s %s", request.method, request.path_info)
        return json_error(500, "An unexpected error occurred.", code="internal_error")


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _envelope_for(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    messages = {
        404: "The requested resource was not found.",
        405: "Method not allowed.",
        403: "You do not have permission to perform this action.",
        400: "Bad request.",
        500: "An unexpected error occurred.",
    }
    new = json_error(status, messages.get(status, "Request failed."))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            new[header] = response[header]
    return new


class IdempotencyMiddleware:
    """Replays the first answer to a ``POST`` repeated with the same ``Idempotency-Key``.

    The key is scoped to the caller (its credentials, session or address) and bound to a
    fingerprint of the request; reusing it for a different request is refused with 422, and
    a duplicate arriving while the first is still running gets 409. 5xx and 429 answers are not
    stored, so the client may retry them.
    """

    HEADER = "HTTP_IDEMPOTENCY_KEY"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(self.HEADER)
        if key is None or request.method != "POST" or not is_api_path(request.path_info):
            return self.get_response(request)
        if not key or len(key) > 255:
            return json_error(
                422,
                "Idempotency-Key must be 1 to 255 characters.",
                message="validation failed",
                code="validation_failed",
                details=[
                    {
                        "path": ["header", "Idempotency-Key"],
                        "code": "invalid",
                        "message": "1 to 255 characters",
                    }
                ],
            )
        scope = (
            request.META.get("HTTP_AUTHORIZATION")
            or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            or f"ip:{client_ip(request)}"
        )
        cache_key = "idem:" + hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\x00".join([request.method.encode(), request.get_full_path().encode(), request.body])
        ).hexdigest()

        stored = cache.get(cache_key)
        if stored is not None:
            return self._replay_or_refuse(stored, fingerprint)
        lock_key = cache_key + ":lock"
        if not cache.add(lock_key, fingerprint, timeout=60):
            return json_error(
                409,
                "A request with this Idempotency-Key is still in progress.",
                code="idempotency_in_progress",
            )
        try:
            response = self.get_response(request)
            if (
                response.status_code < 500
                and response.status_code != 429
                and not response.streaming
            ):
                if "no-store" in response.get("Cache-Control", ""):
                    # The answer carries a secret shown once (a key, a webhook secret): it is
                    # not kept, and a repeat is refused instead of replayed.
                    record = {"fingerprint": fingerprint, "withheld": True}
                else:
                    record = {
                        "fingerprint": fingerprint,
                        "status": response.status_code,
                        "content": response.content,
                        "content_type": response.get("Content-Type", "application/json"),
                        "location": response.get("Location"),
                    }
                cache.set(cache_key, record, timeout=settings.IDEMPOTENCY_TTL_SECONDS)
            return response
        finally:
            cache.delete(lock_key)

    @staticmethod
    def _replay_or_refuse(stored: dict, fingerprint: str) -> HttpResponse:
        if stored["fingerprint"] != fingerprint:
            return json_error(
                422,
                "This Idempotency-Key was already used with a different request.",
                message="idempotency key reused",
                code="idempotency_key_reused",
            )
        if stored.get("withheld"):
            return json_error(
                409,
                "This request was already processed; its answer held a secret shown only once.",
                code="idempotent_replay_withheld",
            )
        response = HttpResponse(
            stored["content"], status=stored["status"], content_type=stored["content_type"]
        )
        if stored.get("location"):
            response["Location"] = stored["location"]
        response["Idempotent-Replayed"] = "true"
        return response
