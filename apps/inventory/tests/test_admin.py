"""Django admin for publishers, websites and zones: pages, search, filters, actions."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.inventory.models import Publisher, Website, Zone

from .factories import PublisherFactory, ZoneFactory
from .helpers import VersionWatch, events

PUBLISHERS = "/admin/inventory/publisher/"
WEBSITES = "/admin/inventory/website/"
ZONES = "/admin/inventory/zone/"


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def run_action(client, url, action, objects):
    return client.post(
        url,
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PUBLISHERS, WEBSITES, ZONES])
def test_changelists_and_add_pages_load(admin_web, zone, url):
    response = admin_web.get(url)
    assert response.status_code == 200
    assert admin_web.get(f"{url}add/").status_code == 200


@pytest.mark.django_db
def test_change_pages_load(admin_web, zone):
    publisher = zone.website.publisher
    for url in (
        f"{PUBLISHERS}{publisher.pk}/change/",
        f"{WEBSITES}{zone.website_id}/change/",
        f"{ZONES}{zone.pk}/change/",
    ):
        response = admin_web.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_publisher_search_and_status_filter(admin_web):
    PublisherFactory(name="Findable Media", status="pending")
    PublisherFactory(name="Hidden Press", status="approved")
    html = admin_web.get(PUBLISHERS, {"q": "Findable"}).content.decode()
    assert "Findable Media" in html and "Hidden Press" not in html
    html = admin_web.get(PUBLISHERS, {"status__exact": "approved"}).content.decode()
    assert "Hidden Press" in html and "Findable Media" not in html


@pytest.mark.django_db
def test_zone_search_by_name_and_uuid_and_filters(admin_web, website):
    banner = ZoneFactory(website=website, name="Top banner")
    text = ZoneFactory(website=website, name="Footer links", type="text", width=None, height=None)
    html = admin_web.get(ZONES, {"q": str(banner.uuid)}).content.decode()
    assert "Top banner" in html and "Footer links" not in html
    html = admin_web.get(ZONES, {"q": "Footer"}).content.decode()
    assert "Footer links" in html and "Top banner" not in html
    html = admin_web.get(ZONES, {"type__exact": "text"}).content.decode()
    assert str(text.uuid) in html and str(banner.uuid) not in html
    assert admin_web.get(ZONES, {"status__exact": "paused"}).status_code == 200


@pytest.mark.django_db
def test_zone_changelist_query_count_is_flat(admin_web, website, django_assert_max_num_queries):
    ZoneFactory.create_batch(10, website=website)
    with django_assert_max_num_queries(12):
        assert admin_web.get(ZONES).status_code == 200


@pytest.mark.django_db
def test_approve_action_goes_through_the_service(
    admin_web, admin_user, django_capture_on_commit_callbacks
):
    pending = PublisherFactory.create_batch(2, status="pending")
    approved = PublisherFactory(status="approved")
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = run_action(admin_web, PUBLISHERS, "approve", [*pending, approved])
    assert response.status_code == 200
    assert "2 publisher(s) approved." in response.content.decode()
    assert events("publisher.approved") == 2
    assert watch.bumped
    for publisher in pending:
        publisher.refresh_from_db()
        assert publisher.status == "approved"
        assert publisher.reviewed_by == admin_user


@pytest.mark.django_db
def test_reject_action_emits_events(admin_web):
    publishers = PublisherFactory.create_batch(2, status="pending")
    run_action(admin_web, PUBLISHERS, "reject", publishers)
    assert events("publisher.rejected") == 2
    run_action(admin_web, PUBLISHERS, "reject", publishers)
    assert events("publisher.rejected") == 2
    assert set(Publisher.objects.values_list("status", flat=True)) == {"rejected"}


@pytest.mark.django_db
def test_zone_pause_and_activate_actions(admin_web, zone, django_capture_on_commit_callbacks):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        run_action(admin_web, ZONES, "pause", [zone])
    zone.refresh_from_db()
    assert zone.status == "paused"
    assert watch.bumped
    run_action(admin_web, ZONES, "activate", [zone])
    zone.refresh_from_db()
    assert zone.status == "active"


@pytest.mark.django_db
def test_adding_a_zone_in_admin_validates_and_bumps(
    admin_web, website, django_capture_on_commit_callbacks
):
    form = {"website": website.pk, "name": "Admin zone", "type": "banner", "floor_price": "0.10",
            "status": "active"}  # fmt: skip
    response = admin_web.post(f"{ZONES}add/", form)
    assert response.status_code == 200  # the form is shown again with the size errors
    assert not Zone.objects.filter(name="Admin zone").exists()
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = admin_web.post(f"{ZONES}add/", {**form, "width": 728, "height": 90})
    assert response.status_code == 302
    assert Zone.objects.get(name="Admin zone").floor_price == Decimal("0.10")
    assert watch.bumped


@pytest.mark.django_db
def test_adding_a_publisher_requires_a_publisher_user(admin_web):
    advertiser = UserFactory(role=Role.ADVERTISER)
    form = {
        "user": advertiser.pk,
        "name": "Admin publisher",
        "revenue_share": "0.7000",
        "payout_method": "none",
        "payout_details": "{}",
        "blocked_categories": "[]",
        "blocked_advertiser_ids": "[]",
        "websites-TOTAL_FORMS": "0",
        "websites-INITIAL_FORMS": "0",
    }
    response = admin_web.post(f"{PUBLISHERS}add/", form)
    assert response.status_code == 200
    assert not Publisher.objects.exists()
    user = UserFactory(role=Role.PUBLISHER)
    response = admin_web.post(f"{PUBLISHERS}add/", {**form, "user": user.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Publisher.objects.get(user=user).status == "pending"


@pytest.mark.django_db
def test_deleting_a_website_in_admin_bumps(admin_web, website, django_capture_on_commit_callbacks):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = admin_web.post(f"{WEBSITES}{website.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Website.objects.exists()
    assert watch.bumped


@pytest.mark.django_db
def test_bulk_delete_zones_bumps(admin_web, website, django_capture_on_commit_callbacks):
    zones = ZoneFactory.create_batch(2, website=website)
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        admin_web.post(
            ZONES,
            {"action": "delete_selected", "_selected_action": [z.pk for z in zones], "post": "yes"},
        )
    assert not Zone.objects.exists()
    assert watch.bumped
    assert Website.objects.filter(pk=website.pk).exists()
