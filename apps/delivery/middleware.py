"""A short way in for the public hot path (serve and tracking).

These endpoints need none of the session, authentication, CSRF, messages or idempotency
machinery, and resolving them through every app's URL patterns costs more than deciding an
ad. This middleware, first in the stack, matches them against a small table and calls the
view directly, with the parts of the stack they do need: the client address, the body limit,
a trace-free JSON 500, ``nosniff`` and the rate-limit headers. ``debug=1`` (which may use a
session login) takes the ordinary path.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.common.middleware import json_error
from apps.common.net import client_ip
from apps.common.ratelimit import ratelimit_headers

from . import tracking, views

logger = logging.getLogger("apps.api")

_SERVE = re.compile(
    r"^/api/v1/serve/(?P<zone_uuid>[^/]+)(?:/(?P<variant>iframe|image|click|vast))?$"
)
_SERVE_VIEWS = {
    None: views.serve,
    "iframe": views.serve_iframe,
    "image": views.serve_image,
    "click": views.serve_click,
    "vast": views.serve_vast,
}
_TRACK_VIEWS = {
    "/api/v1/track/impression": tracking.impression,
    "/api/v1/track/impression/pixel": tracking.impression_pixel,
    "/api/v1/track/click": tracking.click,
    "/api/v1/track/conversion": tracking.conversion,
    "/api/v1/track/conversion/pixel": tracking.conversion_pixel,
    "/api/v1/track/viewable": tracking.viewable,
    "/api/v1/track/video": tracking.video,
}


def hot_path_view(path: str):
    """The view and its arguments for a serve or tracking path, or ``None``."""
    view = _TRACK_VIEWS.get(path)
    if view is not None:
        return view, {}
    match = _SERVE.match(path)
    if match is not None:
        return _SERVE_VIEWS[match["variant"]], {"zone_uuid": match["zone_uuid"]}
    return None


HOT_PREFIXES = ("/api/v1/serve/", "/api/v1/track/")


def hot_path_dispatch(request: HttpRequest, view, kwargs: dict) -> HttpResponse:
    """Call a hot-path view with the parts of the stack it needs."""
    client_ip(request)
    try:
        too_big = int(request.META.get("CONTENT_LENGTH") or 0) > settings.API_MAX_BODY_BYTES
    except ValueError:
        return json_error(400, "Invalid Content-Length header.", code="bad_request")
    if too_big:
        return json_error(413, "Request body too large.", code="payload_too_large")
    try:
        response = view(request, **kwargs)
    except Exception:
        logger.exception("Unhandled error on %s %s", request.method, request.path_info)
        response = json_error(500, "An unexpected error occurred.", code="internal_error")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    usage = getattr(request, "ratelimit_usage", None)
    if usage is not None:
        for header, value in ratelimit_headers(usage).items():
            response.headers.setdefault(header, value)
    return response


class HotPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith(HOT_PREFIXES) or "debug" in request.GET:
            return self.get_response(request)
        found = hot_path_view(path)
        if found is None:
            return self.get_response(request)
        return hot_path_dispatch(request, *found)
