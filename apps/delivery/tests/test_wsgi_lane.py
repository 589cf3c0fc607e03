"""The WSGI lane answers serve and tracking exactly as Django's handler would."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler

from apps.campaigns.tests.factories import live_ad
from apps.delivery.tests.factories import CHROME_UA
from apps.delivery.wsgi import HotPathApplication
from apps.inventory.tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db


def call(app, path, query=""):
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "8.8.8.8",
        "HTTP_USER_AGENT": CHROME_UA,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


class Recorder(WSGIHandler):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return super().__call__(environ, start_response)


def test_serve_and_tracking_take_the_lane_and_the_rest_goes_to_django(monkeypatch):
    from apps.delivery import wsgi

    # As Django's test client does: the test's transaction must outlive each request.
    monkeypatch.setattr(wsgi, "close_old_connections", lambda: None)
    django_app = Recorder()
    app = HotPathApplication(django_app)
    zone = ZoneFactory(width=300, height=250)
    live_ad()
    status, headers, body = call(app, f"/api/v1/serve/{zone.uuid}")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert int(headers["Content-Length"]) == len(body)
    assert b'"impression_uuid"' in body
    assert call(app, "/api/v1/serve/not-a-zone")[0] == "404 Not Found"
    status, headers, _ = call(app, "/api/v1/track/impression/pixel", "t=forged")
    assert (status, headers["Content-Type"]) == ("200 OK", "image/gif")
    assert django_app.calls == 0
    monkeypatch.setattr("django.db.close_old_connections", lambda **kw: None)
    assert call(app, "/api/v1/users")[0] == "401 Unauthorized"
    call(app, f"/api/v1/serve/{zone.uuid}", "debug=1")  # may use a session: Django's path
    assert django_app.calls == 2


def test_the_project_application_has_the_lane():
    from adplatform.wsgi import application

    assert isinstance(application, HotPathApplication)
