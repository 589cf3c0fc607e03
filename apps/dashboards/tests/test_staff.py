"""The admin (staff) dashboard through the Django test client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiKey, PlatformSetting, Role, User
from apps.accounts.platform_settings import MASK, setting_get, settings_update
from apps.accounts.services import api_key_create
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import ReviewStatus
from apps.campaigns.tests.factories import AdFactory, live_ad, live_campaign
from apps.common.models import DomainEvent
from apps.delivery import counters
from apps.delivery.index import index_reset
from apps.inventory.models import Publisher, PublisherStatus
from apps.inventory.tests.factories import PublisherFactory, WebsiteFactory, ZoneFactory
from apps.reporting.tests.conftest import CHROME_UA, drain, path_of, put, track

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_index():
    index_reset()
    counters._pending_requests.clear()
    yield
    index_reset()


@pytest.fixture
def admin(admin_user) -> User:
    return admin_user


@pytest.fixture
def client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def events(event_type: str) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(event_type=event_type))


PAGES = [
    "staff:home",
    "staff:approvals",
    "staff:users",
    "staff:user_create",
    "staff:settings",
    "staff:admin_links",
]


# --- Access -------------------------------------------------------------------------------


def test_every_page_renders_for_an_admin(client):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert reverse("staff:approvals") in response.content.decode()  # the side navigation


def test_anonymous_users_go_to_the_login_page():
    for name in PAGES:
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("role", [Role.ADVERTISER, Role.PUBLISHER, Role.FINANCE, Role.PARTNER])
def test_other_roles_get_403_everywhere(role):
    user = UserFactory(role=role)
    client = Client()
    client.force_login(user)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    pending = PublisherFactory(status=PublisherStatus.PENDING)
    url = reverse("staff:publisher_decide", args=[pending.pk, "approve"])
    assert client.post(url).status_code == 403
    pending.refresh_from_db()
    assert pending.status == PublisherStatus.PENDING
    other = UserFactory()
    assert client.post(reverse("staff:user_deactivate", args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert other.is_active


def test_actions_need_a_csrf_token(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    pending = PublisherFactory(status=PublisherStatus.PENDING)
    ad = AdFactory(review_status=ReviewStatus.PENDING)
    victim = UserFactory()
    posts = [
        (reverse("staff:publisher_decide", args=[pending.pk, "approve"]), {}),
        (reverse("staff:ad_decide", args=[ad.pk, "approve"]), {}),
        (reverse("staff:user_deactivate", args=[victim.pk]), {}),
        (reverse("staff:settings"), {"site_name": "Hacked"}),
        (
            reverse("staff:user_create"),
            {"email": "x@example.com", "password": "Str0ng-pass!-xyz", "role": "admin"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data, **HTMX).status_code == 403, url
    pending.refresh_from_db()
    ad.refresh_from_db()
    victim.refresh_from_db()
    assert pending.status == PublisherStatus.PENDING
    assert ad.review_status == ReviewStatus.PENDING
    assert victim.is_active
    assert setting_get("site_name") != "Hacked"
    assert not User.objects.filter(email="x@example.com").exists()

    # The token the page carries (a form field, and the htmx header in the layout) works.
    page = client.get(reverse("staff:approvals"))
    token = page.cookies["csrftoken"].value
    assert '"X-CSRFToken": "' in page.content.decode()
    url = reverse("staff:publisher_decide", args=[pending.pk, "approve"])
    assert client.post(url, HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200
    pending.refresh_from_db()
    assert pending.status == PublisherStatus.APPROVED


# --- Network overview ---------------------------------------------------------------------


def test_home_shows_todays_network_figures_and_charts_over_the_chosen_range(client):
    zone = ZoneFactory(width=300, height=250, floor_price=Decimal("0.10"))
    empty = ZoneFactory(type="text", width=None, height=None)  # nothing fits it
    live_ad(campaign=live_campaign(bid_amount=Decimal("2.50")))
    browser = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    track(browser, zone, impressions=3, clicks=1)
    assert browser.get(f"/api/v1/serve/{empty.uuid}").json()["data"] is None  # unfilled
    # One more impression, counted once and refused the second time: invalid traffic.
    data = browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"]
    path = path_of(data["ad"]["impression_url"])
    assert browser.get(path).status_code == 200
    browser.get(path)
    drain()
    ad = live_ad(campaign=live_campaign())
    put(ad, zone, timezone.now() - timedelta(days=5), 1000)  # earlier in the fortnight

    response = client.get(reverse("staff:home"))
    assert response.status_code == 200
    today = response.context["today"]
    assert (today["impressions"], today["clicks"]) == (4, 1)
    assert today["requests"] == 5 and today["fills"] == 4
    assert today["fill_rate"] == Decimal("80.00")
    assert today["spend"] == "0.01" and today["revenue"] == "0.01"
    assert today["invalid_events"] == 1
    trend = response.context["trend_totals"]
    assert trend["impressions"] == 1004
    for name in ("traffic_chart", "money_chart", "quality_chart"):
        chart = response.context[name]
        assert len(chart["labels"]) == 30, name  # the default range: the last 30 days
    assert response.context["money_chart"]["datasets"][0]["data"][-6] == "1.00"
    week = client.get(reverse("staff:home"), {"period": "last_7_days"})
    assert len(week.context["traffic_chart"]["labels"]) == 7
    assert week.context["money_chart"]["datasets"][0]["data"][-6] == "1.00"
    assert 'value="last_7_days" selected' in week.content.decode()
    content = response.content.decode()
    assert "80.00 %" in content
    for chart_id in ("traffic-chart", "money-chart", "quality-chart"):
        assert f'id="{chart_id}"' in content and f'data-source="{chart_id}"' in content


def test_home_counts_whats_waiting_for_review(client):
    PublisherFactory.create_batch(2, status=PublisherStatus.PENDING)
    AdFactory(review_status=ReviewStatus.PENDING)
    response = client.get(reverse("staff:home"))
    assert (response.context["pending_publishers"], response.context["pending_ads"]) == (2, 1)
    assert "2 publishers" in response.content.decode()


# --- Approvals ----------------------------------------------------------------------------


@pytest.fixture
def queue():
    publishers = [
        PublisherFactory(status=PublisherStatus.PENDING, name=f"Pending pub {n}") for n in range(4)
    ]
    for publisher in publishers:
        WebsiteFactory(publisher=publisher)
    ads = [
        AdFactory(review_status=ReviewStatus.PENDING, name=f"Pending ad {n}", type=kind)
        for n, kind in enumerate(["banner", "banner", "banner", "banner"])
    ]
    PublisherFactory(status=PublisherStatus.APPROVED, name="Already approved")
    AdFactory(review_status=ReviewStatus.APPROVED, name="Already live")
    return publishers, ads


def test_approvals_list_the_queue_with_pinned_queries(client, queue, django_assert_max_num_queries):
    # Session, user, settings, pending publishers (with site counts), pending ads.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("staff:approvals"))
    content = response.content.decode()
    for n in range(4):
        assert f"Pending pub {n}" in content and f"Pending ad {n}" in content
    assert "Already approved" not in content and "Already live" not in content
    assert (response.context["publisher_total"], response.context["ad_total"]) == (4, 4)
    assert content.count('name="csrfmiddlewaretoken"') >= 16  # approve + reject per row
    assert 'hx-target="closest tr"' in content


def test_approving_a_publisher_inline(client, admin, queue):
    publisher = queue[0][0]
    url = reverse("staff:publisher_decide", args=[publisher.pk, "approve"])
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<tr id="publisher-{publisher.pk}"')
    assert "<html" not in content
    assert 'data-status="approved"' in content and "approved." in content
    publisher.refresh_from_db()
    assert publisher.status == PublisherStatus.APPROVED
    assert publisher.reviewed_by == admin
    [event] = events("publisher.approved")
    assert event.data["publisher_id"] == publisher.pk and event.owner == publisher.user

    # Approving again changes nothing and emits nothing.
    client.post(url, **HTMX)
    assert len(events("publisher.approved")) == 1


def test_rejecting_a_publisher_with_a_reason_without_javascript(client, queue):
    publisher = queue[0][1]
    url = reverse("staff:publisher_decide", args=[publisher.pk, "reject"])
    response = client.post(url, {"reason": "Scraped content"}, follow=True)
    assert response.redirect_chain == [(reverse("staff:approvals"), 302)]
    assert f"Publisher “{publisher.name}” rejected." in response.content.decode()
    publisher.refresh_from_db()
    assert (publisher.status, publisher.rejection_reason) == ("rejected", "Scraped content")
    [event] = events("publisher.rejected")
    assert event.data["reason"] == "Scraped content"
    assert publisher.name not in response.content.decode().split("<h2")[1]  # left the queue


def test_approving_and_rejecting_ads(client, admin, queue):
    first, second = queue[1][:2]
    response = client.post(reverse("staff:ad_decide", args=[first.pk, "approve"]), **HTMX)
    assert response.status_code == 200
    assert f'<tr id="ad-{first.pk}" data-status="approved">' in response.content.decode()
    first.refresh_from_db()
    assert (first.review_status, first.reviewed_by) == ("approved", admin)

    client.post(reverse("staff:ad_decide", args=[second.pk, "reject"]), {"reason": "Misleading"})
    second.refresh_from_db()
    assert (second.review_status, second.review_note) == ("rejected", "Misleading")

    changes = [e.data for e in events("ad.status_changed")]
    assert sorted((c["ad_id"], c["new_review_status"]) for c in changes) == sorted(
        [(first.pk, "approved"), (second.pk, "rejected")]
    )


def test_an_approved_ad_and_publisher_start_serving(client, django_capture_on_commit_callbacks):
    publisher = PublisherFactory(status=PublisherStatus.PENDING)
    zone = ZoneFactory(website=WebsiteFactory(publisher=publisher), width=300, height=250)
    ad = live_ad(campaign=live_campaign(), review_status=ReviewStatus.PENDING)
    browser = Client(HTTP_USER_AGENT=CHROME_UA, REMOTE_ADDR="8.8.8.8")
    assert browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"] is None

    # The services bump the inventory version on commit; serving rebuilds its index then.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:publisher_decide", args=[publisher.pk, "approve"]), **HTMX)
    assert browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"] is None  # ad still pending
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff:ad_decide", args=[ad.pk, "approve"]), **HTMX)
    served = browser.get(f"/api/v1/serve/{zone.uuid}").json()["data"]
    assert served["ad"]["uuid"] == str(ad.uuid)


def test_decisions_refuse_unknown_things(client, queue):
    publisher, ad = queue[0][0], queue[1][0]
    assert (
        client.post(reverse("staff:publisher_decide", args=[publisher.pk, "ban"])).status_code
        == 404
    )
    assert client.post(reverse("staff:ad_decide", args=[ad.pk, "promote"])).status_code == 404
    assert (
        client.post(reverse("staff:publisher_decide", args=[99999, "approve"])).status_code == 404
    )
    assert client.post(reverse("staff:ad_decide", args=[99999, "approve"])).status_code == 404
    assert (
        client.get(reverse("staff:publisher_decide", args=[publisher.pk, "approve"])).status_code
        == 405
    )
    publisher.refresh_from_db()
    assert publisher.status == PublisherStatus.PENDING


def test_a_too_long_reason_is_refused_not_dropped(client, queue):
    publisher = queue[0][0]
    url = reverse("staff:publisher_decide", args=[publisher.pk, "reject"])
    response = client.post(url, {"reason": "x" * 501}, **HTMX)
    assert "at most 500 characters" in response.content.decode()
    publisher.refresh_from_db()
    assert publisher.status == PublisherStatus.PENDING
    assert events("publisher.rejected") == []


def test_a_failing_service_shows_its_error_in_the_row(client, queue, monkeypatch):
    from apps.campaigns.services import ads as ad_services
    from apps.common.errors import BusinessRuleError

    def refuse(**_):
        raise BusinessRuleError("The campaign was deleted meanwhile.")

    monkeypatch.setattr(ad_services, "ad_approve", refuse)
    ad = queue[1][0]
    response = client.post(reverse("staff:ad_decide", args=[ad.pk, "approve"]), **HTMX)
    assert response.status_code == 200
    assert "The campaign was deleted meanwhile." in response.content.decode()
    followed = client.post(reverse("staff:ad_decide", args=[ad.pk, "approve"]), follow=True)
    assert "The campaign was deleted meanwhile." in followed.content.decode()


# --- Users --------------------------------------------------------------------------------


def test_user_list_search_role_filter_and_pagination(client, django_assert_max_num_queries):
    for n in range(30):
        UserFactory(email=f"adv{n:02d}@shop.example", role=Role.ADVERTISER)
    UserFactory(email="writer@news.example", name="Lois Lane", role=Role.PUBLISHER)
    gone = UserFactory(email="gone@shop.example")
    gone.deleted_at = timezone.now()
    gone.save()

    # Session, user, settings, count, page.
    with django_assert_max_num_queries(5):
        first = client.get(reverse("staff:users"))
    page = first.context["page"]
    assert page.paginator.count == 32  # 30 + the writer + the admin; never the deleted one
    assert len(page.object_list) == 25
    assert "gone@shop.example" not in first.content.decode()
    second = client.get(reverse("staff:users"), {"page": 2})
    assert len(second.context["page"].object_list) == 7

    by_name = client.get(reverse("staff:users"), {"q": "lois"})
    assert [u.email for u in by_name.context["page"].object_list] == ["writer@news.example"]
    by_role = client.get(reverse("staff:users"), {"role": "publisher"})
    assert [u.email for u in by_role.context["page"].object_list] == ["writer@news.example"]
    combined = client.get(reverse("staff:users"), {"q": "shop", "role": "advertiser", "page": 2})
    assert len(combined.context["page"].object_list) == 5
    assert "q=shop&amp;role=advertiser&amp;status=&amp;page=1" not in combined.content.decode()
    assert "page=1" in combined.content.decode()


def test_creating_a_user(client):
    response = client.post(
        reverse("staff:user_create"),
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "role": "publisher",
            "password": "Str0ng-pass!-xyz",
            "timezone": "Europe/Paris",
        },
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(email="new.person@example.com")
    assert (user.role, user.timezone, user.name) == (Role.PUBLISHER, "Europe/Paris", "New Person")
    assert user.check_password("Str0ng-pass!-xyz")
    # The signup hook made the publisher profile, which now waits for approval.
    assert Publisher.objects.get(user=user).status == PublisherStatus.PENDING
    assert "awaits approval" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "admin@example.com"}, "email", "already exists"),
        ({"password": "password"}, "password", "too common"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"role": "superhero"}, "role", "Select a valid choice"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
    ],
)
def test_creating_a_user_shows_errors(client, data, field, message):
    payload = {
        "email": "fresh@example.com",
        "role": "advertiser",
        "password": "Str0ng-pass!-xyz",
        "timezone": "UTC",
        **data,
    }
    response = client.post(reverse("staff:user_create"), payload)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.filter(email="fresh@example.com").exists()


def test_deactivating_and_reactivating_a_user(client):
    user = UserFactory(email="leaving@example.com")
    api_key, _ = api_key_create(user=user)
    response = client.post(
        reverse("staff:user_deactivate", args=[user.pk]),
        {"next": "/staff/users/?q=leaving"},
    )
    assert response.status_code == 302 and response["Location"] == "/staff/users/?q=leaving"
    user.refresh_from_db()
    assert not user.is_active
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None

    page = client.get(reverse("staff:users"), {"q": "leaving"}).content.decode()
    assert "Deactivated" in page and reverse("staff:user_activate", args=[user.pk]) in page
    client.post(reverse("staff:user_activate", args=[user.pk]))
    user.refresh_from_db()
    assert user.is_active


def test_admins_cannot_deactivate_themselves(client, admin):
    response = client.post(reverse("staff:user_deactivate", args=[admin.pk]), follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_deactivate_redirects_only_inside_the_users_page(client):
    user = UserFactory()
    response = client.post(
        reverse("staff:user_deactivate", args=[user.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("staff:users")


# --- Platform settings --------------------------------------------------------------------


@pytest.fixture
def secrets_set(admin):
    settings_update(values={"stripe_secret_key": "sk_live_topsecret"}, actor=admin)


def test_settings_page_masks_secrets(client, secrets_set):
    content = client.get(reverse("staff:settings")).content.decode()
    assert "sk_live_topsecret" not in content
    assert f'name="stripe_secret_key" value="{MASK}"' in content
    assert 'name="smtp_password" value=""' in content or 'name="smtp_password"' in content
    assert 'value="Ad Platform"' in content


def _settings_post(client, **changes):
    form = client.get(reverse("staff:settings")).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if getattr(field.widget, "input_type", "") == "checkbox":
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(reverse("staff:settings"), data)


def test_settings_round_trip_keeps_secrets_sent_back_masked(client, admin, secrets_set):
    response = _settings_post(
        client, site_name="Adverts United", default_revenue_share="0.65", auto_approve_ads="on"
    )
    assert response.status_code == 302
    assert setting_get("site_name") == "Adverts United"
    assert Decimal(setting_get("default_revenue_share")) == Decimal("0.65")
    assert setting_get("auto_approve_ads") is True
    assert setting_get("stripe_secret_key") == "sk_live_topsecret"  # the mask meant "keep"
    # Only what changed was written.
    assert set(PlatformSetting.objects.values_list("key", flat=True)) == {
        "stripe_secret_key",
        "site_name",
        "default_revenue_share",
        "auto_approve_ads",
    }
    assert PlatformSetting.objects.get(key="site_name").updated_by == admin

    # An unchecked box turns a flag off; a new secret replaces the old one.
    _settings_post(client, auto_approve_ads=None, stripe_secret_key="sk_live_rotated")
    assert setting_get("auto_approve_ads") is False
    assert setting_get("stripe_secret_key") == "sk_live_rotated"
    # Sending the form back unchanged writes nothing.
    before = list(PlatformSetting.objects.values_list("key", "value"))
    response = _settings_post(client)
    assert response.status_code == 302
    assert list(PlatformSetting.objects.values_list("key", "value")) == before
    assert "Nothing changed." in client.get(reverse("staff:settings")).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "usd"}, "currency", "does not match"),
        ({"default_revenue_share": "1.5"}, "default_revenue_share", "less than or equal to 1"),
        ({"smtp_port": "0"}, "smtp_port", "greater than or equal to 1"),
        ({"site_name": ""}, "site_name", "may not be blank"),
        ({"support_email": "nobody"}, "support_email", "valid email"),
        ({"paypal_mode": "chaos"}, "paypal_mode", "Select a valid choice"),
    ],
)
def test_settings_validation_errors(client, changes, field, message):
    response = _settings_post(client, **changes)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not PlatformSetting.objects.exists()


# --- Django admin links -------------------------------------------------------------------


def test_admin_links_list_every_registered_model(client):
    content = client.get(reverse("staff:admin_links")).content.decode()
    for path in (
        "/admin/accounts/user/",
        "/admin/inventory/publisher/",
        "/admin/inventory/zone/",
        "/admin/campaigns/campaign/",
        "/admin/campaigns/ad/",
        "/admin/webhooks/webhook/",
    ):
        assert f'href="{path}"' in content, path
    assert client.get("/admin/inventory/publisher/").status_code == 200


# --- Advertisers and campaigns ------------------------------------------------------------


def test_admin_browses_every_advertiser_and_campaign(client, django_assert_max_num_queries):
    from apps.campaigns.tests.factories import AdvertiserFactory, CampaignFactory

    shoes = AdvertiserFactory(company="Shoe Shop")
    hats = AdvertiserFactory(company="Hat Hut")
    for n in range(3):
        CampaignFactory(advertiser=shoes, name=f"Shoes {n}", status="active")
    CampaignFactory(advertiser=hats, name="Hats", status="paused")
    client.get(reverse("staff:advertisers"))
    with django_assert_max_num_queries(5):  # session, user, count, page (with counts), nav
        response = client.get(reverse("staff:advertisers"), {"sort": "-campaigns"})
    page = response.content.decode()
    assert page.index("Shoe Shop") < page.index("Hat Hut")
    rows = list(response.context["page"].object_list)
    assert [(a.company, a.campaign_count, a.active_count) for a in rows][:2] == [
        ("Shoe Shop", 3, 3),
        ("Hat Hut", 1, 0),
    ]
    assert f"/advertiser/?advertiser={hats.pk}" in page
    assert 'aria-sort="descending"' in page
    assert "Hat Hut" not in client.get(reverse("staff:advertisers"), {"q": "shoe"}).content.decode()

    with django_assert_max_num_queries(5):
        response = client.get(reverse("staff:campaigns"), {"sort": "name"})
    names = [c.name for c in response.context["page"].object_list]
    assert names == ["Hats", "Shoes 0", "Shoes 1", "Shoes 2"]
    paused = client.get(reverse("staff:campaigns"), {"status": "paused"}).context["page"]
    assert [c.name for c in paused.object_list] == ["Hats"]
    only = client.get(reverse("staff:campaigns"), {"advertiser": hats.pk}).context["page"]
    assert [c.name for c in only.object_list] == ["Hats"]
    detail = client.get(reverse("advertiser:campaign_detail", args=[paused.object_list[0].pk]))
    assert detail.status_code == 200


@pytest.mark.parametrize("name", ["staff:advertisers", "staff:campaigns"])
def test_only_admins_browse_advertisers_and_campaigns(name):
    from apps.accounts.tests.factories import UserFactory

    other = Client()
    other.force_login(UserFactory(role=Role.FINANCE))
    assert other.get(reverse(name)).status_code == 403
