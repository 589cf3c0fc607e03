"""The platform's URLs plus ``/bench/ping``, the trivial JSON view serve is compared with."""

from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/ping", ping),
    path("", include("adplatform.urls")),
]
