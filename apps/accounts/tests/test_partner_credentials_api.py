"""``/api/v1/partner-credentials``: admins issue, list and revoke partner key + secret pairs."""

import hashlib

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import PartnerCredential, Role
from apps.accounts.tests.factories import UserFactory
from conftest import client_for

URL = "/api/v1/partner-credentials"
pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return UserFactory(role=Role.PARTNER)


def test_admin_issues_a_pair_the_secret_shown_once(admin_client, partner):
    response = admin_client.post(URL, {"user_id": partner.pk, "name": "CRM"}, format="json")
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret = body["api_secret"]
    assert body["id"] == body["data"]["id"]
    assert body["api_key"].startswith("pk_live_") and secret.startswith("psk_live_")
    assert body["data"]["api_secret"] == secret
    stored = PartnerCredential.objects.get(pk=body["id"])
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()

    listed = admin_client.get(URL).json()
    assert [c["id"] for c in listed["data"]] == [body["id"]]
    assert secret not in str(listed)
    assert "api_secret" not in listed["data"][0]
    detail = admin_client.get(f"{URL}/{body['id']}").json()["data"]
    assert detail["api_key"] == body["api_key"] and detail["user_id"] == partner.pk
    assert secret not in str(detail)


def test_revoke_hides_it_from_the_default_list(admin_client, partner):
    issued = admin_client.post(URL, {"user_id": partner.pk}, format="json").json()
    response = admin_client.delete(f"{URL}/{issued['id']}")
    assert response.status_code == 200
    assert response.json()["data"]["is_active"] is False
    assert admin_client.get(URL).json()["data"] == []
    revoked = admin_client.get(URL, {"include_revoked": "true"}).json()["data"]
    assert revoked[0]["revoked_at"] is not None
    token = APIClient().post(
        "/api/auth/token",
        {"api_key": issued["api_key"], "api_secret": issued["api_secret"]},
        format="json",
    )
    assert token.status_code == 401


def test_filter_by_user(admin_client, partner):
    other = UserFactory(role=Role.PARTNER)
    admin_client.post(URL, {"user_id": partner.pk}, format="json")
    admin_client.post(URL, {"user_id": other.pk}, format="json")
    data = admin_client.get(URL, {"user_id": other.pk}).json()["data"]
    assert [c["user_id"] for c in data] == [other.pk]


def test_only_partner_users_get_pairs(admin_client, advertiser_user):
    response = admin_client.post(URL, {"user_id": advertiser_user.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["details"][0]["path"] == ["body", "user_id"]
    response = admin_client.post(URL, {"user_id": 999999}, format="json")
    assert response.status_code == 422
    assert not PartnerCredential.objects.exists()


@pytest.mark.parametrize(
    "payload", [{}, {"user_id": "x"}, {"user_id": 0}, {"user_id": 1, "api_secret": "mine"}]
)
def test_bad_input_is_422(admin_client, payload):
    response = admin_client.post(URL, payload, format="json")
    assert response.status_code == 422
    assert response.json()["success"] is False


def test_unknown_id_is_404(admin_client):
    assert admin_client.get(f"{URL}/424242").status_code == 404
    assert admin_client.delete(f"{URL}/424242").status_code == 404


def test_other_roles_are_403_anonymous_401(partner, advertiser_user, finance_user):
    for user in (partner, advertiser_user, finance_user):
        client = client_for(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"user_id": partner.pk}, format="json").status_code == 403
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, {"user_id": partner.pk}, format="json").status_code == 401


def test_deactivating_the_partner_revokes_its_pairs(admin_client, partner):
    issued = admin_client.post(URL, {"user_id": partner.pk}, format="json").json()
    admin_client.patch(f"/api/v1/users/{partner.pk}", {"is_active": False}, format="json")
    assert PartnerCredential.objects.get(pk=issued["id"]).revoked_at is not None


def test_django_admin_issues_and_shows_the_secret_once(partner):
    from django.test import Client

    admin = UserFactory(role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/partnercredential/add/",
        {"user": partner.pk, "name": "From admin"},
        follow=True,
    )
    assert response.status_code == 200
    credential = PartnerCredential.objects.get()
    messages = [str(m) for m in response.context["messages"]]
    assert any(credential.api_key in m and "psk_live_" in m for m in messages)
    page = client.get(f"/admin/accounts/partnercredential/{credential.pk}/change/")
    assert page.status_code == 200
    assert credential.secret_hash not in page.content.decode()
