"""The OpenRTB endpoints take the hot-path lane (no session, auth or CSRF middleware)."""

import json

import pytest
from django.test import RequestFactory

from apps.delivery.middleware import hot_path_view
from apps.rtb import notice_views, views

from .support import request_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("/openrtb/2.6/bid", views.bid),
        ("/openrtb/2.6/win", notice_views.win),
        ("/openrtb/2.6/billing", notice_views.billing),
        ("/openrtb/2.6/loss", notice_views.loss),
    ],
)
def test_the_lane_routes_openrtb(path, view):
    assert hot_path_view(path) == (view, {})


def test_serve_still_takes_the_lane():
    found = hot_path_view("/api/v1/serve/abc")
    assert found is not None and found[1] == {"zone_uuid": "abc"}


def test_a_bid_sets_no_cookie_and_needs_no_csrf_token(client):
    client = client.__class__(enforce_csrf_checks=True)
    response = client.post(
        "/openrtb/2.6/bid", data=json.dumps(request_body()), content_type="application/json"
    )
    assert response.status_code == 204
    assert not response.cookies


def test_the_wsgi_lane_answers_bids(monkeypatch):
    from io import BytesIO

    from adplatform.wsgi import application

    body = json.dumps(request_body()).encode()
    environ = RequestFactory().post("/openrtb/2.6/bid").environ
    environ.update(
        {
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": BytesIO(body),
            "HTTP_X_OPENRTB_VERSION": "2.6",
        }
    )
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    assert b"".join(application(environ, start_response)) == b""
    assert seen["status"].startswith("204")
    assert seen["headers"]["x-openrtb-version"] == "2.6"


def test_a_body_over_the_platform_limit_gets_the_openrtb_shape(client, settings):
    settings.API_MAX_BODY_BYTES = 100
    settings.RTB_MAX_BODY_BYTES = 100
    response = client.post(
        "/openrtb/2.6/bid", data=json.dumps(request_body()), content_type="application/json"
    )
    assert response.status_code == 413
    assert set(response.json()) == {"error", "details", "nbr"}


def test_an_internal_failure_is_a_no_bid_not_a_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "imp_bid", broken)
    response = client.post(
        "/openrtb/2.6/bid", data=json.dumps(request_body()), content_type="application/json"
    )
    assert response.status_code == 204
