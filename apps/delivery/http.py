"""Responses of the public serve and tracking endpoints (plain Django, no DRF).

They are fetched cross-origin by ad tags, pixels and video players, and never cached.
"""

from __future__ import annotations

import base64

import orjson
from django.http import HttpRequest, HttpResponse

from apps.common.errors import error_body

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def public(response: HttpResponse, *, echo_origin: str | None = None) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    if echo_origin:
        # Video players (IMA and friends) fetch VAST with credentials: echo the origin.
        response["Access-Control-Allow-Origin"] = echo_origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    else:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def json_response(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    return public(response)


def error_response(
    status: int, message: str, code: str, headers: dict | None = None
) -> HttpResponse:
    response = json_response(error_body(status, message, code=code), status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def preflight() -> HttpResponse:
    response = public(HttpResponse(status=204))
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    response["Access-Control-Max-Age"] = "86400"
    return response


def gif() -> HttpResponse:
    response = public(HttpResponse(GIF, content_type="image/gif"))
    response["Content-Length"] = str(len(GIF))
    return response


def plain(text: str, status: int) -> HttpResponse:
    return public(HttpResponse(text, status=status, content_type="text/plain"))


def base_url(request: HttpRequest) -> str:
    """Links point back at the host the request came to (the tag's own server)."""
    return f"{request.scheme}://{request.get_host()}"
