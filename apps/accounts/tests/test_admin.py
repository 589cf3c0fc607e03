"""Django admin pages for accounts, and the createsuperuser bootstrap."""

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey, PlatformSetting, Role, User
from apps.accounts.services import api_key_create
from apps.accounts.tests.factories import UserFactory

USERS = "/admin/accounts/user/"
KEYS = "/admin/accounts/apikey/"
SETTINGS = "/admin/accounts/platformsetting/"


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", [USERS, KEYS, SETTINGS, "/admin/"])
def test_changelists_load(admin_web, url):
    UserFactory(email="listed@example.com")
    response = admin_web.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_user_search_and_filters(admin_web):
    UserFactory(email="findme@example.com", name="Findable Person")
    UserFactory(email="hidden@example.com", name="Someone Else")

    response = admin_web.get(USERS, {"q": "findme"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "findme@example.com" in html
    assert "hidden@example.com" not in html

    by_name = admin_web.get(USERS, {"q": "Findable"}).content.decode()
    assert "findme@example.com" in by_name and "hidden@example.com" not in by_name

    filtered = admin_web.get(USERS, {"role__exact": Role.PUBLISHER.value})
    assert filtered.status_code == 200
    assert "findme@example.com" not in filtered.content.decode()


@pytest.mark.django_db
def test_user_change_and_add_pages_load(admin_web, advertiser_user):
    change = admin_web.get(f"{USERS}{advertiser_user.pk}/change/")
    assert change.status_code == 200
    assert advertiser_user.email in change.content.decode()
    # The admin shows the hash-form widget, never the hash itself.
    assert advertiser_user.password not in change.content.decode()
    assert admin_web.get(f"{USERS}add/").status_code == 200


@pytest.mark.django_db
def test_api_key_search_and_no_hash_shown(admin_web):
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.com")
    alice_key, _ = api_key_create(user=alice, name="alice-key")
    bob_key, _ = api_key_create(user=bob, name="bob-key")

    response = admin_web.get(KEYS, {"q": "alice@example"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "alice-key" in html
    assert "bob-key" not in html
    assert alice_key.key_hash not in html

    change = admin_web.get(f"{KEYS}{alice_key.pk}/change/")
    assert change.status_code == 200
    assert alice_key.key_hash not in change.content.decode()
    assert bob_key.prefix in admin_web.get(KEYS, {"q": bob_key.prefix}).content.decode()


@pytest.mark.django_db
def test_api_key_revoke_action(admin_web, advertiser_user):
    api_key, _ = api_key_create(user=advertiser_user)
    response = admin_web.post(
        KEYS, {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


@pytest.mark.django_db
def test_platform_settings_search_and_secret_masked(admin_web, admin_user):
    PlatformSetting.objects.create(key="smtp_password", value="super-secret-smtp")
    PlatformSetting.objects.create(key="site_name", value="Visible Network")

    response = admin_web.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Visible Network" in html
    assert "super-secret-smtp" not in html
    assert "********" in html

    searched = admin_web.get(SETTINGS, {"q": "site"}).content.decode()
    assert "site_name" in searched
    assert "smtp_password" not in searched


@pytest.mark.django_db
def test_user_soft_delete_action(admin_web, admin_user, advertiser_user):
    api_key_create(user=advertiser_user)
    response = admin_web.post(
        USERS,
        {"action": "soft_delete", "_selected_action": [advertiser_user.pk, admin_user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    advertiser_user.refresh_from_db()
    admin_user.refresh_from_db()
    assert advertiser_user.deleted_at is not None
    assert not ApiKey.objects.filter(user=advertiser_user, revoked_at__isnull=True).exists()
    assert admin_user.deleted_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.FINANCE])
def test_non_admins_cannot_use_admin(role):
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(USERS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_createsuperuser_noinput(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Bootstrap-Pass-9")
    call_command("createsuperuser", interactive=False, verbosity=0)

    user = User.objects.get(email="root@example.com")
    assert user.role == Role.ADMIN
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password("Bootstrap-Pass-9")

    # The new admin can log in to the API and reach admin-only endpoints.
    login = APIClient().post(
        "/api/v1/auth/login",
        {"email": "root@example.com", "password": "Bootstrap-Pass-9"},
        format="json",
    )
    assert login.status_code == 201, login.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['api_key']}")
    assert client.get("/api/v1/users").status_code == 200

    web = Client()
    assert web.login(username="root@example.com", password="Bootstrap-Pass-9")
    assert web.get(USERS).status_code == 200
