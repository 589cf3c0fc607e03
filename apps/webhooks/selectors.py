"""Webhook reads: ownership applied once here, and which webhooks an event goes to."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.models import Role, User
from apps.common.models import DomainEvent

from .models import OPEN_STATUSES, DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery

TEST_EVENT = "webhook.test"
ADMIN_ONLY_EVENTS = frozenset({"fraud.alert"})


def event_is_platform_wide(event_type: str) -> bool:
    """Events about the network rather than one account: admins' webhooks receive them."""
    return event_type in ADMIN_ONLY_EVENTS or event_type.startswith("publisher.")


def webhook_list(*, user: User, is_active: bool | None = None) -> QuerySet[Webhook]:
    """The caller's own webhooks (admins too: a webhook's secret and log belong to its owner)."""
    qs = Webhook.objects.filter(owner=user).order_by("-created_at", "-id")
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs


def webhook_get(*, user: User, webhook_uuid: uuid_lib.UUID) -> Webhook | None:
    return webhook_list(user=user).filter(uuid=webhook_uuid).first()


def delivery_list(
    *, webhook: Webhook, status: str | None = None, event_type: str | None = None
) -> QuerySet[WebhookDelivery]:
    qs = webhook.deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number", "id"))
    ).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    return qs


def webhooks_for_event(*, event: DomainEvent) -> list[Webhook]:
    """Active webhooks subscribed to ``event``: the owner's, and for platform-wide events every
    admin's. ``webhook.test`` goes only to the webhook it names (active or not)."""
    if event.event_type == TEST_EVENT:
        try:
            target = uuid_lib.UUID(str(event.data.get("webhook_uuid")))
        except ValueError:
            return []
        qs = Webhook.objects.filter(uuid=target)
        if event.owner_id is not None:
            qs = qs.filter(owner_id=event.owner_id)
        return list(qs)
    scope = Q(pk__in=[])
    if event.owner_id is not None and event.event_type not in ADMIN_ONLY_EVENTS:
        scope |= Q(owner_id=event.owner_id)
    if event_is_platform_wide(event.event_type):
        scope |= Q(owner__role=Role.ADMIN)
    candidates = Webhook.objects.filter(
        scope, is_active=True, owner__is_active=True, owner__deleted_at__isnull=True
    ).order_by("id")
    # Subscriptions are a short JSON list; SQLite cannot query inside it, so filter here.
    return [hook for hook in candidates if event.event_type in (hook.events or [])]


def deliveries_due(*, now: datetime, grace_seconds: float, stuck_after_seconds: float) -> list[int]:
    """Deliveries whose next attempt is due (and pending ones no task has picked up)."""
    overdue = now - timedelta(seconds=grace_seconds)
    stuck = now - timedelta(seconds=stuck_after_seconds)
    qs = (
        WebhookDelivery.objects.filter(status__in=OPEN_STATUSES)
        .filter(
            Q(status=DeliveryStatus.RETRYING, next_retry_at__lte=overdue)
            | Q(status=DeliveryStatus.PENDING, next_retry_at__isnull=True, created_at__lte=stuck)
            | Q(status=DeliveryStatus.PENDING, next_retry_at__lte=overdue)
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_retry_at", "id")
    )
    return list(qs.values_list("id", flat=True)[:500])
