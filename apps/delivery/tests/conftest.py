import pytest

from apps.delivery import counters
from apps.delivery.index import index_reset

CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_index():
    index_reset()
    counters._pending_requests.clear()  # per-process request sums from earlier tests
    yield
    index_reset()
