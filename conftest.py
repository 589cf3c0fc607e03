"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _answers_match_the_document():
    """Every API answer a test receives, through any test client, matches the OpenAPI
    document (``apps/common/tests/client.py``)."""
    from django.test import Client

    from apps.common.tests.client import checked

    original = Client.request
    Client.request = checked(original)
    yield
    Client.request = original


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test's serving sees the inventory it made (the index is per process)."""
    from apps.delivery.counters import counters_forget_requests
    from apps.delivery.index import index_reset

    index_reset()
    counters_forget_requests()
    yield
    index_reset()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    """An API client authenticated as ``user`` with a fresh API key."""
    from apps.accounts.services import api_key_create

    _, raw = api_key_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.user = user
    return client


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, email="admin@example.com")


@pytest.fixture
def advertiser_user(db):
    return UserFactory(role=Role.ADVERTISER)


@pytest.fixture
def publisher_user(db):
    return UserFactory(role=Role.PUBLISHER)


@pytest.fixture
def finance_user(db):
    return UserFactory(role=Role.FINANCE)


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def advertiser_client(advertiser_user) -> APIClient:
    return client_for(advertiser_user)


@pytest.fixture
def publisher_client(publisher_user) -> APIClient:
    return client_for(publisher_user)
