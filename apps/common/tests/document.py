"""Check a real answer of the WSGI application against the published OpenAPI document."""

from __future__ import annotations

import functools
import json

from werkzeug.test import Client, TestResponse


@functools.cache
def _application():
    from adplatform.wsgi import application

    return application


@functools.cache
def api_document():
    """The document as ``/api/v1/docs-json`` serves it, loaded by schemathesis."""
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/v1/docs-json", _application())


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
    return Client(_application()).open(
        path, method=method, headers=headers, data=data, buffered=True
    )


def assert_documented(response: TestResponse, method: str, template: str) -> dict:
    """The answer's status, content type and body are what the document declares."""
    operation = api_document()[template][method]
    operation.validate_response(response)  # raises, naming each mismatch
    return json.loads(response.get_data())
