"""Domain events and inventory changes.

Services call ``domain_event_emit`` inside their transaction: the event is written to an
outbox table in that same transaction (so it exists exactly when the change does) and, after
commit, ``domain_event_committed`` is sent so subscribers such as webhook delivery can act.

``inventory_changed`` marks that something serving reads has changed (which kind of object,
which ids, and which fields when known); after commit ``inventory_change_committed`` is sent
and the delivery app appends it to the change log its serving index follows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

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

# Sent after commit with ``kind``, ``ids`` and ``fields`` (see ``inventory_changed``).
inventory_change_committed = Signal()

INVENTORY_KINDS = ("zone", "website", "publisher", "advertiser", "campaign", "ad", "all")


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


def inventory_changed(
    *, kind: str, ids: Iterable[int] = (), fields: Iterable[str] | None = None
) -> None:
    """Call from any service that changes what serving reads; takes effect after commit.

    ``fields`` names the model fields that changed, when the caller knows them, so changes
    serving does not read (a campaign's name, say) cost nothing; ``kind="all"`` asks every
    server process to rebuild its index.
    """
    if kind not in INVENTORY_KINDS:
        raise ValueError(f"Unknown inventory kind {kind!r}")
    change = {
        "kind": kind,
        "ids": sorted({int(i) for i in ids}),
        "fields": None if fields is None else sorted(set(fields)),
    }
    transaction.on_commit(lambda: _publish_change(change))


def inventory_object_changed(obj, *, fields: Iterable[str] | None = None) -> None:
    """``inventory_changed`` for one saved zone, website, publisher, advertiser, campaign or
    ad (pass a deleted object's id before deleting it: ``inventory_changed`` then)."""
    inventory_changed(kind=obj._meta.model_name, ids=[obj.pk], fields=fields)


def _publish_change(change: dict) -> None:
    for receiver, result in inventory_change_committed.send_robust(sender=None, **change):
        if isinstance(result, Exception):
            logger.error(
                "Inventory change %s was not published by %r: %r", change, receiver, result
            )
