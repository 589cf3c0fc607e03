"""Fixtures for the inventory tests: a publisher per side and clients for every role."""

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from conftest import client_for

from .factories import PublisherFactory, WebsiteFactory, ZoneFactory


@pytest.fixture
def publisher(publisher_user):
    return PublisherFactory(user=publisher_user, name="Own Publisher")


@pytest.fixture
def other_publisher(db):
    return PublisherFactory(name="Other Publisher")


@pytest.fixture
def website(publisher):
    return WebsiteFactory(publisher=publisher, name="Own Site")


@pytest.fixture
def other_website(other_publisher):
    return WebsiteFactory(publisher=other_publisher, name="Other Site")


@pytest.fixture
def zone(website):
    return ZoneFactory(website=website, name="Own Zone")


@pytest.fixture
def other_zone(other_website):
    return ZoneFactory(website=other_website, name="Other Zone")


@pytest.fixture
def finance_client(finance_user):
    return client_for(finance_user)


@pytest.fixture
def partner_client(db):
    return client_for(UserFactory(role=Role.PARTNER))


@pytest.fixture
def other_publisher_client(other_publisher):
    return client_for(other_publisher.user)
