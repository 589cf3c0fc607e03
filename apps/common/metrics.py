"""Prometheus metrics: what the platform is doing, for operators.

Under gunicorn every worker is its own process, so counters and histograms use
prometheus-client's multi-process mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (the
project's ``gunicorn.conf.py`` sets it and tells the library when a worker exits); a single
process (``runserver``, tests) uses the default registry. Figures that are properties of the
shared state rather than of one process (events waiting for the drain and how long) are read
at scrape time by the collectors apps register (``state_collector_register``).

``GET /metrics`` answers loopback callers and ``Authorization: Bearer <METRICS_TOKEN>``;
everyone else gets 403 (404 if metrics are off). Labels are small fixed sets (routes, outcome
and reason names): never ids, addresses or user keys.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

HOT_REQUEST_SECONDS = Histogram(
    "adp_hot_request_seconds",
    "Server time of serve, tracking and bid requests, by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
DECISIONS = Counter(
    "adp_decisions_total",
    "Ad decisions by outcome: filled, or why nothing filled.",
    ["outcome"],
)
TRACKED_EVENTS = Counter(
    "adp_tracked_events_total",
    "Tracking beacons by kind and what became of them (recorded, duplicate, rate_limited).",
    ["kind", "result"],
)
INVALID_EVENTS = Counter(
    "adp_invalid_events_total", "Refused tracking traffic by reason.", ["reason"]
)
SPOOLED_EVENTS = Counter(
    "adp_spooled_events_total", "Beacons spooled locally while the hot store was unreachable."
)
DRAINED_EVENTS = Counter("adp_drained_events_total", "Buffered events moved into the database.")
WEBHOOK_DELIVERIES = Counter(
    "adp_webhook_deliveries_total", "Webhook delivery attempts by result.", ["result"]
)
INDEX_BUILD_SECONDS = Histogram(
    "adp_index_build_seconds",
    "Time to build the serving index (full) or apply inventory changes (delta).",
    ["kind"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
INDEX_CHECKED_AT = Gauge(
    "adp_index_checked_timestamp_seconds",
    "When a process last brought its index up to date with the change log (the oldest of "
    "the live processes); the index's age is time() minus this.",
    multiprocess_mode="livemin",
)


_state_collectors: list = []


def state_collector_register(collector) -> None:
    """Add a collector of shared-state figures, read once per scrape (apps register theirs
    when they are ready)."""
    if collector not in _state_collectors:
        _state_collectors.append(collector)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return registry


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if not settings.METRICS_ALLOW_LOOPBACK:
        return False
    try:  # the direct peer, never a forwarded address
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    if not _allowed(request):
        return HttpResponse("Forbidden.", status=403, content_type="text/plain")
    body = generate_latest(_registry())
    if _state_collectors:
        state = CollectorRegistry()
        for collector in _state_collectors:
            state.register(collector)
        body += generate_latest(state)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
