"""The failed-login budget: ``RATELIMIT_LOGIN`` failed attempts per client address and per
email, shared by the dashboard's login form and ``POST auth/login``.

Only failures spend it, so an office whose people log in from one address is never locked
out by its own successful logins. (``auth/login`` and ``auth/token`` also keep seed 001's
limit on every attempt, see ``apps.accounts.api``.)
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from apps.common.net import client_ip
from apps.common.ratelimit import rate_peek, rate_usage

FAILURE_GROUPS = ("login-failed-ip", "login-failed-email")


def _keys(request: HttpRequest, email: str) -> tuple[str, str]:
    return client_ip(request), email.strip().lower()


def login_failures_wait(*, request: HttpRequest, email: str) -> int | None:
    """Seconds until another attempt is allowed, or ``None`` while the budget lasts."""
    waits = []
    for group, key in zip(FAILURE_GROUPS, _keys(request, email), strict=True):
        usage = rate_peek(group=group, key=key, rate=settings.RATELIMIT_LOGIN)
        if usage is not None and usage.exceeded:
            waits.append(usage.reset_in)
    return max(waits) if waits else None


def login_failure_record(*, request: HttpRequest, email: str) -> None:
    """Spend one failed attempt of the address's and of the email's budget."""
    for group, key in zip(FAILURE_GROUPS, _keys(request, email), strict=True):
        rate_usage(request, group=group, key=key, rate=settings.RATELIMIT_LOGIN)
