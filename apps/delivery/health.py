"""Liveness and readiness for load balancers and Kubernetes probes.

``/healthz`` answers 200 while the process can answer at all. ``/readyz`` answers 200 when
this process can serve: its database answers, its hot store answers, its inventory index is
loaded (the probe builds it if needed, so a fresh worker is warm before it takes traffic),
and tracked events are drained within ``READY_MAX_DRAIN_LAG_SECONDS``; otherwise 503 with
what failed. Neither needs credentials or reveals more than check names and states.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .store import StoreUnavailableError, hot_store


class NotReadyError(Exception):
    """A check that answered, but not well enough (the drain is behind)."""


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _check(name: str, probe) -> dict:
    started = time.monotonic()
    try:
        detail = probe()
    except NotReadyError as exc:
        return {"name": name, "ok": False, "error": str(exc)}
    except (DatabaseError, StoreUnavailableError) as exc:
        return {"name": name, "ok": False, "error": f"{type(exc).__name__}: unreachable"}
    result = {"name": name, "ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if isinstance(detail, dict):
        result.update(detail)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _index() -> dict:
    from .index import current_index

    index = current_index()
    return {"version": index.version, "zones": len(index.zones), "ads": len(index.ads_by_id)}


def _drain() -> dict:
    lag = hot_store().pending_age()
    if lag is not None and lag > settings.READY_MAX_DRAIN_LAG_SECONDS:
        raise NotReadyError(f"events wait {lag:.0f} s to be drained")
    return {"lag_seconds": None if lag is None else round(lag, 1)}


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    checks = [
        _check("database", _database),
        _check("store", lambda: hot_store().inventory_version() and None),
        _check("index", _index),
        _check("drain", _drain),
    ]
    ready = all(c["ok"] for c in checks)
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


class DrainStateCollector:
    """Events waiting for the drain and how long the oldest has waited, at scrape time."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            store = hot_store()
            pending, lag = store.pending(), store.pending_age()
        except (StoreUnavailableError, DatabaseError):
            return
        yield GaugeMetricFamily("adp_events_pending", "Events waiting to be drained.", pending)
        yield GaugeMetricFamily(
            "adp_drain_lag_seconds",
            "How long the oldest waiting event has waited (0 when none waits).",
            lag or 0.0,
        )
