"""Queries per warm serve decision.

    .venv/bin/python bench/count_queries.py ZONE_UUID   # DJANGO_SETTINGS_MODULE as the server

Builds a RequestFactory request for the zone (desktop Chrome, ``country=US``) and calls
``apps.delivery.views.serve`` directly: the first call is cold (it may build the inventory
index), the next ones are warm and are counted with ``CaptureQueriesContext``. The same is
then done through the whole middleware stack with the test ``Client``. Cache operations are
the Django cache API calls; with Redis, the round trips redis-py makes are counted as well.
SQL statements on the database cache table (the embedded default's shared cache) are counted
apart from ORM queries, and so are bare BEGIN/COMMIT statements, which the database cache's
writes issue. With ``REDIS_URL`` set the cache is Redis and makes no SQL at all. Prints one
JSON object.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adplatform.settings.base")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
WARM_CALLS = 5


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def split(queries: list[dict]) -> dict:
    """ORM queries apart from the database cache's own SQL and bare transaction control."""
    cache_table = settings.CACHES["default"].get("LOCATION", "")
    is_db_cache = settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    counts = {"orm": 0, "cache_table": 0, "transaction_control": 0}
    orm_sql = []
    for query in queries:
        sql = query["sql"]
        if is_db_cache and cache_table in sql:
            counts["cache_table"] += 1
        elif sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            counts["transaction_control"] += 1
        else:
            counts["orm"] += 1
            orm_sql.append(sql)
    return {**counts, "orm_sql": orm_sql[:10], "cache_sql": [q["sql"][:120] for q in queries]}


CACHE_OPERATIONS = (
    "get",
    "get_many",
    "set",
    "set_many",
    "add",
    "incr",
    "decr",
    "delete",
    "delete_many",
    "touch",
    "has_key",
    "get_or_set",
)


class CacheOps:
    """Counts calls to the default cache backend's public methods (one round trip each)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._saved: dict[str, object] = {}

    def __enter__(self):
        backend = type(caches["default"])
        for name in CACHE_OPERATIONS:
            original = getattr(backend, name)
            self._saved[name] = backend.__dict__.get(name)

            def counted(cache_self, *args, _name=name, _original=original, **kwargs):
                depth = getattr(cache_self, "_bench_depth", 0)
                if depth == 0:  # nested calls (set_many -> set) count once
                    self.calls.append(_name)
                cache_self._bench_depth = depth + 1
                try:
                    return _original(cache_self, *args, **kwargs)
                finally:
                    cache_self._bench_depth = depth

            setattr(backend, name, counted)
        return self

    def __exit__(self, *exc) -> None:
        backend = type(caches["default"])
        for name, saved in self._saved.items():
            if saved is None:
                delattr(backend, name)
            else:
                setattr(backend, name, saved)


class RedisRoundTrips:
    """Counts what redis-py sends: one ``send_packed_command`` per round trip (a pipeline is one).

    It sees the serve path's own pipelines too, which bypass the Django cache API.
    """

    def __init__(self) -> None:
        self.count = 0
        self._saved = None

    def __enter__(self):
        try:
            from redis.connection import AbstractConnection
        except ImportError:
            return self
        self._saved = AbstractConnection.send_packed_command
        original = self._saved

        def counted(conn, *args, **kwargs):
            self.count += 1
            return original(conn, *args, **kwargs)

        AbstractConnection.send_packed_command = counted
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            from redis.connection import AbstractConnection

            AbstractConnection.send_packed_command = self._saved


def measure(call) -> dict:
    call()  # cold: may build the index
    with CaptureQueriesContext(connection) as ctx, CacheOps() as ops, RedisRoundTrips() as rt:
        call()  # the first warm call, the one the brief pins
    first = split(ctx.captured_queries)
    first["cache_operations"] = ops.calls
    is_redis = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    first["redis_round_trips"] = rt.count if is_redis else None
    with CaptureQueriesContext(connection) as ctx:
        statuses = [call() for _ in range(WARM_CALLS)]
    more = split(ctx.captured_queries)
    return {
        "warm_call": first,
        f"next_{WARM_CALLS}_calls_per_call": {
            key: more[key] / WARM_CALLS for key in ("orm", "cache_table", "transaction_control")
        },
        "statuses": sorted(set(statuses)),
    }


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: count_queries.py ZONE_UUID")
    zone = sys.argv[1]
    try:
        from apps.delivery.views import serve
    except ImportError as exc:
        sys.exit(f"apps.delivery.views.serve is not available yet: {exc}")

    factory = RequestFactory()
    path = f"/api/v1/serve/{zone}"
    query = {"country": "US", "uid": "bench-queries"}

    def call_view() -> int:
        request = factory.get(path, query, HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")
        request.user = AnonymousUser()
        return serve(request, zone).status_code

    client = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="127.0.0.1")

    def call_stack() -> int:
        return client.get(path, query).status_code

    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    result = {
        "zone": zone,
        "database": connection.vendor,
        "cache": backend,
        "view": measure(call_view),
        "full_stack": measure(call_stack),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
