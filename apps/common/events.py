"""Domain events and the inventory version.

Services call ``domain_event_emit`` inside their transaction: the event is written to an
outbox table in that same transaction (so it exists exactly when the change does) and, after
commit, ``domain_event_committed`` is sent so subscribers such as webhook delivery can act.

``inventory_version_bump`` marks that something serving depends on has changed; the serving
index compares ``inventory_version()`` with the version it compiled and rebuilds when they
differ. The counter lives in the shared cache, so every server process sees the bump.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

EVENT_TYPES = (
    "campaign.created",
    "campaign.status_changed",
    "campaign.deleted",
    "ad.created",
    "ad.status_changed",
    "payment.completed",
    "payment.failed",
    "publisher.approved",
    "publisher.rejected",
    "fraud.alert",
    "webhook.test",
)

# Sent after commit with ``event`` (a DomainEvent).
domain_event_committed = Signal()

INVENTORY_VERSION_KEY = "inventory:version"


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def domain_event_emit(*, event_type: str, data: dict[str, Any], owner=None):
    """Record ``event_type`` for ``owner`` (the account it concerns) and publish it on commit."""
    from .models import DomainEvent

    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown domain event {event_type!r}")
    event = DomainEvent.objects.create(event_type=event_type, data=_json_safe(data), owner=owner)
    transaction.on_commit(lambda: _publish(event))
    return event


def _publish(event) -> None:
    for receiver, result in domain_event_committed.send_robust(sender=type(event), event=event):
        if isinstance(result, Exception):
            logger.error("Subscriber %r failed for event %s: %r", receiver, event.uuid, result)


def inventory_version() -> int:
    version = cache.get(INVENTORY_VERSION_KEY)
    if version is None:
        # Seed from the clock so a cleared cache never repeats an old version.
        cache.add(INVENTORY_VERSION_KEY, time.time_ns() // 1000, timeout=None)
        version = cache.get(INVENTORY_VERSION_KEY)
    return int(version)


def _bump() -> None:
    inventory_version()
    try:
        cache.incr(INVENTORY_VERSION_KEY)
    except ValueError:  # evicted between the read and the increment
        cache.add(INVENTORY_VERSION_KEY, time.time_ns() // 1000, timeout=None)


def inventory_version_bump() -> None:
    """Call from any service that changes what can serve; takes effect after commit."""
    transaction.on_commit(_bump)
