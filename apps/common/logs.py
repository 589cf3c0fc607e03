"""Logs a machine can read: one JSON object per line, each carrying the request's id.

``RequestIdMiddleware`` (and the hot path's lane) give every request an id: the caller's
``X-Request-ID`` when it is a short token, a new one otherwise. It is sent back in the
``X-Request-ID`` header and added to every log line written while the request is handled,
so a line in the web log, an error report and a client's complaint can be matched. Log
calls name objects by id and never write secrets or client addresses.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_begin(request: HttpRequest) -> str:
    """The request's id (the caller's if it is a sane token), set for this context."""
    given = request.META.get(REQUEST_ID_HEADER, "")
    request_id = given if _ACCEPTED.match(given) else uuid.uuid4().hex
    current_request_id.set(request_id)
    request.request_id = request_id
    return request_id


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request_id.set("-")
        try:
            request_id = request_id_begin(request)
            response = self.get_response(request)
            response.headers.setdefault("X-Request-ID", request_id)
            return response
        finally:
            current_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message and request id; the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
