"""The hot-path middleware routes exactly as the URL patterns do, and fails safely."""

import uuid

import pytest
from django.test import Client
from django.urls import resolve

from apps.delivery import views
from apps.delivery.middleware import hot_path_view

ZONE = str(uuid.uuid4())
PATHS = [
    f"/api/v1/serve/{ZONE}",
    f"/api/v1/serve/{ZONE}/iframe",
    f"/api/v1/serve/{ZONE}/image",
    f"/api/v1/serve/{ZONE}/click",
    f"/api/v1/serve/{ZONE}/vast",
    "/api/v1/track/impression",
    "/api/v1/track/impression/pixel",
    "/api/v1/track/click",
    "/api/v1/track/conversion",
    "/api/v1/track/conversion/pixel",
    "/api/v1/track/viewable",
    "/api/v1/track/video",
]


@pytest.mark.parametrize("path", PATHS)
def test_same_view_as_the_url_patterns(path):
    match = resolve(path)
    view, kwargs = hot_path_view(path)
    assert view is match.func
    assert kwargs == match.kwargs


def test_other_paths_take_the_ordinary_way():
    assert hot_path_view("/api/v1/track/nothing") is None
    assert hot_path_view(f"/api/v1/serve/{ZONE}/other") is None


@pytest.mark.django_db
def test_an_exception_becomes_a_json_500_without_a_trace(monkeypatch):
    def boom(request, zone_uuid):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(views.__dict__, "serve", boom)
    from apps.delivery import middleware

    monkeypatch.setitem(middleware._SERVE_VIEWS, None, boom)
    response = Client(raise_request_exception=False).get(f"/api/v1/serve/{ZONE}")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret internals" not in response.content.decode()


@pytest.mark.django_db
def test_oversized_tracking_body_is_refused():
    response = Client().post(
        "/api/v1/track/impression",
        "x" * 10,
        content_type="application/json",
        CONTENT_LENGTH=str(50_000_000),
    )
    assert response.status_code == 413
