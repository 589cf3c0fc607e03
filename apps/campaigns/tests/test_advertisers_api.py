"""The advertisers API and the advertiser profile made for new advertiser users."""

import pytest

from apps.accounts.models import Role
from apps.accounts.services import user_create
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Advertiser
from apps.campaigns.tests.conftest import assert_error
from apps.campaigns.tests.factories import AdvertiserFactory

URL = "/api/v1/advertisers"
PASSWORD = "Str0ng-pass!-xyz"


def detail(advertiser_id) -> str:
    return f"{URL}/{advertiser_id}"


# --- The profile made at user creation ------------------------------------------------------


@pytest.mark.django_db
def test_new_advertiser_user_gets_profile():
    user = user_create(
        email="ann@example.com", password=PASSWORD, name="Ann", timezone_name="Europe/Paris"
    )
    advertiser = Advertiser.objects.get(user=user)
    assert advertiser.company == "Ann"
    assert advertiser.timezone == "Europe/Paris"
    assert advertiser.currency == "USD"
    assert advertiser.auto_created is True


@pytest.mark.django_db
def test_profile_company_falls_back_to_email():
    user = user_create(email="bob@example.com", password=PASSWORD)
    assert Advertiser.objects.get(user=user).company == "bob@example.com"


@pytest.mark.django_db
def test_other_roles_get_no_profile():
    for role in (Role.PUBLISHER, Role.ADMIN, Role.FINANCE, Role.PARTNER):
        user_create(email=f"{role.label}@example.com", password=PASSWORD, role=role)
    assert not Advertiser.objects.exists()


@pytest.mark.django_db
def test_signup_makes_profile(api_client):
    response = api_client.post(
        "/api/v1/auth/signup",
        {"email": "new@example.com", "password": PASSWORD, "name": "Newco"},
        format="json",
    )
    assert response.status_code == 201
    assert Advertiser.objects.get(user__email="new@example.com").company == "Newco"


# --- List and retrieve --------------------------------------------------------------------


@pytest.mark.django_db
def test_advertiser_sees_own_profile(advertiser_client, advertiser, other_advertiser):
    body = advertiser_client.get(URL).json()
    assert [a["id"] for a in body["data"]] == [advertiser.pk]
    data = advertiser_client.get(detail(advertiser.pk)).json()["data"]
    assert set(data) == {
        "id",
        "user_id",
        "email",
        "company",
        "client_slug",
        "currency",
        "timezone",
        "manager_ids",
        "created_at",
        "updated_at",
    }
    assert data["email"] == advertiser.user.email
    assert_error(advertiser_client.get(detail(other_advertiser.pk)), 404)


@pytest.mark.django_db
def test_list_makes_missing_profile(advertiser_client, advertiser_user):
    data = advertiser_client.get(URL).json()["data"]
    assert [a["user_id"] for a in data] == [advertiser_user.pk]


@pytest.mark.django_db
def test_admin_and_finance_see_all(admin_client, finance_client):
    AdvertiserFactory.create_batch(3)
    for client in (admin_client, finance_client):
        body = client.get(URL, {"per_page": 2}).json()
        assert body["pagination"]["total"] == 3 and len(body["data"]) == 2
    found = admin_client.get(URL, {"search": "Company"}).json()["pagination"]["total"]
    assert found == 3


@pytest.mark.django_db
def test_partner_sees_managed(partner_client, partner_user):
    managed, unmanaged = AdvertiserFactory(), AdvertiserFactory()
    managed.managers.add(partner_user)
    data = partner_client.get(URL).json()["data"]
    assert [a["id"] for a in data] == [managed.pk]
    assert data[0]["manager_ids"] == [partner_user.pk]
    assert_error(partner_client.get(detail(unmanaged.pk)), 404)


@pytest.mark.django_db
def test_anonymous_and_publisher(api_client, publisher_client):
    advertiser = AdvertiserFactory()
    assert_error(api_client.get(URL), 401)
    assert_error(api_client.get(detail(advertiser.pk)), 401)
    assert_error(publisher_client.get(URL), 403)
    assert_error(publisher_client.get(detail(advertiser.pk)), 403)
    assert_error(publisher_client.put(detail(advertiser.pk), {}, format="json"), 403)


# --- Update -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_updates_profile(advertiser_client, advertiser, django_capture_on_commit_callbacks):
    from apps.campaigns.tests.conftest import VersionWatch

    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.put(
            detail(advertiser.pk),
            {"company": "Acme", "currency": "EUR", "timezone": "America/New_York"},
            format="json",
        )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["company"], data["currency"], data["timezone"]) == (
        "Acme",
        "EUR",
        "America/New_York",
    )
    assert watch.bumped


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"currency": "usd"}, ["body", "currency"]),
        ({"currency": "DOLLARS"}, ["body", "currency"]),
        ({"timezone": "Mars/Base"}, ["body", "timezone"]),
        ({"company": ""}, ["body", "company"]),
        ({"company": "c" * 201}, ["body", "company"]),
        ({"user_id": 5}, ["body", "user_id"]),
    ],
)
def test_update_validation(advertiser_client, advertiser, change, path):
    response = advertiser_client.patch(detail(advertiser.pk), change, format="json")
    assert_error(response, 422, "validation_failed", path)


@pytest.mark.django_db
def test_update_refusals(
    advertiser_client, other_client, partner_client, partner_user, finance_client, advertiser
):
    assert_error(other_client.put(detail(advertiser.pk), {"company": "X"}, format="json"), 404)
    managers = {"manager_ids": [partner_user.pk]}
    assert_error(advertiser_client.put(detail(advertiser.pk), managers, format="json"), 403)
    assert_error(finance_client.put(detail(advertiser.pk), {"company": "X"}, format="json"), 403)
    advertiser.managers.add(partner_user)
    assert_error(partner_client.put(detail(advertiser.pk), {"company": "X"}, format="json"), 403)
    advertiser.refresh_from_db()
    assert advertiser.company != "X"


@pytest.mark.django_db
def test_admin_sets_managers(admin_client, advertiser, partner_user):
    response = admin_client.put(
        detail(advertiser.pk), {"manager_ids": [partner_user.pk]}, format="json"
    )
    assert response.json()["data"]["manager_ids"] == [partner_user.pk]
    not_partner = UserFactory(role=Role.PUBLISHER)
    refused = admin_client.put(
        detail(advertiser.pk), {"manager_ids": [not_partner.pk]}, format="json"
    )
    assert_error(refused, 422, path=["body", "manager_ids"])
    cleared = admin_client.patch(detail(advertiser.pk), {"manager_ids": []}, format="json")
    assert cleared.json()["data"]["manager_ids"] == []


# --- Create (admin) -----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_creates_profile(admin_client, partner_user):
    user = UserFactory(role=Role.ADVERTISER, timezone="Asia/Tokyo")
    response = admin_client.post(
        URL,
        {
            "user_id": user.pk,
            "company": "Acme",
            "currency": "JPY",
            "manager_ids": [partner_user.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["user_id"] == user.pk and data["company"] == "Acme"
    assert data["currency"] == "JPY" and data["timezone"] == "Asia/Tokyo"
    assert data["manager_ids"] == [partner_user.pk]
    again = admin_client.post(URL, {"user_id": user.pk, "company": "Acme"}, format="json")
    assert_error(again, 409)


@pytest.mark.django_db
def test_admin_create_adopts_auto_created_profile_once(admin_client):
    user = user_create(email="c@example.com", password=PASSWORD)
    first = admin_client.post(URL, {"user_id": user.pk, "company": "Real Co"}, format="json")
    assert first.status_code == 201
    assert first.json()["data"]["company"] == "Real Co"
    assert Advertiser.objects.filter(user=user).count() == 1
    assert_error(admin_client.post(URL, {"user_id": user.pk, "company": "X"}, format="json"), 409)


@pytest.mark.django_db
def test_admin_create_validation(admin_client):
    publisher = UserFactory(role=Role.PUBLISHER)
    wrong_role = admin_client.post(URL, {"user_id": publisher.pk, "company": "X"}, format="json")
    assert_error(wrong_role, 422, path=["body", "user_id"])
    missing = admin_client.post(URL, {"user_id": 999999, "company": "X"}, format="json")
    assert_error(missing, 422, path=["body", "user_id"])
    assert_error(
        admin_client.post(URL, {"company": "X"}, format="json"), 422, path=["body", "user_id"]
    )
    assert not Advertiser.objects.exists()


@pytest.mark.django_db
def test_only_admin_creates(advertiser_client, partner_client, finance_client):
    user = UserFactory(role=Role.ADVERTISER)
    for client in (advertiser_client, partner_client, finance_client):
        assert_error(client.post(URL, {"user_id": user.pk, "company": "X"}, format="json"), 403)
