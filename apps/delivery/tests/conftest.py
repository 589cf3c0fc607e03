from decimal import Decimal

import pytest

from apps.delivery.tests.factories import browser_client
from apps.inventory.tests.factories import ZoneFactory


@pytest.fixture
def browser():
    return browser_client()


@pytest.fixture
def zone():
    return ZoneFactory(width=300, height=250, floor_price=Decimal("0"))
