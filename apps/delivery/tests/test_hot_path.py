"""The hot path's lane dispatches the routes of ``apps/delivery/urls.py`` and fails safely."""

import uuid

import pytest
from django.test import Client
from django.urls import resolve

from apps.common.tests.client import document_check_off
from apps.delivery import urls
from apps.delivery.middleware import hot_path_view

ZONE = str(uuid.uuid4())


def sample_path(pattern) -> str:
    route = str(pattern.pattern)
    return "/api/v1/" + route.replace("<str:zone_uuid>", ZONE).replace("<str:segment_uuid>", ZONE)


@pytest.mark.parametrize("pattern", urls.urlpatterns, ids=lambda p: p.name)
def test_every_delivery_route_takes_the_lane_to_its_view(pattern):
    view, kwargs = hot_path_view(sample_path(pattern))
    assert view is pattern.callback
    assert kwargs == resolve(sample_path(pattern)).kwargs


def test_other_paths_take_the_ordinary_way():
    assert hot_path_view("/api/v1/track/nothing") is None
    assert hot_path_view(f"/api/v1/serve/{ZONE}/other") is None
    assert hot_path_view("/api/v1/campaigns") is None
    assert hot_path_view("/serve/x") is None


@pytest.mark.django_db
def test_an_exception_becomes_a_json_500_without_a_trace(monkeypatch):
    from apps.delivery import middleware

    def boom(request, zone_uuid):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(middleware, "hot_path_view", lambda path: (boom, {"zone_uuid": ZONE}))
    with document_check_off():  # the crash is injected
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
