"""The landing page, and the fallback for ``/api/v1``: anything unrouted is a JSON 404."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .errors import error_body


# Nothing is changed here, so there is no forgery to refuse: without the exemption a POST (or
# PUT, PATCH, DELETE) from a browser-like client was a CSRF 403 instead of the 404.
@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse(
        error_body(404, f"No endpoint at {request.path}.", code="not_found"), status=404
    )


def home(request: HttpRequest) -> HttpResponse:
    from apps.accounts.platform_settings import setting_get

    return render(request, "home.html", {"site_name": setting_get("site_name")})
