"""``HotStore`` in the database every process shares (the embedded default, no Redis).

Counters, rate-limit windows and replay claims are rows of ``SharedCounter`` changed by one
atomic upsert each (``apps/common/tallies.py``); served tokens are ``SharedEntry`` rows; the
event buffer is the ``BufferedEvent`` table, whose rows the drain deletes in the transaction
that ingests them; the inventory change log is ``InventoryChange``. A tracking beacon's
steps run in one transaction, so they happen all together or not at all, as with Redis.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from apps.common import tallies
from apps.common.ratelimit import RateWindow

from ..events import TrackedEvent, event_decode, event_encode
from ..models import BufferedEvent, IndexSnapshot, InventoryChange, SegmentMember
from .base import DUPLICATE, LIMITED, RECORDED, Charge, Claim, Ingest, Recorded, guarded

CHANGES_KEPT_DAYS = 2
APPEND_SQL = "INSERT INTO {t} (payload, created_at) VALUES (%s, CURRENT_TIMESTAMP)"
# {t} is the quoted segment-member table (a constant); values are always parameters.
MEMBER_ADD_SQL = (
    "INSERT INTO {t} (user_key, segment_id, expires_at) VALUES (%s, %s, %s) "
    "ON CONFLICT (user_key, segment_id) DO UPDATE SET expires_at = excluded.expires_at"
)
MEMBER_OF_SQL = "SELECT segment_id, expires_at FROM {t} WHERE user_key = %s AND expires_at > %s"


class SqlHotStore:
    name = "sql"
    connection_errors = (OperationalError, InterfaceError)
    unreachable_until = 0.0

    def unreachable(self, exc: Exception) -> bool:
        """A lost database, not a busy one ("database is locked", a deadlock)."""
        return isinstance(exc, InterfaceError) or not connection.is_usable()

    # --- Serving --------------------------------------------------------------------------

    @guarded
    def read(
        self, names: Sequence[str], *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None]:
        count = self.rate_hit(rate) if rate is not None else None
        return tallies.tallies_get_many(names), count

    @guarded
    def rate_hit(self, window: RateWindow) -> int:
        return tallies.tallies_incr(window.cache_key, 1, window.period + 5)

    @guarded
    def remember(self, entries: Mapping[str, str], ttl: int) -> None:
        tallies.entries_set_many(dict(entries), ttl)

    @guarded
    def recall(self, name: str) -> str | None:
        return tallies.entries_get(name)

    # --- Tracking -------------------------------------------------------------------------

    @guarded
    def record(
        self,
        event: TrackedEvent,
        *,
        rate: RateWindow | None = None,
        claim: Claim | None = None,
        charge: Charge | None = None,
    ) -> Recorded:
        with transaction.atomic():
            count = self.rate_hit(rate) if rate is not None else None
            if rate is not None and count > rate.limit:
                return Recorded(LIMITED, count)
            if claim is not None and not tallies.tallies_claim(claim.name, claim.ttl):
                return Recorded(DUPLICATE, count)
            if charge is not None:
                tallies.tallies_add(charge.adds())
            self._append(event)
        return Recorded(RECORDED, count)

    def _append(self, event: TrackedEvent) -> None:
        table = connection.ops.quote_name(BufferedEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(APPEND_SQL.format(t=table), [event_encode(event).decode()])

    @guarded
    def incr(self, name: str, amount: int, ttl: int | None) -> int:
        return tallies.tallies_incr(name, amount, ttl)

    @guarded
    def add(self, items: Sequence[tuple[str, int, int | None]]) -> None:
        tallies.tallies_add(items)

    @guarded
    def seed(self, values: Mapping[str, int]) -> None:
        tallies.tallies_seed(dict(values))

    # --- The event buffer -----------------------------------------------------------------

    @guarded
    def drain(self, ingest: Ingest, count: int) -> int:
        with transaction.atomic():
            # Concurrent drainers (several web processes) take different rows on PostgreSQL.
            rows = list(
                BufferedEvent.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "payload")[:count]
            )
            if not rows:
                return 0
            ingest([event_decode(payload) for _, payload in rows])
            BufferedEvent.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        return len(rows)

    @guarded
    def pending(self) -> int:
        return BufferedEvent.objects.count()

    @guarded
    def pending_age(self) -> float | None:
        oldest = BufferedEvent.objects.order_by("id").values_list("created_at", flat=True).first()
        return None if oldest is None else max(0.0, (timezone.now() - oldest).total_seconds())

    # --- Inventory ------------------------------------------------------------------------

    @guarded
    def inventory_version(self) -> int:
        return InventoryChange.objects.aggregate(v=Max("id"))["v"] or 0

    @guarded
    def inventory_publish(self, change: bytes) -> int:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One writer at a time, so ids are handed out in commit order.
                table = connection.ops.quote_name(InventoryChange._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            return InventoryChange.objects.create(change=change).pk

    @guarded
    def inventory_changes(self, since: int) -> list[tuple[int, bytes]] | None:
        version = self.inventory_version()
        if since > version:
            return None  # a version this log never reached
        rows = [
            (pk, bytes(change))
            for pk, change in InventoryChange.objects.filter(id__gt=since)
            .order_by("id")
            .values_list("id", "change")
        ]
        if [pk for pk, _ in rows] != list(range(since + 1, version + 1)):
            return None
        return rows

    @guarded
    def snapshot_save(self, version: int, data: bytes) -> None:
        IndexSnapshot.objects.update_or_create(pk=1, defaults={"version": version, "data": data})

    @guarded
    def snapshot_load(self) -> tuple[int, bytes] | None:
        row = IndexSnapshot.objects.filter(pk=1).values_list("version", "data").first()
        return (row[0], bytes(row[1])) if row else None

    # --- Segment memberships --------------------------------------------------------------

    @staticmethod
    def _members_table() -> str:
        return connection.ops.quote_name(SegmentMember._meta.db_table)

    def _memberships(self, user_key: str) -> dict[int, float]:
        with connection.cursor() as cursor:
            cursor.execute(MEMBER_OF_SQL.format(t=self._members_table()), [user_key, time.time()])
            return {int(segment_id): float(expiry) for segment_id, expiry in cursor.fetchall()}

    @guarded
    def read_with_segments(
        self, names: Sequence[str], user_key: str, *, rate: RateWindow | None = None
    ) -> tuple[dict[str, int], int | None, frozenset[int]]:
        values, count = self.read(names, rate=rate)
        return values, count, frozenset(self._memberships(user_key))

    @guarded
    def segments_of(self, user_key: str) -> frozenset[int]:
        return frozenset(self._memberships(user_key))

    @guarded
    def user_memberships(self, user_key: str) -> dict[int, float]:
        return self._memberships(user_key)

    @guarded
    def segments_add(
        self, memberships: Sequence[tuple[str, int, int]], *, rate: RateWindow | None = None
    ) -> int | None:
        with transaction.atomic():
            count = self.rate_hit(rate) if rate is not None else None
            if count is not None and count > rate.limit:
                return count
            if memberships:
                now = time.time()
                rows = [(key, int(segment), now + ttl) for key, segment, ttl in memberships]
                with connection.cursor() as cursor:
                    cursor.executemany(MEMBER_ADD_SQL.format(t=self._members_table()), rows)
        return count

    @guarded
    def segments_remove(self, memberships: Sequence[tuple[str, int]]) -> None:
        by_segment: dict[int, list[str]] = {}
        for user_key, segment_id in memberships:
            by_segment.setdefault(int(segment_id), []).append(user_key)
        for segment_id, keys in by_segment.items():
            SegmentMember.objects.filter(segment_id=segment_id, user_key__in=keys).delete()

    @guarded
    def segment_stats(self, segment_ids: Sequence[int]) -> dict[int, tuple[int, float | None]]:
        ids = list(dict.fromkeys(int(i) for i in segment_ids))
        found = {
            row["segment_id"]: (row["n"], row["last"])
            for row in SegmentMember.objects.filter(segment_id__in=ids, expires_at__gt=time.time())
            .values("segment_id")
            .annotate(n=Count("*"), last=Max("expires_at"))
            .order_by()
        }
        return {i: found.get(i, (0, None)) for i in ids}

    @guarded
    def segment_members(
        self, segment_id: int, *, cursor: str = "", count: int = 1000
    ) -> tuple[str, list[str]]:
        members = list(
            SegmentMember.objects.filter(
                segment_id=segment_id, expires_at__gt=time.time(), user_key__gt=cursor
            )
            .order_by("user_key")
            .values_list("user_key", flat=True)[:count]
        )
        return (members[-1] if len(members) == count else ""), members

    @guarded
    def segment_trim(self, segment_id: int, *, expiring_before: float) -> int:
        removed, _ = SegmentMember.objects.filter(
            segment_id=segment_id, expires_at__lt=expiring_before
        ).delete()
        return removed

    @guarded
    def segment_clear(self, segment_id: int) -> None:
        SegmentMember.objects.filter(segment_id=segment_id).delete()

    @guarded
    def segments_forget_user(self, user_key: str) -> list[int]:
        members = SegmentMember.objects.filter(user_key=user_key)
        segment_ids = sorted(set(members.values_list("segment_id", flat=True)))
        members.delete()
        return segment_ids

    # --- Housekeeping ---------------------------------------------------------------------

    @guarded
    def purge_expired(self) -> int:
        """Expired counters, entries, memberships and database-cache rows, and changes
        nobody needs."""
        cutoff = timezone.now() - timedelta(days=CHANGES_KEPT_DAYS)
        newest = self.inventory_version()
        old, _ = InventoryChange.objects.filter(created_at__lt=cutoff, id__lt=newest).delete()
        members, _ = SegmentMember.objects.filter(expires_at__lte=time.time()).delete()
        return tallies.tallies_purge_expired() + tallies.cache_purge_expired() + old + members

    def clear(self) -> None:
        from apps.common.models import SharedCounter, SharedEntry

        for model in (
            SharedCounter,
            SharedEntry,
            BufferedEvent,
            InventoryChange,
            IndexSnapshot,
            SegmentMember,
        ):
            model.objects.all().delete()
