"""Atomic shared counters for the embedded default (see ``SharedCounter``).

``tallies_enabled()`` is true when the default cache is Django's database cache, i.e. when
there is no Redis; callers then add and read their counters here instead of in the cache.
One upsert per counter adds atomically on SQLite and PostgreSQL alike; a counter's expiry is
fixed when it is created (like Redis ``EXPIRE … NX``), and an expired counter starts over.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from .models import SharedCounter

TABLE = SharedCounter._meta.db_table
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
PURGE_CACHE_SQL = "DELETE FROM {t} WHERE expires < %s"


def tallies_enabled() -> bool:
    return isinstance(caches["default"], DatabaseCache)


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


def tallies_get_many(names: Iterable[str]) -> dict[str, int]:
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    now = time.time()
    rows = SharedCounter.objects.filter(name__in=names).values_list("name", "value", "expires_at")
    return {name: value for name, value, expires in rows if expires is None or expires > now}


def tallies_purge_expired() -> int:
    """Delete expired counters; returns how many."""
    deleted, _ = SharedCounter.objects.filter(expires_at__lte=time.time()).delete()
    return deleted


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
