"""Celery tasks of the delivery app: draining, reconciling and purging tracking data."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .reconcile import raw_events_purge, rollups_reconcile
from .sink import events_drain, zone_requests_flush

logger = logging.getLogger(__name__)


@shared_task(name="delivery.drain_events", ignore_result=True)
def drain_events() -> int:
    """Every 2 s (beat). While the store or the database is down the events wait in the
    stream (or spool) and the next run catches up; that is not a task failure."""
    from django.db import DatabaseError

    from .store import StoreUnavailableError

    try:
        return events_drain()
    except (StoreUnavailableError, DatabaseError) as exc:
        logger.warning("Drain waits: %s", exc)
        return 0


@shared_task(name="delivery.reconcile_rollups", ignore_result=True)
def reconcile_rollups(day: str | None = None) -> int:
    """Check yesterday's (or ``day``'s) rollups against raw events; log any drift."""
    from datetime import date

    target = date.fromisoformat(day) if day else (timezone.now() - timedelta(days=1)).date()
    drift = rollups_reconcile(day=target)
    for row in drift:
        logger.error("Rollup drift on %s: %s", target, row)
    return len(drift)


@shared_task(name="delivery.purge_raw_events", ignore_result=True)
def purge_raw_events() -> int:
    return raw_events_purge()


@shared_task(name="delivery.ensure_partitions", ignore_result=True)
def ensure_partitions() -> int:
    """PostgreSQL: make the raw tables' day partitions around today (hourly)."""
    from .partitions import partitions_ensure

    return partitions_ensure()


@shared_task(name="delivery.flush_zone_requests", ignore_result=True)
def flush_zone_requests() -> int:
    return zone_requests_flush()
