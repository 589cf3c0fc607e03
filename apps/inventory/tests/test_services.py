"""Inventory services and selectors: approval events, signup hook, invariants, scoping."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import PermissionDenied
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.services import user_create
from apps.accounts.tests.factories import UserFactory
from apps.common.errors import ConflictError, FieldValidationError
from apps.common.models import DomainEvent
from apps.delivery.store import hot_store
from apps.inventory import selectors, services
from apps.inventory.embed import zone_embed
from apps.inventory.models import Publisher, Zone, zone_size_errors

from .factories import PublisherFactory, WebsiteFactory, ZoneFactory
from .helpers import VersionWatch, events

PASSWORD = "Str0ng-pass!-xyz"


# --- Approval -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_twice_emits_one_event(admin_user, django_capture_on_commit_callbacks):
    publisher = PublisherFactory(status="pending")
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        approved = services.publisher_approve(publisher=publisher, actor=admin_user)
    assert watch.bumped
    assert approved.status == "approved"
    assert approved.reviewed_by == admin_user
    reviewed_at = approved.reviewed_at
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        again = services.publisher_approve(publisher=approved, actor=admin_user)
    assert not watch.bumped
    assert again.reviewed_at == reviewed_at
    assert events("publisher.approved") == 1


@pytest.mark.django_db
def test_reject_then_approve_emits_each_once(admin_user):
    publisher = PublisherFactory(status="pending")
    services.publisher_reject(publisher=publisher, actor=admin_user, reason="Thin content")
    services.publisher_reject(publisher=publisher, actor=admin_user, reason="Again")
    publisher.refresh_from_db()
    assert publisher.status == "rejected"
    assert publisher.rejection_reason == "Thin content"
    services.publisher_approve(publisher=publisher, actor=admin_user)
    assert events("publisher.rejected") == 1
    assert events("publisher.approved") == 1
    rejected = DomainEvent.objects.get(event_type="publisher.rejected")
    assert rejected.owner == publisher.user
    assert rejected.data["reason"] == "Thin content"
    assert rejected.data["publisher_id"] == publisher.pk


@pytest.mark.django_db
def test_event_is_published_after_commit(admin_user, django_capture_on_commit_callbacks):
    from apps.common.events import domain_event_committed

    seen = []

    def listener(sender, event, **kwargs):
        seen.append(event.event_type)

    domain_event_committed.connect(listener)
    try:
        publisher = PublisherFactory(status="pending")
        with django_capture_on_commit_callbacks(execute=True):
            services.publisher_approve(publisher=publisher, actor=admin_user)
            assert seen == []
        assert seen == ["publisher.approved"]
    finally:
        domain_event_committed.disconnect(listener)


@pytest.mark.django_db
def test_a_failed_transaction_leaves_no_event(admin_user):
    publisher = PublisherFactory(status="pending")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.publisher_approve(publisher=publisher, actor=admin_user)
        raise RuntimeError
    publisher.refresh_from_db()
    assert publisher.status == "pending"
    assert events("publisher.approved") == 0


@pytest.mark.django_db
def test_non_admin_cannot_change_admin_fields(publisher_user):
    publisher = PublisherFactory(user=publisher_user)
    with pytest.raises(PermissionDenied):
        services.publisher_update(publisher=publisher, actor=publisher_user, status="rejected")
    with pytest.raises(PermissionDenied):
        services.publisher_update(
            publisher=publisher, actor=publisher_user, revenue_share=Decimal("1")
        )


@pytest.mark.django_db
def test_publisher_update_with_status_routes_through_approval(admin_user):
    publisher = PublisherFactory(status="pending")
    updated = services.publisher_update(
        publisher=publisher, actor=admin_user, name="New name", status="approved"
    )
    assert (updated.name, updated.status) == ("New name", "approved")
    assert events("publisher.approved") == 1


# --- Signup hook and create -----------------------------------------------------------------


@pytest.mark.django_db
def test_signup_as_publisher_creates_pending_publisher():
    response = APIClient().post(
        "/api/v1/auth/signup",
        {"email": "new@pub.example", "password": PASSWORD, "name": "Nia", "role": "publisher"},
        format="json",
    )
    assert response.status_code == 201, response.content
    publisher = Publisher.objects.get(user__email="new@pub.example")
    assert publisher.status == "pending"
    assert publisher.name == "Nia"
    assert publisher.revenue_share == Decimal("0.7000")
    assert events("publisher.approved") == 0


@pytest.mark.django_db
def test_signup_without_name_uses_email():
    user = user_create(email="anon@pub.example", password=PASSWORD, role=Role.PUBLISHER)
    assert user.publisher.name == "anon@pub.example"


@pytest.mark.django_db
def test_signup_as_advertiser_creates_no_publisher():
    user_create(email="adv@example.com", password=PASSWORD, role=Role.ADVERTISER)
    assert not Publisher.objects.exists()


@pytest.mark.django_db
def test_signup_hook_is_idempotent(publisher_user):
    first = services.publisher_create_for_signup(user=publisher_user)
    second = services.publisher_create_for_signup(user=publisher_user)
    assert first.pk == second.pk


@pytest.mark.django_db
def test_create_checks_role_and_duplicates(admin_user, advertiser_user, publisher_user):
    with pytest.raises(FieldValidationError) as exc:
        services.publisher_create(user=advertiser_user, name="P", actor=admin_user)
    assert exc.value.details[0]["path"] == ["body", "user_id"]
    services.publisher_create(user=publisher_user, name="P", actor=admin_user)
    with pytest.raises(ConflictError):
        services.publisher_create(user=publisher_user, name="P2", actor=admin_user)


@pytest.mark.django_db
def test_create_refuses_deleted_user(admin_user):
    user = UserFactory(role=Role.PUBLISHER)
    from apps.accounts.services import user_soft_delete

    user_soft_delete(user=user, actor=admin_user)
    with pytest.raises(FieldValidationError):
        services.publisher_create(user=user, name="P", actor=admin_user)


# --- Zones ----------------------------------------------------------------------------------


def test_zone_size_rules():
    assert zone_size_errors("banner", 728, 90) == {}
    assert set(zone_size_errors("banner", None, None)) == {"width", "height"}
    assert set(zone_size_errors("html", 300, None)) == {"height"}
    assert zone_size_errors("text", None, None) == {}
    assert zone_size_errors("video", 640, 360) == {}
    assert set(zone_size_errors("native", None, 100)) == {"width"}


@pytest.mark.django_db
def test_zone_create_validates_size(publisher):
    website = WebsiteFactory(publisher=publisher)
    with pytest.raises(ValidationError) as exc:
        services.zone_create(website=website, name="Z", type="banner")
    assert set(exc.value.message_dict) == {"width", "height"}
    zone = services.zone_create(website=website, name="Z", type="banner", width=300, height=250)
    assert zone.uuid and zone.floor_price == Decimal("0.00") and zone.status == "active"


@pytest.mark.django_db
def test_every_write_serving_reads_bumps_the_inventory_version(
    publisher, admin_user, django_capture_on_commit_callbacks
):
    steps = [
        lambda: services.website_create(publisher=publisher, name="W", url="https://w.example"),
    ]
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        website = steps[0]()
    assert watch.bumped
    for rename in (  # names are not read by serving: nothing to rebuild
        lambda: services.website_update(website=website, name="W2"),
        lambda: services.publisher_update(publisher=publisher, actor=admin_user, name="P"),
    ):
        with VersionWatch(django_capture_on_commit_callbacks) as watch:
            rename()
        assert not watch.bumped
    actions = [
        lambda: services.website_update(website=website, category="news"),
        lambda: services.zone_create(website=website, name="Z", type="text"),
        lambda: services.zone_update(zone=Zone.objects.get(), floor_price=Decimal("1.00")),
        lambda: services.zone_delete(zone=Zone.objects.get()),
        lambda: services.publisher_update(
            publisher=publisher, actor=admin_user, blocked_categories=["gambling"]
        ),
        lambda: services.publisher_reject(publisher=publisher, actor=admin_user),
        lambda: services.publisher_reset_review(publisher=publisher),
        lambda: services.website_delete(website=website),
        lambda: services.publisher_delete(publisher=publisher),
    ]
    for action in actions:
        with VersionWatch(django_capture_on_commit_callbacks) as watch:
            action()
        assert watch.bumped, action


@pytest.mark.django_db
def test_db_constraints_back_the_rules(zone, publisher):
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(floor_price=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(width=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Zone.objects.filter(pk=zone.pk).update(type="popup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Publisher.objects.filter(pk=publisher.pk).update(revenue_share=Decimal("1.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Publisher.objects.filter(pk=publisher.pk).update(status="banned")


@pytest.mark.django_db
def test_inventory_version_is_monotonic(django_capture_on_commit_callbacks, publisher):
    before = hot_store().inventory_version()
    with django_capture_on_commit_callbacks(execute=True):
        services.website_create(publisher=publisher, name="W", url="https://w.example")
    assert hot_store().inventory_version() == before + 1


# --- Selectors ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_selectors_scope_by_role(publisher, other_publisher, admin_user, finance_user):
    own_zone = ZoneFactory(website=WebsiteFactory(publisher=publisher))
    other_zone = ZoneFactory(website=WebsiteFactory(publisher=other_publisher))
    for user in (admin_user, finance_user):
        assert set(selectors.zone_list(user=user)) == {own_zone, other_zone}
        assert selectors.publisher_list(user=user).count() == 2
    assert list(selectors.zone_list(user=publisher.user)) == [own_zone]
    assert list(selectors.publisher_list(user=publisher.user)) == [publisher]
    assert selectors.zone_get(user=publisher.user, zone_id=other_zone.pk) is None
    for role in (Role.ADVERTISER, Role.PARTNER):
        stranger = UserFactory(role=role)
        assert not selectors.publisher_list(user=stranger).exists()
        assert not selectors.website_list(user=stranger).exists()
        assert not selectors.zone_list(user=stranger).exists()


@pytest.mark.django_db
def test_zone_list_has_no_n_plus_one(publisher, django_assert_num_queries):
    website = WebsiteFactory(publisher=publisher)
    ZoneFactory.create_batch(5, website=website)
    with django_assert_num_queries(1):
        rows = [(z.website.publisher_id, z.name) for z in selectors.zone_list(user=publisher.user)]
    assert len(rows) == 5


# --- Embed ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_embed_uses_site_url(settings, zone):
    settings.SITE_URL = "https://ads.example.org/"
    embed = zone_embed(zone=zone)
    assert embed["urls"]["serve"] == f"https://ads.example.org/api/v1/serve/{zone.uuid}"
    assert embed["urls"]["script"] == "https://ads.example.org/static/adtag.js"


# --- Demo data ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_data_is_idempotent():
    from apps.accounts import demo as accounts_demo
    from apps.inventory import demo

    accounts_demo.load()
    assert demo.load() == []
    assert demo.load() == []
    publisher = Publisher.objects.get(user__email="publisher@demo.local")
    assert publisher.status == "approved"
    website = publisher.websites.get()
    assert (website.name, website.url, website.category) == (
        "Demo News",
        "https://news.demo.local",
        "news",
    )
    zones = {z.name: (z.type, z.width, z.height) for z in website.zones.all()}
    assert zones == {
        "Leaderboard": ("banner", 728, 90),
        "Sidebar": ("banner", 300, 250),
        "Text links": ("text", None, None),
        "Native feed": ("native", None, None),
        "Pre-roll": ("video", 640, 360),
    }
    for zone in website.zones.all():
        zone.full_clean()
        assert Decimal("0.01") <= zone.floor_price <= Decimal("1.00")
