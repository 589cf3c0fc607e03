"""Partners, the clients they were granted, and their credentials."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.partner_credentials import partner_credential_issue
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdvertiserFactory

TOKEN_URL = "/api/auth/token"


@pytest.fixture
def partner(db):
    return UserFactory(role=Role.PARTNER, email="partner@example.com", name="Partner One")


@pytest.fixture
def client_advertiser(partner):
    advertiser = AdvertiserFactory(company="Storhaug")
    advertiser.managers.add(partner)
    return advertiser


@pytest.fixture
def other_partner(db):
    return UserFactory(role=Role.PARTNER, email="other-partner@example.com")


@pytest.fixture
def other_client_advertiser(other_partner):
    advertiser = AdvertiserFactory(company="Elsewhere")
    advertiser.managers.add(other_partner)
    return advertiser


@pytest.fixture
def credential_pair(partner):
    credential, secret = partner_credential_issue(user_id=partner.pk, actor=None)
    return credential, secret


def partner_token(credential_pair) -> str:
    credential, secret = credential_pair
    response = APIClient().post(
        TOKEN_URL, {"api_key": credential.api_key, "api_secret": secret}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def partner_api(credential_pair) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {partner_token(credential_pair)}")
    return client
