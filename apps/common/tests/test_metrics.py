"""/metrics: Prometheus text for loopback and token holders, counting what the hot path did."""

import re

import pytest
from django.test import Client

from apps.campaigns.tests.factories import live_ad
from apps.delivery.tests.factories import CHROME_UA, path_of
from apps.inventory.tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db


def sample(body: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}" + (rf"\{{{re.escape(wanted)}\}}" if labels else "") + r" (\S+)$"
    found = re.search(pattern, body, re.M)
    return float(found[1]) if found else 0.0


def scrape(**extra) -> str:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_only_loopback_and_the_token_may_read(settings):
    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    outside = Client(REMOTE_ADDR="203.0.113.5")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    settings.METRICS_ALLOW_LOOPBACK = False
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    # A forwarded address never counts as loopback.
    forged = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1")
    settings.METRICS_ALLOW_LOOPBACK = True
    assert forged.get("/metrics").status_code == 403
    settings.METRICS_ENABLED = False
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


def test_serving_and_tracking_are_counted():
    zone = ZoneFactory(width=300, height=250)
    empty = ZoneFactory(width=728, height=90)
    live_ad()
    browser = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    before = scrape()
    data = browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"]
    browser.get(f"/api/v1/serve/{empty.uuid}")
    browser.get(path_of(data["ad"]["impression_url"]))
    browser.get(path_of(data["ad"]["impression_url"]))  # a replay
    browser.get("/api/v1/track/impression/pixel?t=forged")
    after = scrape()

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("adp_decisions_total", outcome="filled") == 1
    assert grew("adp_decisions_total", outcome="no_candidates") == 1
    assert grew("adp_tracked_events_total", kind="impression", result="recorded") == 1
    assert grew("adp_tracked_events_total", kind="impression", result="duplicate") == 1
    assert grew("adp_invalid_events_total", reason="malformed_token") == 1
    assert grew("adp_hot_request_seconds_count", route="serve") == 2
    assert grew("adp_hot_request_seconds_count", route="impression_pixel") == 3
    assert sample(after, "adp_events_pending") >= 3  # waiting for the drain
    assert "adp_drain_lag_seconds" in after
    assert "8.8.8.8" not in after  # no addresses, ids or keys in labels
