"""The admin dashboard's partner credentials page: issue (secret once), list, revoke."""

import pytest
from django.test import Client

from apps.accounts.models import PartnerCredential, Role
from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/staff/partner-credentials/"


@pytest.fixture
def admin_page(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_issue_shows_the_secret_once_then_revoke(admin_page):
    partner = UserFactory(role=Role.PARTNER, email="agency@example.com")
    response = admin_page.post(URL, {"user": partner.pk, "name": "CRM"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    credential = PartnerCredential.objects.get()
    assert credential.api_key in text and "psk_live_" in text
    listing = admin_page.get(URL).content.decode()
    assert credential.api_key in listing and "psk_live_" not in listing
    response = admin_page.post(f"{URL}{credential.pk}/revoke/")
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    after = admin_page.get(URL).content.decode()  # the flash message names the key
    assert "No credentials yet." in after and 'id="credential-table"' not in after
    assert credential.api_key in admin_page.get(URL, {"revoked": "1"}).content.decode()


def test_only_partner_users_can_be_chosen(admin_page, advertiser_user):
    response = admin_page.post(URL, {"user": advertiser_user.pk})
    assert response.status_code == 422
    assert not PartnerCredential.objects.exists()
    assert admin_page.post(f"{URL}424242/revoke/").status_code == 404


def test_other_roles_cannot_open_it(advertiser_user):
    client = Client()
    client.force_login(advertiser_user)
    assert client.get(URL).status_code == 403
    assert Client().get(URL).status_code == 302
