"""Recording changes that bypass model signals (conditional ``UPDATE`` statements)."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.db.models import Model


def audit_record_update(*, instance: Model, changes: dict[str, tuple[Any, Any]]) -> None:
    """An ``update`` entry for ``instance`` with ``field → (before, after)``; the actor and
    address come from the request context as for any other entry."""
    LogEntry.objects.log_create(
        instance,
        action=LogEntry.Action.UPDATE,
        changes={name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()},
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
