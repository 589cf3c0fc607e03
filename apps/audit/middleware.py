"""Who did it, and from where: every audit entry written during a request gets the request's
user and client address (``TRUSTED_PROXIES`` honoured).

The user is read when the entry is written, not when the request arrives: API requests are
authenticated inside the view (a bearer key or token), after middleware has run.
"""

from __future__ import annotations

from auditlog.context import set_extra_data
from django.http import HttpRequest, HttpResponse

from apps.common.net import client_ip


def _actor(request: HttpRequest):
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = {
            "actor_id": lambda: getattr(_actor(request), "pk", None),
            "actor_email": lambda: getattr(_actor(request), "email", None),
            "remote_addr": client_ip(request),
        }
        with set_extra_data(context_data=context):
            return self.get_response(request)
