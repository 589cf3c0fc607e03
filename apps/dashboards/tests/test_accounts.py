"""Account pages through the Django test client: log in/out, sign up, password reset,
profile, API keys, webhooks, and the base layout they share."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import ApiKey, Role, User
from apps.accounts.services import api_key_create
from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from apps.campaigns.models import Advertiser
from apps.inventory.models import Publisher
from apps.webhooks.models import Webhook, WebhookDelivery
from apps.webhooks.services import webhook_create

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


# --- Base layout ---------------------------------------------------------------------------


def test_layout_has_skip_link_site_name_role_nav_and_user_menu(advertiser_user):
    from apps.accounts.platform_settings import settings_update

    settings_update(values={"site_name": "Acme Ads"}, actor=None)
    page = html(logged_in(advertiser_user).get(reverse("accounts:profile")))
    assert 'href="#main"' in page and "Skip to main content" in page
    assert "Acme Ads" in page
    for label, url_name in [("Campaigns", "advertiser:home"), ("Reports", "advertiser:reports")]:
        assert f'href="{reverse(url_name)}"' in page and label in page
    assert f'href="{reverse("accounts:api_keys")}"' in page
    assert f'action="{reverse("accounts:logout")}"' in page
    # The current page is marked for assistive technology.
    assert re.search(r'href="/accounts/profile/" aria-current="page"', page)


def test_account_pages_render_without_template_leftovers(advertiser_user):
    webhook = webhook_create(
        owner=advertiser_user, url="https://hooks.example.com/x", events=["ad.created"]
    )
    client = logged_in(advertiser_user)
    for url in [
        reverse("accounts:profile"),
        reverse("accounts:api_keys"),
        reverse("accounts:webhooks"),
        reverse("accounts:webhook_detail", args=[webhook.uuid]),
    ]:
        page = html(client.get(url))
        assert "{#" not in page and "{%" not in page, url
    for url in [
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:password_reset"),
        reverse("accounts:password_reset_done"),
        reverse("accounts:password_reset_complete"),
    ]:
        page = html(Client().get(url))
        assert "{#" not in page and "{%" not in page, url


def test_anonymous_layout_offers_log_in_and_sign_up():
    page = html(Client().get(reverse("home")))
    assert f'href="{reverse("accounts:login")}"' in page
    assert f'href="{reverse("accounts:signup")}?role=advertiser"' in page
    assert f'href="{reverse("accounts:signup")}?role=publisher"' in page


def test_home_links_to_dashboard_when_signed_in(advertiser_user):
    page = html(logged_in(advertiser_user).get(reverse("home")))
    assert f'href="{reverse("dashboard")}"' in page


# --- Log in and out ------------------------------------------------------------------------


def test_login_page_and_successful_login_redirects_to_dashboard(advertiser_user):
    client = Client()
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(
        reverse("accounts:login"),
        {"email": advertiser_user.email.upper(), "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard"))["Location"] == reverse("advertiser:home")


def test_login_follows_a_safe_next_only(advertiser_user):
    data = {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    response = Client().post(reverse("accounts:login") + "?next=/accounts/api-keys/", data)
    assert response["Location"] == "/accounts/api-keys/"
    response = Client().post(reverse("accounts:login") + "?next=https://evil.example/", data)
    assert response["Location"] == reverse("dashboard")


def test_login_with_wrong_password_shows_an_error(advertiser_user):
    response = Client().post(
        reverse("accounts:login"), {"email": advertiser_user.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "Invalid email or password." in html(response)


def test_login_refuses_soft_deleted_users():
    from django.utils import timezone

    user = UserFactory(deleted_at=timezone.now())
    response = Client().post(
        reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert "Invalid email or password." in html(response)


def test_login_form_is_rate_limited_like_the_api(advertiser_user, settings):
    settings.RATELIMIT_LOGIN = "5/15m"
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("accounts:login"), {"email": advertiser_user.email, "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("accounts:login"),
        {"email": advertiser_user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 429
    assert "Too many attempts" in html(response)
    assert "_auth_user_id" not in client.session


def test_login_form_shares_the_counter_with_the_api(advertiser_user, api_client, settings):
    settings.RATELIMIT_LOGIN = "3/15m"
    for _ in range(3):
        api_client.post(
            "/api/v1/auth/login", {"email": advertiser_user.email, "password": "x"}, format="json"
        )
    response = Client().post(
        reverse("accounts:login"),
        {"email": advertiser_user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429


def test_successful_logins_do_not_use_up_the_budget(settings):
    """Five people of one office log in from one address; the sixth still gets in."""
    settings.RATELIMIT_LOGIN = "5/15m"
    users = [UserFactory(role=Role.ADVERTISER) for _ in range(6)]
    for user in users:
        client = Client(REMOTE_ADDR="203.0.113.7")
        response = client.post(
            reverse("accounts:login"), {"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_are_counted_per_address(settings):
    settings.RATELIMIT_LOGIN = "3/15m"
    users = [UserFactory(role=Role.ADVERTISER) for _ in range(4)]
    office = Client(REMOTE_ADDR="203.0.113.8")
    for user in users[:3]:  # three different emails, one address
        response = office.post(reverse("accounts:login"), {"email": user.email, "password": "x"})
        assert response.status_code == 200
    response = office.post(
        reverse("accounts:login"), {"email": users[3].email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    # Another address is not held back by this one's failures.
    response = Client(REMOTE_ADDR="198.51.100.2").post(
        reverse("accounts:login"), {"email": users[3].email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_failed_logins_are_counted_per_email(advertiser_user, settings):
    settings.RATELIMIT_LOGIN = "3/15m"
    for n in range(3):  # one email guessed from three addresses
        Client(REMOTE_ADDR=f"198.51.100.{n + 10}").post(
            reverse("accounts:login"), {"email": advertiser_user.email, "password": "x"}
        )
    response = Client(REMOTE_ADDR="198.51.100.99").post(
        reverse("accounts:login"),
        {"email": advertiser_user.email.upper(), "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 429


def test_api_login_keeps_its_limit_on_every_attempt(advertiser_user, api_client, settings):
    settings.RATELIMIT_LOGIN = "2/15m"
    body = {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    for _ in range(2):
        assert api_client.post("/api/v1/auth/login", body, format="json").status_code == 201
    assert api_client.post("/api/v1/auth/login", body, format="json").status_code == 429


def test_django_admin_keeps_its_own_login(admin_user):
    response = Client().get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    client = Client()
    client.post(
        reverse("accounts:login"), {"email": admin_user.email, "password": DEFAULT_PASSWORD}
    )
    assert client.get("/admin/").status_code == 200


def test_logout_needs_post(advertiser_user):
    client = logged_in(advertiser_user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_signed_in_user_visiting_login_goes_to_dashboard(advertiser_user):
    response = logged_in(advertiser_user).get(reverse("accounts:login"))
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    "url_name",
    ["accounts:profile", "accounts:api_keys", "accounts:webhooks", "dashboard"],
)
def test_pages_need_login(url_name):
    response = Client().get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_csrf_is_enforced_on_login_and_forms(advertiser_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"email": advertiser_user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 403
    client.force_login(advertiser_user)
    assert client.post(reverse("accounts:api_keys"), {"name": "x"}).status_code == 403
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert not ApiKey.objects.filter(user=advertiser_user).exists()


def test_forms_carry_the_csrf_token(advertiser_user):
    client = Client(enforce_csrf_checks=True)
    page = html(client.get(reverse("accounts:login")))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("accounts:login"),
        {
            "email": advertiser_user.email,
            "password": DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


# --- Sign up -------------------------------------------------------------------------------


def signup_data(**overrides) -> dict:
    data = {
        "role": "advertiser",
        "name": "Ann",
        "email": "ann@example.com",
        "password": DEFAULT_PASSWORD,
        "password_confirm": DEFAULT_PASSWORD,
        "timezone": "Europe/Berlin",
    }
    data.update(overrides)
    return data


def test_signup_as_advertiser_creates_the_profile_and_logs_in():
    client = Client()
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response["Location"] == reverse("dashboard")
    user = User.objects.get(email="ann@example.com")
    assert user.role == Role.ADVERTISER and user.timezone == "Europe/Berlin"
    assert Advertiser.objects.filter(user=user).exists()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_as_publisher_creates_the_publisher():
    client = Client()
    client.post(reverse("accounts:signup"), signup_data(role="publisher", email="pub@example.com"))
    user = User.objects.get(email="pub@example.com")
    assert user.role == Role.PUBLISHER
    assert Publisher.objects.filter(user=user).exists()


def test_signup_cannot_choose_a_staff_role():
    response = Client().post(reverse("accounts:signup"), signup_data(role="admin"))
    assert response.status_code == 200
    assert not User.objects.filter(email="ann@example.com").exists()


def test_signup_errors_come_back_on_their_fields(advertiser_user):
    response = Client().post(reverse("accounts:signup"), signup_data(email=advertiser_user.email))
    assert "A user with this email already exists." in html(response)
    response = Client().post(
        reverse("accounts:signup"), signup_data(password="12345678", password_confirm="12345678")
    )
    assert "too common" in html(response) or "entirely numeric" in html(response)
    response = Client().post(reverse("accounts:signup"), signup_data(password_confirm="other"))
    assert "The two passwords differ." in html(response)
    assert User.objects.count() == 1


def test_signup_is_rate_limited(settings):
    settings.RATELIMIT_SIGNUP = "2/h"  # an hour window: the posts never straddle two windows
    client = Client()
    for n in range(2):
        client.post(reverse("accounts:signup"), signup_data(email=f"u{n}@example.com"))
        client.logout()
    response = client.post(reverse("accounts:signup"), signup_data(email="u9@example.com"))
    assert response.status_code == 429
    assert not User.objects.filter(email="u9@example.com").exists()


# --- Password reset ------------------------------------------------------------------------


def test_password_reset_by_email_sets_the_password_through_the_service(advertiser_user, mailoutbox):
    api_key_create(user=advertiser_user, name="script")
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": advertiser_user.email})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Ad Platform" in mailoutbox[0].subject
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session one
    page = client.get(form_url)
    assert "Choose a new password" in html(page)
    response = client.post(
        form_url, {"new_password1": "Brand-New-Pass-9", "new_password2": "Brand-New-Pass-9"}
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    advertiser_user.refresh_from_db()
    assert advertiser_user.check_password("Brand-New-Pass-9")
    assert not ApiKey.objects.filter(user=advertiser_user, revoked_at__isnull=True).exists()


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(mailoutbox):
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_password_reset_bad_link_says_so():
    page = html(Client().get("/accounts/password-reset/MQ/bad-token/"))
    assert "This link does not work" in page


# --- Profile -------------------------------------------------------------------------------


def test_profile_update_round_trip(advertiser_user):
    client = logged_in(advertiser_user)
    response = client.post(
        reverse("accounts:profile"),
        {"name": "New Name", "email": "new@example.com", "timezone": "Asia/Tokyo"},
    )
    assert response["Location"] == reverse("accounts:profile")
    advertiser_user.refresh_from_db()
    assert (advertiser_user.name, advertiser_user.email, advertiser_user.timezone) == (
        "New Name",
        "new@example.com",
        "Asia/Tokyo",
    )
    page = html(client.get(reverse("accounts:profile")))
    assert "Profile saved." in page
    assert '<option value="Asia/Tokyo" selected>' in page


def test_profile_errors(advertiser_user):
    other = UserFactory()
    client = logged_in(advertiser_user)
    response = client.post(
        reverse("accounts:profile"),
        {"name": "x", "email": other.email, "timezone": "Mars/Base"},
    )
    assert response.status_code == 422
    page = html(response)
    assert "Select a valid choice" in page
    response = client.post(
        reverse("accounts:profile"), {"name": "x", "email": other.email, "timezone": "UTC"}
    )
    assert "A user with this email already exists." in html(response)
    advertiser_user.refresh_from_db()
    assert advertiser_user.name != "x"


def test_password_change_keeps_the_session_and_revokes_api_keys(advertiser_user):
    api_key_create(user=advertiser_user, name="script")
    client = logged_in(advertiser_user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "Fresh-Password-77",
            "new_password_confirm": "Fresh-Password-77",
        },
    )
    assert response["Location"] == reverse("accounts:profile")
    advertiser_user.refresh_from_db()
    assert advertiser_user.check_password("Fresh-Password-77")
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in
    assert not ApiKey.objects.filter(user=advertiser_user, revoked_at__isnull=True).exists()


def test_password_change_errors(advertiser_user):
    client = logged_in(advertiser_user)
    response = client.post(
        reverse("accounts:password_change"),
        {"current_password": "wrong", "new_password": "a", "new_password_confirm": "b"},
    )
    assert response.status_code == 422
    page = html(response)
    assert "Your current password is not correct." in page
    assert "The two passwords differ." in page
    response = client.post(
        reverse("accounts:password_change"),
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "short",
            "new_password_confirm": "short",
        },
    )
    assert "too short" in html(response)
    advertiser_user.refresh_from_db()
    assert advertiser_user.check_password(DEFAULT_PASSWORD)


# --- API keys ------------------------------------------------------------------------------


def test_api_key_created_is_shown_once(advertiser_user):
    client = logged_in(advertiser_user)
    response = client.post(reverse("accounts:api_keys"), {"name": "Reporting"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = re.search(r"ak_live_[0-9a-f]{48}", html(response)).group(0)
    key = ApiKey.objects.get(user=advertiser_user, name="Reporting")
    assert raw.startswith(key.prefix)
    listing = html(client.get(reverse("accounts:api_keys")))
    assert raw not in listing
    assert f"{key.prefix}…" in listing
    # The key works against the API.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/auth/me").status_code == 200


def test_api_key_revoke_and_another_users_key_is_404(advertiser_user):
    mine, _ = api_key_create(user=advertiser_user, name="mine")
    theirs, _ = api_key_create(user=UserFactory(), name="theirs")
    client = logged_in(advertiser_user)
    assert client.post(reverse("accounts:api_key_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(reverse("accounts:api_key_revoke", args=[mine.pk]))
    assert response["Location"] == reverse("accounts:api_keys")
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert client.get(reverse("accounts:api_key_revoke", args=[mine.pk])).status_code == 405


def test_api_keys_list_query_count(advertiser_user, django_assert_max_num_queries):
    for n in range(8):
        api_key_create(user=advertiser_user, name=f"key {n}")
    client = logged_in(advertiser_user)
    client.get(reverse("accounts:api_keys"))  # warm the settings cache
    with django_assert_max_num_queries(4):
        response = client.get(reverse("accounts:api_keys"))
    assert html(response).count("Revoke</button>") == 8


# --- Webhooks ------------------------------------------------------------------------------


def webhook_data(**overrides) -> dict:
    data = {
        "name": "Orders",
        "url": "https://hooks.example.com/ads",
        "events": ["campaign.created", "ad.created"],
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_webhook_create_shows_the_secret_once(advertiser_user):
    client = logged_in(advertiser_user)
    response = client.post(reverse("accounts:webhooks"), webhook_data())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    webhook = Webhook.objects.get(owner=advertiser_user)
    assert webhook.events == ["campaign.created", "ad.created"]
    assert webhook.secret in html(response)
    detail = html(client.get(reverse("accounts:webhook_detail", args=[webhook.uuid])))
    assert webhook.secret not in detail


def test_webhook_form_errors(advertiser_user, settings):
    client = logged_in(advertiser_user)
    response = client.post(reverse("accounts:webhooks"), webhook_data(url="not a url", events=[]))
    assert response.status_code == 422
    page = html(response)
    assert "Enter a valid URL" in page
    assert "This field is required." in page
    # Unsafe addresses are refused by the service and shown on the URL field.
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = client.post(reverse("accounts:webhooks"), webhook_data(url="https://127.0.0.1/x"))
    assert response.status_code == 422
    assert 'id="id_url_error"' in html(response)
    # Admin-only events are not offered to advertisers.
    response = client.post(reverse("accounts:webhooks"), webhook_data(events=["fraud.alert"]))
    assert "Select a valid choice" in html(response)
    assert not Webhook.objects.exists()


def test_webhook_edit_rotate_delete_round_trip(advertiser_user):
    webhook = webhook_create(
        owner=advertiser_user, url="http://127.0.0.1:9/hook", events=["campaign.created"]
    )
    client = logged_in(advertiser_user)
    url = reverse("accounts:webhook_detail", args=[webhook.uuid])
    response = client.post(url, webhook_data(name="Renamed", events=["ad.status_changed"]))
    assert response["Location"] == url
    webhook.refresh_from_db()
    assert (webhook.name, webhook.events, webhook.url) == (
        "Renamed",
        ["ad.status_changed"],
        "https://hooks.example.com/ads",
    )

    response = client.post(reverse("accounts:webhook_rotate_secret", args=[webhook.uuid]))
    old_secret = webhook.secret
    webhook.refresh_from_db()
    assert webhook.secret != old_secret and webhook.secret in html(response)

    response = client.post(reverse("accounts:webhook_delete", args=[webhook.uuid]))
    assert response["Location"] == reverse("accounts:webhooks")
    assert not Webhook.objects.filter(pk=webhook.pk).exists()


@pytest.fixture
def receiver():
    from apps.webhooks.tests.conftest import Receiver

    server = Receiver().start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_webhook_send_test_shows_the_result_and_logs_it(receiver):
    from apps.webhooks.tests.conftest import Reply

    user = UserFactory(role=Role.ADVERTISER)
    webhook = webhook_create(owner=user, url=receiver.url, events=["campaign.created"])
    client = logged_in(user)
    url = reverse("accounts:webhook_test", args=[webhook.uuid])
    page = html(client.post(url, follow=True))
    assert "Test event delivered (HTTP 200)." in page
    [request] = receiver.wait_for(1)
    assert request.header("X-AdServerX-Event") == "webhook.test"
    assert request.header("X-AdServerX-Signature").startswith("sha256=")
    receiver.default = Reply(status=500, body=b"boom")
    page = html(client.post(url, follow=True))
    assert "Test event failed: HTTP 500." in page
    assert page.count("<code>webhook.test</code>") == 2


def test_another_users_webhook_is_404(advertiser_user):
    theirs = webhook_create(
        owner=UserFactory(), url="https://hooks.example.com/x", events=["ad.created"]
    )
    client = logged_in(advertiser_user)
    for name in ("webhook_detail", "webhook_test", "webhook_delete", "webhook_rotate_secret"):
        url = reverse(f"accounts:{name}", args=[theirs.uuid])
        response = client.get(url) if name == "webhook_detail" else client.post(url)
        assert response.status_code == 404, name
    url = reverse("accounts:delivery_resend", args=[theirs.uuid, uuid.uuid4()])
    assert client.post(url).status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk).exists()


def test_webhook_pages_query_counts(advertiser_user, django_assert_max_num_queries):
    from apps.webhooks.models import WebhookAttempt

    hooks = [
        webhook_create(
            owner=advertiser_user, url=f"https://h{n}.example.com/", events=["ad.created"]
        )
        for n in range(6)
    ]
    for _ in range(10):
        delivery = WebhookDelivery.objects.create(
            webhook=hooks[0], event_type="ad.created", payload="{}", status="failed", attempts=2
        )
        for number in (1, 2):
            WebhookAttempt.objects.create(delivery=delivery, number=number, outcome="failed")
    client = logged_in(advertiser_user)
    client.get(reverse("accounts:webhooks"))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("accounts:webhooks"))
    assert html(response).count("/accounts/webhooks/") >= 6
    with django_assert_max_num_queries(7):
        response = client.get(reverse("accounts:webhook_detail", args=[hooks[0].uuid]))
    assert html(response).count("2 attempts") == 10


def test_delivery_resend(advertiser_user):
    webhook = webhook_create(
        owner=advertiser_user, url="https://hooks.example.com/x", events=["ad.created"]
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event_type="ad.created", payload='{"id":"1"}', status="failed"
    )
    client = logged_in(advertiser_user)
    client.post(reverse("accounts:delivery_resend", args=[webhook.uuid, delivery.uuid]))
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).count() == 1


@pytest.mark.django_db
def test_unknown_pages_get_the_dashboard_404_page(client):
    response = client.get("/advertiser/campaigns/999999/")
    assert response.status_code in (302, 404)  # anonymous: to the login page first
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Go to the home page" in response.content
