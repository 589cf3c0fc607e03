"""The finance pages' gate: finance users, and admins (who may do everything finance does).

Objects are found through ``apps.billing.selectors`` with the signed-in user, exactly as the
API finds them; the first visit also starts billing's in-process periodic work in the
embedded default, as the billing API does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.models import Role
from apps.billing.services import in_process_worker_start

from ..accounts.shared import role_required

FINANCE_PAGE_ROLES = (Role.FINANCE, Role.ADMIN)


def finance_page(view: Callable) -> Callable:
    @role_required(*FINANCE_PAGE_ROLES)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        in_process_worker_start()
        return view(request, *args, **kwargs)

    return wrapper


def next_url(request: HttpRequest, default: str) -> str:
    """Where a button-only action returns to: the page it was pressed on, when it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
