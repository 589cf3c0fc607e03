"""Fixtures and helpers for the campaigns tests."""

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdvertiserFactory
from apps.common.models import DomainEvent
from apps.delivery.store import hot_store
from conftest import client_for


@pytest.fixture
def advertiser(advertiser_user):
    return AdvertiserFactory(user=advertiser_user)


@pytest.fixture
def other_advertiser(db):
    return AdvertiserFactory()


@pytest.fixture
def other_client(other_advertiser):
    return client_for(other_advertiser.user)


@pytest.fixture
def partner_user(db):
    return UserFactory(role=Role.PARTNER)


@pytest.fixture
def partner_client(partner_user):
    return client_for(partner_user)


@pytest.fixture
def finance_client(finance_user):
    return client_for(finance_user)


def assert_error(response, status: int, code: str | None = None, path: list | None = None):
    """The error envelope with ``status`` (and ``code``; ``path`` among ``details``)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["statusCode"] == status
    assert body["error"] and body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    if path is not None:
        paths = [d["path"] for d in body.get("details", [])]
        assert path in paths, paths
    return body


def events(event_type: str) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(event_type=event_type).order_by("id"))


class VersionWatch:
    """Compare ``hot_store().inventory_version()`` around a block run with on-commit callbacks."""

    def __init__(self):
        self.before = hot_store().inventory_version()

    @property
    def bumped(self) -> bool:
        return hot_store().inventory_version() > self.before
