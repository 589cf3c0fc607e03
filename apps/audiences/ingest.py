"""What audiences do with drained events (a hook of ``apps/delivery/ingest.py``, inside the
drain's transaction): consent events become ledger rows, profiled tracking events feed the
rule audiences. Both work on the whole batch at once."""

from __future__ import annotations

from collections.abc import Sequence

from apps.delivery.events import TrackedEvent

from .ledger_store import consent_records_store
from .rules import rule_memberships_apply


def drained_events_apply(fresh: Sequence[TrackedEvent], foreign: Sequence[TrackedEvent]) -> None:
    consent = [e for e in foreign if e.kind == "consent"]
    if consent:
        consent_records_store(consent)
    profiled = [
        e
        for e in fresh
        if e.profile and e.user_key and e.kind in ("impression", "click", "conversion")
    ]
    if profiled:
        rule_memberships_apply(profiled)
