from decimal import Decimal

import pytest

from apps.delivery.counters import counters_forget_requests
from apps.delivery.index import index_reset
from apps.delivery.tests.factories import browser_client
from apps.inventory.tests.factories import ZoneFactory


@pytest.fixture(autouse=True)
def _fresh_index():
    index_reset()
    counters_forget_requests()  # per-process request sums from earlier tests
    yield
    index_reset()


@pytest.fixture
def browser():
    return browser_client()


@pytest.fixture
def zone():
    return ZoneFactory(width=300, height=250, floor_price=Decimal("0"))
