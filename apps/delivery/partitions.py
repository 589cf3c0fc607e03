"""Raw event tables partitioned by day on PostgreSQL, so retention drops whole days.

Each raw event table (impressions, clicks, conversions, engagement, invalid traffic) is a
table partitioned by range of ``occurred_at``, with one partition per UTC day
(``<table>_pYYYYMMDD``) and a default partition that catches anything outside them (a
clock far off, a day not made yet), so an insert never fails for want of a partition.
``partitions_ensure`` makes the days around today (moving any rows the default partition
holds for them), run hourly by Celery beat and after ``migrate``; ``partitions_drop_before``
detaches and drops the days past retention in one statement each, instead of deleting rows.

PostgreSQL requires a partitioned table's unique keys to contain the partition column, so
the raw tables' keys are ``(id, occurred_at)`` and ``(uuid, occurred_at)``. That keeps the
drain exactly-once: a stream message redelivered to a second drainer carries the same
``occurred_at``, and the drain skips uuids already stored before it inserts. Elsewhere
(SQLite) the tables stay as they are and retention deletes rows.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction

logger = logging.getLogger(__name__)

RAW_TABLES = (
    "delivery_impressionevent",
    "delivery_clickevent",
    "delivery_conversionevent",
    "delivery_engagementevent",
    "delivery_invalidevent",
)
DAYS_BEHIND, DAYS_AHEAD = 2, 7


def partitioning_supported() -> bool:
    return connection.vendor == "postgresql"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s",
            [table],
        )
        return cursor.fetchone() is not None


def partitions_of(table: str) -> list[str]:
    """The partitions of ``table`` (day partitions and the default one), by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY c.relname",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def table_partition(table: str) -> None:
    """Turn an ordinary raw table into a partitioned one, keeping its rows (a migration)."""
    old = f"{table}_unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table])
        constraint_indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + _q(table))  # noqa: S608
        last_id = cursor.fetchone()[0]
        # The old table and its indexes step aside (index names are unique per schema).
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
        for name, _ in indexes:
            cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(name + '_unpartitioned')}")
        cursor.execute(
            f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (occurred_at)"
        )
        sequence = f"{table}_ids"  # the old identity column owns "<table>_id_seq"
        cursor.execute(f"CREATE SEQUENCE {_q(sequence)} OWNED BY {_q(table)}.id")
        cursor.execute(
            f"ALTER TABLE {_q(table)} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)",
            [sequence],
        )
        cursor.execute(
            "SELECT setval(%s::regclass, %s, %s)", [sequence, max(last_id, 1), last_id > 0]
        )
        cursor.execute(f"ALTER TABLE {_q(table)} ADD PRIMARY KEY (id, occurred_at)")
        cursor.execute(
            f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_uuid_day_key')} "
            "UNIQUE (uuid, occurred_at)"
        )
        cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
        cursor.execute(
            "SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM " + _q(old)  # noqa: S608
        )
        days = sorted(row[0] for row in cursor.fetchall())
    for day in days:
        _day_create(table, day)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {_q(old)}")
        for name, definition in indexes:  # the model's plain indexes, now on every day
            if name not in constraint_indexes:
                cursor.execute(definition)


def _day_create(table: str, day: date) -> bool:
    """Make the day's partition unless it exists, taking its rows out of the default one."""
    name = _partition_name(table, day)
    start, end = _bounds(day)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return False
        default = _q(table + "_default")
        cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS)")
        moved = (
            f"INSERT INTO {_q(name)} SELECT * FROM {default} "  # noqa: S608
            "WHERE occurred_at >= %s AND occurred_at < %s"
        )
        cursor.execute(moved, [start, end])
        cursor.execute(
            f"DELETE FROM {default} WHERE occurred_at >= %s AND occurred_at < %s",  # noqa: S608
            [start, end],
        )
        cursor.execute(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )
    return True


def partitions_ensure(*, today: date | None = None) -> int:
    """Make the day partitions from ``DAYS_BEHIND`` before today to ``DAYS_AHEAD`` after."""
    if not partitioning_supported():
        return 0
    today = today or datetime.now(UTC).date()
    made = 0
    for table in RAW_TABLES:
        if not partitioned(table):
            continue
        for offset in range(-DAYS_BEHIND, DAYS_AHEAD + 1):
            made += _day_create(table, today + timedelta(days=offset))
    return made


def partitions_drop_before(table: str, cutoff: date) -> tuple[int, int]:
    """Drop the day partitions of ``table`` for days before ``cutoff`` and delete the older
    rows that sit in the default partition. Answers (days dropped, rows forgotten: the
    planner's estimate for dropped days, an exact count for the default partition's)."""
    days = rows = 0
    for name in partitions_of(table):
        suffix = name.rsplit("_p", 1)[-1]
        if name.endswith("_default") or not suffix.isdigit():
            continue
        if datetime.strptime(suffix, "%Y%m%d").date() >= cutoff:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relname = %s", [name]
            )
            rows += cursor.fetchone()[0]
            cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
            cursor.execute(f"DROP TABLE {_q(name)}")
        days += 1
    start, _ = _bounds(cutoff)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_q(table + '_default')} WHERE occurred_at < %s",  # noqa: S608
            [start],
        )
        rows += cursor.rowcount
    if days:
        logger.info("Dropped %d day partitions of %s before %s", days, table, cutoff)
    return days, rows
