"""Liveness and readiness probes."""

import time

import pytest

from apps.delivery.events import TrackedEvent
from apps.delivery.store import StoreUnavailableError, hot_store, hot_store_use

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert client.post("/healthz").status_code == 405


def test_readyz_checks_database_store_index_and_drain(client, zone):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert [c["name"] for c in body["checks"]] == ["database", "store", "index", "drain"]
    assert next(c for c in body["checks"] if c["name"] == "index")["zones"] == 1


def test_readyz_fails_when_the_drain_is_behind(client, settings):
    settings.READY_MAX_DRAIN_LAG_SECONDS = 0.5
    hot_store().record(TrackedEvent(kind="invalid", uuid="x", at=time.time(), reason="test"))
    time.sleep(1.1)
    body = client.get("/readyz").json()
    drain = next(c for c in body["checks"] if c["name"] == "drain")
    assert body["status"] == "unavailable" and not drain["ok"]
    assert "drained" in drain["error"]


class DownStore:
    """A hot store whose server is down."""

    def __getattr__(self, name):
        def unreachable(*args, **kwargs):
            raise StoreUnavailableError("down")

        return unreachable


def test_readyz_is_503_when_the_store_is_down(client):
    with hot_store_use(DownStore()):
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["database"]["ok"] and not checks["store"]["ok"]
    assert "down" not in checks["store"]["error"]  # names the failure, not internals
