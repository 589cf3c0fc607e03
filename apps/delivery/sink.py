"""The drain: buffered tracking events into the database, exactly once.

Tracking appends each event to the hot store's durable buffer and returns; the drain (a
Celery beat task, or a thread per web process in the embedded default) hands batches to
``ingest.events_ingest`` and lets the store forget them only after that transaction has
committed, so a crash anywhere loses nothing and counts nothing twice.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection

from apps.common.metrics import DRAINED_EVENTS
from apps.common.threads import ProcessThread

from .store import StoreUnavailableError, hot_store

logger = logging.getLogger(__name__)


def events_drain(*, batch_size: int = 1000, max_batches: int = 100) -> int:
    """Move buffered events into the database; returns how many were processed."""
    from .ingest import events_ingest

    store = hot_store()
    total = 0
    for _ in range(max_batches):
        moved = store.drain(events_ingest, batch_size)
        DRAINED_EVENTS.inc(moved)
        total += moved
        if moved < batch_size:
            break
    return total


def events_pending() -> int:
    return hot_store().pending()


def zone_requests_flush(*, hours_back: int = 2, now: datetime | None = None) -> int:
    """Copy the request/fill counters of recent hours into ``ZoneHourlyStat`` (absolute
    values, so copying again changes nothing)."""
    from .counters import zone_request_counts
    from .index import current_index
    from .models import ZoneHourlyStat

    now = now or datetime.now(UTC)
    top = now.replace(minute=0, second=0, microsecond=0)
    hours = [top - timedelta(hours=h) for h in range(hours_back + 1)]
    zones = {z.id: z.publisher_id for z in current_index().zones.values()}
    counts = zone_request_counts(list(zones), hours)
    for (zone_id, hour), (requests, fills) in counts.items():
        ZoneHourlyStat.objects.update_or_create(
            hour=hour,
            zone_id=zone_id,
            defaults={"publisher_id": zones[zone_id], "requests": requests, "fills": fills},
        )
    return len(counts)


# --- Embedded default: drain in-process --------------------------------------------------


def embedded_drainer_start() -> None:
    """Without a broker nothing else drains; a daemon thread per process does it."""
    if settings.EVENT_DRAIN_IN_PROCESS and DRAINER.start():
        # Billing's periodic work (posting finished days of spend, monthly invoices and
        # payouts) runs in-process too, so it starts with the first tracked event.
        from apps.billing.services import in_process_worker_start

        in_process_worker_start()


def _drain_forever() -> None:
    interval = settings.EVENT_DRAIN_INTERVAL_SECONDS
    rounds = 0
    while True:
        time.sleep(interval)
        rounds += 1
        try:
            events_drain()
            if rounds % 15 == 0:
                zone_requests_flush()
            if rounds % 150 == 0:
                hot_store().purge_expired()
            if rounds % 1800 == 1:
                from .partitions import partitions_ensure

                partitions_ensure()
        except (StoreUnavailableError, DatabaseError) as exc:
            _warn_waiting(exc)
        except Exception:
            logger.exception("Event drain failed; will retry")
        finally:
            connection.close()


_warned_at = 0.0


def _warn_waiting(exc: Exception) -> None:
    """The store or the database is down: the events wait where they are; say so, rarely."""
    global _warned_at
    if time.monotonic() - _warned_at >= 60:
        _warned_at = time.monotonic()
        logger.warning("Draining waits for the store and the database: %s", exc)


DRAINER = ProcessThread("event-drain", _drain_forever)
