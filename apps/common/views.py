"""Fallback views for ``/api/v1``: anything unrouted is a JSON 404."""

from django.http import HttpRequest, JsonResponse

from .errors import error_body


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse(
        error_body(404, f"No endpoint at {request.path}.", code="not_found"), status=404
    )
