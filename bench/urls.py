"""``/bench/ping``: the trivial JSON view the serve benchmark compares serve with.

Only ``bench/wsgi.py`` routes requests here (it sets this URLconf on its ping requests); the
product's own URLconf and settings do not know about it.
"""

from django.http import JsonResponse
from django.urls import path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping", ping)]
