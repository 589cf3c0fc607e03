"""Building ``ScopeHourlyStat`` from ``HourlyStat``, and where reports switch between them.

Reports read the per-scope rollups for hours before a *boundary* and ``HourlyStat`` for hours
from it on, so a month over 1,000 ads reads ~720 rows instead of 720,000, and the recent hours
are always exact:

- The *horizon* is the current UTC hour minus ``REPORT_ROLLUP_SETTLE_HOURS`` (default 2):
  events reach ``HourlyStat`` seconds after they happen, so only hours older than that are
  rolled up; newer hours are always read from ``HourlyStat``.
- A report reads ``RollupState`` (one query). When its boundary lags the horizon, or the last
  build is older than ``REPORT_ROLLUP_REFRESH_SECONDS`` (900), that read rebuilds the hours
  from ``min(boundary, horizon - REPORT_ROLLUP_REFRESH_HOURS)`` (24) to the horizon and moves
  the boundary there. So an event drained up to a day late still reaches the rollups within
  minutes; after a longer stop of the event drain, run ``manage.py reporting_rollups --since``.
- One process builds at a time (a cache lock, then the state row locked). A build that fails
  is logged and leaves the old boundary: reports stay exact, reading more of ``HourlyStat``.
- ``REPORT_ROLLUPS = False`` makes every report read ``HourlyStat`` only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone as dj_timezone

from apps.delivery.models import HourlyStat

from .models import METRIC_FIELDS, RollupState, Scope, ScopeHourlyStat

logger = logging.getLogger(__name__)

# How each scope is built, in this order: from HourlyStat (campaigns and zones, two passes
# over the big table), or from a finer scope already built (advertisers from campaigns,
# publishers from zones, the platform from advertisers). Columns: the scope's id first, then
# its owner.
SCOPE_SOURCES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    Scope.CAMPAIGN: (None, ("campaign_id", "advertiser_id")),
    Scope.ZONE: (None, ("zone_id", "publisher_id")),
    Scope.ADVERTISER: (Scope.CAMPAIGN, ("advertiser_id",)),
    Scope.PUBLISHER: (Scope.ZONE, ("publisher_id",)),
    Scope.PLATFORM: (Scope.ADVERTISER, ()),
}
# Only quoted model table and column names are formatted in; every value is a parameter.
SCOPE_INSERT_SQL = (
    "INSERT INTO {target} (scope, scope_id, hour, advertiser_id, publisher_id, {metrics}) "
    "SELECT %s, {scope_id}, hour, {advertiser_id}, {publisher_id}, {sums} FROM {table} "
    "WHERE {where} GROUP BY {group}"
)
LOCK_KEY = "reporting:rollups:build"
LOCK_SECONDS = 600


def rollups_enabled() -> bool:
    return settings.REPORT_ROLLUPS


def _now() -> datetime:
    return dj_timezone.now()


def rollups_horizon(now: datetime) -> datetime:
    top = now.replace(minute=0, second=0, microsecond=0)
    return top - timedelta(hours=settings.REPORT_ROLLUP_SETTLE_HOURS)


def _scope_insert(scope: str, since: datetime | None, until: datetime) -> int:
    """Sum the scope's source rows per hour (and id) into ``ScopeHourlyStat`` with one
    ``INSERT … SELECT``: the rows never travel through Python."""
    source, columns = SCOPE_SOURCES[scope]
    ops = connection.ops
    target = ops.quote_name(ScopeHourlyStat._meta.db_table)
    table = ops.quote_name((HourlyStat if source is None else ScopeHourlyStat)._meta.db_table)
    # The source rows carry every column the scope names (HourlyStat all of them; campaign
    # and zone rollups their owner), so each is read under its own name; others are NULL.
    scope_id = ops.quote_name(columns[0]) if columns else "0"
    owners = [
        ops.quote_name(name) if name in columns else "NULL"
        for name in ("advertiser_id", "publisher_id")
    ]
    group = ", ".join(["hour", *(ops.quote_name(name) for name in columns)])
    where, params = ["hour < %s"], [ops.adapt_datetimefield_value(until)]
    if since is not None:
        where.append("hour >= %s")
        params.append(ops.adapt_datetimefield_value(since))
    if source is not None:
        where.append("scope = %s")
        params.append(source)
    metrics = ", ".join(ops.quote_name(name) for name in METRIC_FIELDS)
    sums = ", ".join(f"COALESCE(SUM({ops.quote_name(name)}), 0)" for name in METRIC_FIELDS)
    sql = SCOPE_INSERT_SQL.format(
        target=target,
        metrics=metrics,
        scope_id=scope_id,
        advertiser_id=owners[0],
        publisher_id=owners[1],
        sums=sums,
        table=table,
        where=" AND ".join(where),
        group=group,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, *params])
        return max(cursor.rowcount, 0)


def rollups_build(*, since: datetime | None, until: datetime) -> int:
    """Replace the rollups of hours from ``since`` (all when None) to ``until``; returns the
    rows written. Call inside a transaction."""
    stale = ScopeHourlyStat.objects.all()
    if since is not None:
        stale = stale.filter(hour__gte=since)
    stale.delete()
    return sum(_scope_insert(scope, since, until) for scope in SCOPE_SOURCES)


def rollups_refresh(
    *, now: datetime | None = None, since: datetime | None = None, full: bool = False
) -> datetime:
    """Rebuild up to the horizon and move the boundary there: from ``since`` when given,
    everything when ``full`` (or never built), else the hours the refresh window covers."""
    now = now or _now()
    horizon = rollups_horizon(now)
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(pk=1)
        built = state.built_until
        if since is None and built is not None and not full:
            back = horizon - timedelta(hours=settings.REPORT_ROLLUP_REFRESH_HOURS)
            since = min(built, back)
        rollups_build(since=since, until=horizon)
        state.built_until, state.refreshed_at = horizon, now
        state.save(update_fields=["built_until", "refreshed_at"])
    return horizon


def rollups_boundary(*, now: datetime | None = None) -> datetime | None:
    """Where reports switch from the rollups to ``HourlyStat`` (None: read ``HourlyStat``
    only), refreshing the rollups first when they are due."""
    if not rollups_enabled():
        return None
    now = now or _now()
    state = RollupState.objects.filter(pk=1).first()
    built = state.built_until if state else None
    max_age = timedelta(seconds=settings.REPORT_ROLLUP_REFRESH_SECONDS)
    if (
        built is not None
        and built == rollups_horizon(now)
        and state.refreshed_at is not None
        and now - state.refreshed_at < max_age
    ):
        return built
    if not cache.add(LOCK_KEY, now.isoformat(), timeout=LOCK_SECONDS):
        return built  # another process is building; its old boundary is still exact
    try:
        return rollups_refresh(now=now)
    except DatabaseError:
        logger.exception("Building the report rollups failed; reading the hourly stats")
        return built
    finally:
        cache.delete(LOCK_KEY)
