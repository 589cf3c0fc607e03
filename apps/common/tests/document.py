"""Check a real answer of the WSGI application against the published OpenAPI document, with
openapi-core (a strict OpenAPI 3.0 reader, as client generators are)."""

from __future__ import annotations

import functools
import json

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from werkzeug.test import Client, TestResponse


@functools.cache
def _application():
    from adplatform.wsgi import application

    return application


@functools.cache
def api_document():
    """The document as ``/api/v1/docs-json`` serves it."""
    from openapi_core import Config, OpenAPI

    response = _open("/api/v1/docs-json", method="GET", headers={}, data=None)
    # Text documents (CSV exports, VAST) are declared as strings: compare them as text, not
    # as bytes or a parsed XML tree.
    text = {media: _as_text for media in ("text/csv", "application/xml", "text/xml")}
    config = Config(extra_media_type_deserializers=text)
    return OpenAPI.from_dict(json.loads(response.get_data()), config=config)


def _as_text(value: bytes, **parameters: str) -> str:
    return value.decode(parameters.get("charset") or "utf-8")


def call(method: str, path: str, *, user=None, body: dict | None = None) -> TestResponse:
    """One request through the production WSGI application, as ``user`` (a fresh API key)."""
    from apps.accounts.services import api_key_create

    headers = {}
    if user is not None:
        _, raw = api_key_create(user=user, name="document check")
        headers["Authorization"] = f"Bearer {raw}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body), "application/json"
    return _open(path, method=method, headers=headers, data=data)


def _open(path: str, **kwargs) -> TestResponse:
    # As Django's test client does: the handler's end-of-request connection cleanup would
    # close the connection that holds the test's open transaction (on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return Client(_application()).open(path, buffered=True, **kwargs)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def assert_documented(response: TestResponse, method: str, template: str) -> dict:
    """The answer's status, content type and body are what the document declares for
    ``method`` ``template``; returns the body."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse

    request = _AnswerOnly(response.request)
    assert request.method == method.lower() and _matches(template, request.path), request.path
    try:
        api_document().validate_response(request, WerkzeugOpenAPIResponse(response))
    except Exception as exc:  # name every schema error, not just the first line
        errors = getattr(exc.__cause__, "schema_errors", None) or [exc.__cause__ or exc]
        raise AssertionError("; ".join(str(error)[:500] for error in errors)) from exc
    return json.loads(response.get_data())


class _AnswerOnly:
    """The request as openapi-core needs it to find the operation; its body is not read (only
    the answer is checked here, and werkzeug refuses to read a consumed stream twice)."""

    def __new__(cls, request):
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

        class Wrapped(WerkzeugOpenAPIRequest):
            body = b""
            content_type = "application/json"

        return Wrapped(request)


def _matches(template: str, path: str) -> bool:
    import re

    pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None
