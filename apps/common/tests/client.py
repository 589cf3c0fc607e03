"""Every answer the test suite receives from the API is checked against the OpenAPI document.

Client generators trust the published document, so the suite does too. The root
``conftest.py`` wraps ``django.test.Client.request`` (which DRF's ``APIClient`` uses too), so
whichever test client a test picks, each response of an operation the document describes must
match what it declares for that status (body schema, content type), errors included. A request
to a path the document does not know may only be answered 404 or 405 (an unknown path under
``/api/v1``); anything else is an undocumented operation and fails the test. Paths outside the
API (dashboards, pixels, the ad tag) are not the document's business and pass unchecked.
"""

from __future__ import annotations

import contextlib
import functools

from .document import api_document

DOCUMENTED_PREFIXES = ("/api/", "/openrtb/")
NOT_OPERATIONS = ("/api/v1/docs", "/api/v1/schema")  # the document itself and its viewer
# Paths served twice, documented once (``apps/accounts/api.py``): checked as the original.
ALIASES = {"/api/v1/auth/api-keys": "/api/v1/api-keys"}


class UndocumentedResponseError(AssertionError):
    pass


_checking = [True]


@contextlib.contextmanager
def document_check_off():
    """For the few tests that send deliberately broken HTTP (a body no parser reads, a
    request the router never sees) and assert the raw answer themselves."""
    _checking.append(False)
    try:
        yield
    finally:
        _checking.pop()


def checked(request_method):
    """Wrap ``Client.request`` so that every answer is checked."""

    @functools.wraps(request_method)
    def request(self, **kwargs):
        response = request_method(self, **kwargs)
        if _checking[-1]:
            assert_response_documented(response)
        return response

    request.document_checked = True
    return request


def assert_response_documented(response) -> None:
    """Raise ``UndocumentedResponseError`` when ``response`` is not what the document says."""
    from openapi_core.contrib.django import DjangoOpenAPIResponse
    from openapi_core.templating.paths.exceptions import (
        OperationNotFound,
        PathNotFound,
        ServerNotFound,
    )

    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith(DOCUMENTED_PREFIXES):
        return
    if request.path.startswith(NOT_OPERATIONS) or request.method in ("OPTIONS", "HEAD"):
        return  # CORS preflights and HEAD are HTTP's, not operations of the document
    try:
        api_document().validate_response(_answer_only(request), DjangoOpenAPIResponse(response))
    except OperationNotFound as exc:
        # A method the path does not have: 405, or the authentication that DRF checks
        # before it looks for the method (401/403).
        if response.status_code in (401, 403, 404, 405):
            return
        raise UndocumentedResponseError(
            f"{request.method} {request.path} answered {response.status_code}, but the "
            f"document has no such operation ({exc})"
        ) from None
    except (PathNotFound, ServerNotFound) as exc:
        if response.status_code in (404, 405):
            return  # an unknown path, answered as such
        raise UndocumentedResponseError(
            f"{request.method} {request.path} answered {response.status_code}, but the "
            f"document has no such operation ({exc})"
        ) from None
    except Exception as exc:
        errors = getattr(exc.__cause__, "schema_errors", None) or [exc.__cause__ or exc]
        details = "; ".join(str(error)[:400] for error in errors)
        raise UndocumentedResponseError(
            f"{request.method} {request.path} → {response.status_code} does not match the "
            f"document: {type(exc).__name__}: {details}"
        ) from None


def _answer_only(request):
    """The request as openapi-core needs it to find the operation. Its body is not read:
    only the answer is checked, and the body stream was consumed by the view."""
    from openapi_core.contrib.django import DjangoOpenAPIRequest

    documented_path = request.path
    for alias, original in ALIASES.items():
        if documented_path == alias or documented_path.startswith(alias + "/"):
            documented_path = original + documented_path[len(alias) :]

    class Wrapped(DjangoOpenAPIRequest):
        body = b""
        content_type = "application/json"
        path = documented_path
        path_pattern = None  # match the path against the document's templates

    return Wrapped(request)
