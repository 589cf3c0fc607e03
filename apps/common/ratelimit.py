"""Rate limits on top of django-ratelimit's counters.

Each limit is a django-ratelimit rate string from settings (``RATELIMIT_*``). Exceeding one
raises DRF's ``Throttled`` (429 with ``Retry-After``); the tightest usage seen during a request
is kept on it so the middleware can answer ``X-RateLimit-Limit/Remaining/Reset``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import _split_rate, get_usage
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from .net import client_ip


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset_in: int
    exceeded: bool


def rate_usage(request: HttpRequest, *, group: str, key: str, rate: str) -> Usage | None:
    """Count this request against ``group``/``key`` and return the window's usage."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    raw = get_usage(
        request, group=group, key=lambda _group, _request: digest, rate=rate, increment=True
    )
    if raw is None:  # RATELIMIT_ENABLE is off
        return None
    usage = Usage(
        limit=raw["limit"],
        remaining=max(0, raw["limit"] - raw["count"]),
        reset_in=max(1, int(raw["time_left"])),
        exceeded=raw["should_limit"],
    )
    _remember(request, usage)
    return usage


@dataclass(frozen=True)
class RateWindow:
    """The counter of one fixed window of a rate limit."""

    cache_key: str
    limit: int
    period: int
    window: int
    started: float

    def usage(self, count: int) -> Usage:
        return Usage(
            limit=self.limit,
            remaining=max(0, self.limit - count),
            reset_in=max(1, int((self.window + 1) * self.period - self.started)),
            exceeded=count > self.limit,
        )


def rate_window(*, group: str, key: str, rate: str) -> RateWindow | None:
    """The current window's counter for ``key`` (``None`` when rate limiting is off)."""
    if not settings.RATELIMIT_ENABLE:
        return None
    limit, period = _split_rate(rate)
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return RateWindow(f"rlp:{group}:{digest}:{window}", limit, period, window, now)


def rate_record(request: HttpRequest, window: RateWindow, count: int) -> Usage:
    usage = window.usage(count)
    _remember(request, usage)
    return usage


def rate_peek(*, group: str, key: str, rate: str) -> Usage | None:
    """The usage of ``group``/``key`` in the current window, without counting anything.

    ``exceeded`` is true once the window holds ``limit`` hits: the next one would pass it.
    Used for budgets that only some outcomes spend (failed logins)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    # get_usage only reads the request for its method (every method counts here).
    raw = get_usage(
        HttpRequest(), group=group, key=lambda _group, _request: digest, rate=rate, increment=False
    )
    if raw is None:
        return None
    return Usage(
        limit=raw["limit"],
        remaining=max(0, raw["limit"] - raw["count"]),
        reset_in=max(1, int(raw["time_left"])),
        exceeded=raw["count"] >= raw["limit"],
    )


def enforce_rate(request: HttpRequest, *, group: str, key: str, rate: str) -> None:
    usage = rate_usage(request, group=group, key=key, rate=rate)
    if usage is not None and usage.exceeded:
        raise Throttled(wait=usage.reset_in)


def _remember(request: HttpRequest, usage: Usage) -> None:
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, "ratelimit_usage", None)
    if current is None or usage.remaining <= current.remaining:
        django_request.ratelimit_usage = usage


def ratelimit_headers(usage: Usage) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(usage.limit),
        "X-RateLimit-Remaining": str(usage.remaining),
        "X-RateLimit-Reset": str(int(time.time()) + usage.reset_in),
    }


class ApiRateThrottle(BaseThrottle):
    """The general API limit: per API key or user when authenticated, per IP otherwise."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request, view) -> bool:
        getattr(request, "_request", request).api_throttles_checked = True
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            token_id = getattr(request.auth, "ratelimit_identity", None)
            key = token_id or f"user:{user.pk}"
            usage = rate_usage(request, group="api-user", key=key, rate=settings.RATELIMIT_API_USER)
        else:
            key = f"ip:{client_ip(request)}"
            usage = rate_usage(request, group="api-anon", key=key, rate=settings.RATELIMIT_API_ANON)
        if usage is not None and usage.exceeded:
            self._wait = usage.reset_in
            return False
        return True

    def wait(self) -> int | None:
        return self._wait
