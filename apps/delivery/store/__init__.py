"""The hot path's shared state behind one seam (see ``base.py``), chosen once per process.

``HOT_STORE`` is ``redis`` when ``REDIS_URL`` is set and ``sql`` otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from .base import (
    DUPLICATE,
    LIMITED,
    RECORDED,
    Charge,
    Claim,
    HotStore,
    Recorded,
    StoreUnavailableError,
    advertiser_spend_key,
    frequency_key,
    seen_key,
    spend_today_key,
    spend_total_key,
)

_store: HotStore | None = None
_lock = threading.Lock()


def _make() -> HotStore:
    from .resilient import ResilientStore, Spool

    if settings.HOT_STORE == "redis":
        from .redis import RedisHotStore

        inner = RedisHotStore(settings.REDIS_URL, timeout=settings.HOT_STORE_TIMEOUT_SECONDS)
    elif settings.HOT_STORE == "sql":
        from .sql import SqlHotStore

        inner = SqlHotStore()
    else:
        raise ValueError(f"HOT_STORE must be 'redis' or 'sql', not {settings.HOT_STORE!r}")
    return ResilientStore(inner, Spool(settings.HOT_STORE_SPOOL_DIR))


def hot_store() -> HotStore:
    global _store
    store = _store
    if store is None:
        with _lock:
            if _store is None:
                _store = _make()
            store = _store
    return store


@contextmanager
def hot_store_use(store: HotStore) -> Iterator[HotStore]:
    """Serve and track through ``store`` for a while (tests of the other implementation)."""
    global _store
    previous = _store
    _store = store
    try:
        yield store
    finally:
        _store = previous


__all__ = [
    "DUPLICATE",
    "LIMITED",
    "RECORDED",
    "Charge",
    "Claim",
    "HotStore",
    "Recorded",
    "StoreUnavailableError",
    "advertiser_spend_key",
    "frequency_key",
    "hot_store",
    "hot_store_use",
    "seen_key",
    "spend_today_key",
    "spend_total_key",
]
