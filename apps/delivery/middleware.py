"""A short way in for the public hot path (serve and tracking).

These endpoints need none of the session, authentication, CSRF, messages or idempotency
machinery, and resolving them through every app's URL patterns costs more than deciding an
ad. This middleware, first in the stack, matches them against the routes of the hot-path
URLconfs (``HOT_ROUTE_MODULES``: ``apps/delivery/urls.py`` and the OpenRTB exchange's
``apps/rtb/urls.py``, each found where the project mounts it) and calls the view directly,
with the parts of the stack they do need: the client address, the body limit, a trace-free
JSON 500, ``nosniff`` and the rate-limit headers. ``debug=1`` (which may use a session
login) takes the ordinary path.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from apps.common.logs import current_request_id, request_id_begin
from apps.common.metrics import HOT_REQUEST_SECONDS
from apps.common.middleware import json_error
from apps.common.net import client_ip
from apps.common.ratelimit import ratelimit_headers

logger = logging.getLogger("apps.api")
# URLconfs whose routes take the lane, wherever the project mounts them.
HOT_ROUTE_MODULES = ("apps.delivery.urls", "apps.rtb.urls")


@dataclass(frozen=True)
class HotRoutes:
    """The delivery URL patterns as the lane matches them: literal paths in a dictionary,
    patterns with parameters tried in order, all behind their common prefixes."""

    prefixes: tuple[str, ...]
    exact: dict[str, object]
    patterns: tuple[tuple[str, URLPattern], ...]  # (mount prefix, pattern)

    def match(self, path: str):
        """The view and its keyword arguments for ``path``, or ``None``."""
        if not path.startswith(self.prefixes):
            return None
        view = self.exact.get(path)
        if view is not None:
            return view, {}
        for mount, pattern in self.patterns:
            if path.startswith(mount):
                found = pattern.resolve(path[len(mount) :])
                if found is not None:
                    return found.func, found.kwargs
        return None


def _mount(resolver: URLResolver, module: str, prefix: str = "/") -> str | None:
    """Where the project mounts the URLconf ``module`` (e.g. ``/api/v1/``)."""
    for entry in resolver.url_patterns:
        if not isinstance(entry, URLResolver):
            continue
        here = prefix + str(entry.pattern)
        if getattr(entry.urlconf_module, "__name__", entry.urlconf_name) == module:
            return here
        found = _mount(entry, module, here)
        if found is not None:
            return found
    return None


@cache
def hot_routes() -> HotRoutes:
    from importlib import import_module

    resolver = get_resolver()
    exact, patterns, prefixes = {}, [], set()
    for module in HOT_ROUTE_MODULES:
        mount = _mount(resolver, module)
        if mount is None:
            continue
        for pattern in import_module(module).urlpatterns:
            route = str(pattern.pattern)
            literal = route.split("<", 1)[0]
            prefixes.add(mount + literal.split("/", 1)[0] + "/")
            if "<" in route:
                patterns.append((mount, pattern))
            else:
                exact[mount + route] = pattern.callback
    if not prefixes:
        return HotRoutes(prefixes=("\0",), exact={}, patterns=())
    return HotRoutes(prefixes=tuple(sorted(prefixes)), exact=exact, patterns=tuple(patterns))


def hot_path_view(path: str):
    """The view and its arguments for a serve or tracking path, or ``None``."""
    return hot_routes().match(path)


@cache
def _latency(view):
    """The latency histogram of one route (labelled by its view's name), bound once."""
    return HOT_REQUEST_SECONDS.labels(getattr(view, "__name__", "other"))


def hot_path_dispatch(request: HttpRequest, view, kwargs: dict) -> HttpResponse:
    """Call a hot-path view with the parts of the stack it needs, and time it."""
    started = time.perf_counter()
    token = current_request_id.set("-")
    try:
        request_id = request_id_begin(request)
        response = _dispatch(request, view, kwargs)
    finally:
        current_request_id.reset(token)
    response.headers["X-Request-ID"] = request_id
    _latency(view).observe(time.perf_counter() - started)
    return response


def _dispatch(request: HttpRequest, view, kwargs: dict) -> HttpResponse:
    client_ip(request)
    if not getattr(view, "checks_own_body", False):  # e.g. OpenRTB answers in its own shape
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
        found = hot_path_view(request.path_info)
        if found is None or "debug" in request.GET:
            return self.get_response(request)
        return hot_path_dispatch(request, *found)
