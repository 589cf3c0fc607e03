"""The landing page, and the fallback for ``/api/v1``: anything unrouted is a JSON 404."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import error_body


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse(
        error_body(404, f"No endpoint at {request.path}.", code="not_found"), status=404
    )


def home(request: HttpRequest) -> HttpResponse:
    from apps.accounts.platform_settings import setting_get

    return render(request, "home.html", {"site_name": setting_get("site_name")})
