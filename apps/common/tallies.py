"""Atomic shared counters and short texts in the database (``SharedCounter``,
``SharedEntry``): the SQL hot store's building blocks (``apps/delivery/store/sql.py``).

One upsert per counter adds atomically on SQLite and PostgreSQL alike; a counter's expiry is
fixed when it is created (like Redis ``EXPIRE … NX``), and an expired counter starts over.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from .models import SharedCounter, SharedEntry

TABLE = SharedCounter._meta.db_table
ENTRY_TABLE = SharedEntry._meta.db_table
# {t} is the quoted table name (a constant); values are always passed as parameters.
ADD_SQL = (
    "INSERT INTO {t} (name, value, expires_at) VALUES (%s, %s, %s) "
    "ON CONFLICT (name) DO UPDATE SET "
    "value = CASE WHEN {t}.expires_at IS NOT NULL AND {t}.expires_at <= %s "
    "THEN excluded.value ELSE {t}.value + excluded.value END, "
    "expires_at = CASE WHEN {t}.expires_at IS NOT NULL AND {t}.expires_at <= %s "
    "THEN excluded.expires_at ELSE {t}.expires_at END"
)
SEED_SQL = (
    "INSERT INTO {t} (name, value, expires_at) VALUES (%s, %s, NULL) ON CONFLICT (name) DO NOTHING"
)
INCR_SQL = ADD_SQL + " RETURNING value"
# Take a name that is free or expired; RETURNING answers a row only when this call took it.
CLAIM_SQL = (
    "INSERT INTO {t} (name, value, expires_at) VALUES (%s, 1, %s) "
    "ON CONFLICT (name) DO UPDATE SET value = 1, expires_at = excluded.expires_at "
    "WHERE {t}.expires_at IS NOT NULL AND {t}.expires_at <= %s RETURNING name"
)
GET_SQL = (
    "SELECT name, value FROM {t} "
    "WHERE name IN ({marks}) AND (expires_at IS NULL OR expires_at > %s)"
)
ENTRY_SET_SQL = (
    "INSERT INTO {t} (name, value, expires_at) VALUES {rows} "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"
)
ENTRY_GET_SQL = "SELECT value FROM {t} WHERE name = %s AND expires_at > %s"
PURGE_CACHE_SQL = "DELETE FROM {t} WHERE expires < %s"


def tallies_add(items: Sequence[tuple[str, int, int | None]]) -> None:
    """Add ``amount`` to each ``(name, amount, ttl_seconds)``; ``ttl`` applies on creation."""
    if not items:
        return
    now = time.time()
    sql = ADD_SQL.format(t=connection.ops.quote_name(TABLE))
    rows = [
        (name, int(amount), None if ttl is None else now + ttl, now, now)
        for name, amount, ttl in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def tallies_seed(values: dict[str, int]) -> None:
    """Create counters that do not exist yet with a starting value (existing ones are kept)."""
    if not values:
        return
    sql = SEED_SQL.format(t=connection.ops.quote_name(TABLE))
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(name, int(value)) for name, value in values.items()])


def tallies_incr(name: str, amount: int, ttl: int | None) -> int:
    """Add and answer the new value, in one statement."""
    now = time.time()
    expires = None if ttl is None else now + ttl
    with connection.cursor() as cursor:
        cursor.execute(
            INCR_SQL.format(t=connection.ops.quote_name(TABLE)), [name, amount, expires, now, now]
        )
        return int(cursor.fetchone()[0])


def tallies_claim(name: str, ttl: int) -> bool:
    """Take ``name`` for ``ttl`` seconds unless someone holds it (``SET NX EX``)."""
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL.format(t=connection.ops.quote_name(TABLE)), [name, now + ttl, now])
        return cursor.fetchone() is not None


def tallies_get_many(names: Iterable[str]) -> dict[str, int]:
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    sql = GET_SQL.format(t=connection.ops.quote_name(TABLE), marks=", ".join(["%s"] * len(names)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*names, time.time()])
        return {name: int(value) for name, value in cursor.fetchall()}


def entries_set_many(values: dict[str, str], ttl: int) -> None:
    if not values:
        return
    expires = time.time() + ttl
    sql = ENTRY_SET_SQL.format(
        t=connection.ops.quote_name(ENTRY_TABLE), rows=", ".join(["(%s, %s, %s)"] * len(values))
    )
    params = [p for name, value in values.items() for p in (name, value, expires)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def entries_get(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            ENTRY_GET_SQL.format(t=connection.ops.quote_name(ENTRY_TABLE)), [name, time.time()]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def tallies_purge_expired() -> int:
    """Delete expired counters; returns how many."""
    now = time.time()
    deleted, _ = SharedCounter.objects.filter(expires_at__lte=now).delete()
    purged, _ = SharedEntry.objects.filter(expires_at__lte=now).delete()
    return deleted + purged


def cache_purge_expired() -> int:
    """Delete expired rows of the database cache (Django only does it when culling)."""
    cache = caches["default"]
    if not isinstance(cache, DatabaseCache):
        return 0
    from django.utils import timezone

    sql = PURGE_CACHE_SQL.format(t=connection.ops.quote_name(cache._table))
    now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
    with connection.cursor() as cursor:
        cursor.execute(sql, [now])
        return cursor.rowcount
