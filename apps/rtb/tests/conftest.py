import pytest

from apps.delivery.counters import counters_forget_requests
from apps.delivery.index import index_reset
from apps.rtb.config import config_reset
from apps.rtb.partners import breakers_reset
from apps.rtb.stats import stats_forget


@pytest.fixture(autouse=True)
def _fresh_exchange():
    index_reset()
    config_reset()
    breakers_reset()
    stats_forget()
    counters_forget_requests()
    yield
    index_reset()
    config_reset()
    stats_forget()
