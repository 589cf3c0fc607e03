"""Request ids on every response and log line; JSON log lines."""

import json
import logging

import pytest
from django.test import Client

from apps.common.logs import JsonFormatter, RequestIdFilter, current_request_id
from apps.common.tests.client import document_check_off
from apps.inventory.tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept():
    zone = ZoneFactory()
    client = Client()
    api = client.get("/api/v1/campaigns")
    serve = client.get(f"/api/v1/serve/{zone.uuid}")  # the hot path's lane
    ids = {api["X-Request-ID"], serve["X-Request-ID"]}
    assert len(ids) == 2 and all(len(i) == 32 for i in ids)
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234-abcd")
    assert kept["X-Request-ID"] == "lb-1234-abcd"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
    assert forged["X-Request-ID"] != "bad id\nInjected: yes"


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord(
        "apps.test", logging.WARNING, __file__, 1, "drain %s", ("late",), None
    )
    token = current_request_id.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "drain late"
    assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", "apps.test", "req-42")
    assert line["time"].endswith("+00:00")


def test_lines_written_during_a_request_name_it(monkeypatch):
    from apps.delivery import middleware

    def boom(request, **kwargs):
        raise RuntimeError("failing view")

    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append(record.request_id)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("apps.api")
    logger.addHandler(handler)
    monkeypatch.setattr(middleware, "hot_path_view", lambda path: (boom, {}))
    try:
        with document_check_off():  # the crash is injected
            response = Client(raise_request_exception=False).get(
                "/api/v1/serve/x", HTTP_X_REQUEST_ID="trace-0001"
            )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    assert response["X-Request-ID"] == "trace-0001"
    assert seen == ["trace-0001"]
    assert current_request_id.get() == "-"  # reset after the request
