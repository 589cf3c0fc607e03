"""Audit entries: filtered for the admin API, per object for the History tabs, about a user
for the data export."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from .registry import audited_model_names

ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}
ACTION_NAMES = {value: name for name, value in ACTIONS.items()}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_fixed_timezone(0))


def audit_entry_list(
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[LogEntry]:
    qs = LogEntry.objects.select_related("content_type").order_by("-timestamp", "-id")
    if object_type:
        app_label, model = audited_model_names()[object_type].split(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model.lower())
    if object_id is not None:
        qs = qs.filter(object_id=object_id)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if action:
        qs = qs.filter(action=ACTIONS[action])
    if date_from:
        qs = qs.filter(timestamp__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(timestamp__lt=_day_start(date_to + timedelta(days=1)))
    return qs


def audit_entries_for(instance: Model) -> QuerySet[LogEntry]:
    """The history of one object, newest first."""
    content_type = ContentType.objects.get_for_model(instance._meta.model)
    return (
        LogEntry.objects.filter(content_type=content_type, object_pk=str(instance.pk))
        .select_related("actor")
        .order_by("-timestamp", "-id")
    )


def audit_entries_about_user(user) -> QuerySet[LogEntry]:
    """Entries the user made, and entries about the user's own account."""
    user_type = ContentType.objects.get_for_model(user._meta.model)
    return (
        LogEntry.objects.filter(
            Q(actor_id=user.pk) | Q(content_type=user_type, object_pk=str(user.pk))
        )
        .select_related("content_type")
        .order_by("-timestamp", "-id")
    )


def audit_entry_payload(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "timestamp": entry.timestamp.isoformat(),
        "action": ACTION_NAMES.get(entry.action, "access"),
        "object_type": entry.content_type.model,
        "object_id": entry.object_id if entry.object_id is not None else entry.object_pk,
        "object_repr": entry.object_repr,
        "actor_id": entry.actor_id,
        "actor_email": entry.actor_email,
        "ip": entry.remote_addr,
        "changes": entry.changes if isinstance(entry.changes, dict) else {},
    }
