from decimal import Decimal

import pytest

from apps.audiences.consent.ledger import consent_stats_forget
from apps.audiences.pixel import segment_memory_forget
from apps.delivery.counters import counters_forget_requests
from apps.delivery.index import index_reset
from apps.delivery.store import hot_store
from apps.delivery.tests.factories import browser_client
from apps.inventory.tests.factories import ZoneFactory


@pytest.fixture(autouse=True)
def _fresh_state(db):
    index_reset()
    counters_forget_requests()
    consent_stats_forget()
    segment_memory_forget()
    from apps.audiences.consent import ledger

    ledger._recent.clear()
    yield
    index_reset()
    if hot_store().inner.name == "redis":
        hot_store().inner.clear()


@pytest.fixture
def browser():
    return browser_client()


@pytest.fixture
def zone():
    return ZoneFactory(width=300, height=250, floor_price=Decimal("0"))
