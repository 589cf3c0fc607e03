"""``bench/wsgi.py``: the trivial view beside the product, without touching its settings."""

import io

import orjson
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


def _call(application, path: str) -> tuple[str, bytes]:
    answered = {}

    def start_response(status, headers):
        answered["status"] = status

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    # As Django's test client does: the handler's request signals would close the test's
    # database connection (it is in a transaction, so "unusable" to them).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answered["status"], body


def test_ping_is_served_only_by_the_bench_entry(db):
    from adplatform.wsgi import application as product
    from bench.wsgi import application as bench

    status, body = _call(bench, "/bench/ping")
    assert status.startswith("200")
    assert orjson.loads(body) == {"ok": True}
    # The product's own URLconf and settings know nothing about it.
    assert settings.ROOT_URLCONF == "adplatform.urls"
    assert _call(product, "/bench/ping")[0].startswith("404")


def test_other_requests_go_to_the_product_unchanged(db):
    from adplatform.wsgi import application as product
    from bench.wsgi import application as bench

    assert _call(bench, "/api/v1/nowhere") == _call(product, "/api/v1/nowhere")
