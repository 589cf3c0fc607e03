"""Black-box tests of /api/v1/publishers: scoping, admin create/delete, updates, approval."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Role
from apps.accounts.platform_settings import settings_update
from apps.accounts.tests.factories import UserFactory
from apps.billing.models import Payout
from apps.inventory.models import Publisher, Website, Zone

from .factories import PublisherFactory, WebsiteFactory, ZoneFactory
from .helpers import VersionWatch, assert_error, error_paths, events

PUBLISHERS = "/api/v1/publishers"
PUBLISHER_FIELDS = {
    "id",
    "user_id",
    "user_email",
    "name",
    "website_url",
    "description",
    "status",
    "revenue_share",
    "payout_method",
    "payout_details",
    "blocked_categories",
    "blocked_advertiser_ids",
    "rejection_reason",
    "reviewed_at",
    "reviewed_by_id",
    "created_at",
    "updated_at",
}


def detail(publisher) -> str:
    return f"{PUBLISHERS}/{publisher.pk}"


# --- List and retrieve ----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_all_publishers(admin_client, publisher, other_publisher):
    response = admin_client.get(PUBLISHERS)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert [p["id"] for p in body["data"]] == [publisher.pk, other_publisher.pk]
    assert set(body["data"][0]) == PUBLISHER_FIELDS
    assert body["pagination"] == {"page": 1, "per_page": 25, "count": 2, "total": 2, "pages": 1}


@pytest.mark.django_db
def test_finance_lists_all_publishers(finance_client, publisher, other_publisher):
    response = finance_client.get(PUBLISHERS)
    assert response.status_code == 200
    assert response.json()["pagination"]["total"] == 2


@pytest.mark.django_db
def test_publisher_lists_only_its_own(publisher_client, publisher, other_publisher):
    response = publisher_client.get(PUBLISHERS)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]] == [publisher.pk]


@pytest.mark.django_db
def test_list_pagination_and_status_filter(admin_client):
    PublisherFactory.create_batch(3, status="pending")
    PublisherFactory.create_batch(2, status="approved")
    response = admin_client.get(PUBLISHERS, {"per_page": 2, "page": 2})
    assert response.json()["pagination"] == {
        "page": 2,
        "per_page": 2,
        "count": 2,
        "total": 5,
        "pages": 3,
    }
    response = admin_client.get(PUBLISHERS, {"status": "pending"})
    assert response.json()["pagination"]["total"] == 3
    assert {p["status"] for p in response.json()["data"]} == {"pending"}


@pytest.mark.django_db
def test_list_bad_status_filter_is_422(admin_client):
    response = admin_client.get(PUBLISHERS, {"status": "bogus"})
    assert ["query", "status"] in error_paths(response)


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["advertiser_client", "partner_client"])
def test_other_roles_are_forbidden_everywhere(request, client_name, publisher):
    client = request.getfixturevalue(client_name)
    assert_error(client.get(PUBLISHERS), 403)
    assert_error(client.get(detail(publisher)), 403)
    assert_error(client.put(detail(publisher), {"name": "x"}, format="json"), 403)
    assert_error(client.post(PUBLISHERS, {}, format="json"), 403)
    assert_error(client.delete(detail(publisher)), 403)
    assert_error(client.post(f"{detail(publisher)}/approve"), 403)


@pytest.mark.django_db
def test_anonymous_is_401(api_client, publisher):
    for response in (
        api_client.get(PUBLISHERS),
        api_client.get(detail(publisher)),
        api_client.post(PUBLISHERS, {}, format="json"),
        api_client.put(detail(publisher), {"name": "x"}, format="json"),
        api_client.delete(detail(publisher)),
        api_client.post(f"{detail(publisher)}/approve"),
        api_client.post(f"{detail(publisher)}/reject"),
    ):
        assert_error(response, 401)


@pytest.mark.django_db
def test_owner_retrieves_its_publisher(publisher_client, publisher):
    response = publisher_client.get(detail(publisher))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == publisher.pk
    assert data["user_id"] == publisher.user_id
    assert data["revenue_share"] == "0.7000"
    assert data["status"] == "approved"


@pytest.mark.django_db
def test_other_publisher_is_404(publisher_client, publisher, other_publisher):
    assert_error(publisher_client.get(detail(other_publisher)), 404, "not_found")
    assert_error(
        publisher_client.put(detail(other_publisher), {"name": "Mine"}, format="json"), 404
    )
    other_publisher.refresh_from_db()
    assert other_publisher.name == "Other Publisher"


@pytest.mark.django_db
def test_unknown_publisher_is_404(admin_client):
    assert_error(admin_client.get(f"{PUBLISHERS}/999999"), 404)


# --- Create (admin) -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_creates_publisher_from_seed_payload(
    admin_client, django_capture_on_commit_callbacks
):
    user = UserFactory(role=Role.PUBLISHER)
    payload = {
        "name": "My Publisher",
        "user_id": user.pk,
        "website_url": "https://example.com",
        "description": "Optional description",
    }
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = admin_client.post(PUBLISHERS, payload, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["name"] == "My Publisher"
    assert data["user_id"] == user.pk
    assert data["website_url"] == "https://example.com"
    assert data["status"] == "pending"
    assert data["payout_method"] == "none"
    assert data["payout_details"] == {}
    assert data["blocked_categories"] == []
    assert watch.bumped
    assert Publisher.objects.get(pk=data["id"]).user == user


@pytest.mark.django_db
def test_create_uses_default_revenue_share_setting(admin_client, admin_user):
    settings_update(values={"default_revenue_share": Decimal("0.6500")}, actor=admin_user)
    user = UserFactory(role=Role.PUBLISHER)
    response = admin_client.post(PUBLISHERS, {"name": "P", "user_id": user.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["revenue_share"] == "0.6500"


@pytest.mark.django_db
def test_admin_create_approved_emits_event(admin_client):
    user = UserFactory(role=Role.PUBLISHER)
    response = admin_client.post(
        PUBLISHERS,
        {"name": "P", "user_id": user.pk, "status": "approved", "revenue_share": "0.5"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["data"]["status"] == "approved"
    assert response.json()["data"]["revenue_share"] == "0.5000"
    assert events("publisher.approved") == 1


@pytest.mark.django_db
def test_create_for_non_publisher_user_is_422(admin_client, advertiser_user):
    response = admin_client.post(
        PUBLISHERS, {"name": "P", "user_id": advertiser_user.pk}, format="json"
    )
    assert error_paths(response) == [["body", "user_id"]]
    assert not Publisher.objects.exists()


@pytest.mark.django_db
def test_create_for_unknown_user_is_422(admin_client):
    response = admin_client.post(PUBLISHERS, {"name": "P", "user_id": 999999}, format="json")
    assert error_paths(response) == [["body", "user_id"]]


@pytest.mark.django_db
def test_create_twice_for_same_user_is_409(admin_client, publisher):
    response = admin_client.post(
        PUBLISHERS, {"name": "Again", "user_id": publisher.user_id}, format="json"
    )
    assert_error(response, 409, "publisher_exists")
    assert Publisher.objects.filter(user=publisher.user).count() == 1


@pytest.mark.django_db
def test_create_adopts_the_profile_made_at_signup(admin_client):
    """Seed flow: POST users (publisher role) makes a pending profile; POST publishers fills it."""
    response = admin_client.post(
        "/api/v1/users",
        {"email": "pub@example.com", "password": "Str0ng-pass!-xyz", "role": "publisher"},
        format="json",
    )
    assert response.status_code == 201
    user_id = response.json()["data"]["id"]
    auto = Publisher.objects.get(user_id=user_id)
    response = admin_client.post(
        PUBLISHERS,
        {"name": "Seed Publisher", "user_id": user_id, "website_url": "https://seed.example"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"]["id"] == auto.pk
    assert response.json()["data"]["name"] == "Seed Publisher"
    again = admin_client.post(PUBLISHERS, {"name": "Third", "user_id": user_id}, format="json")
    assert_error(again, 409)


@pytest.mark.django_db
def test_a_signup_profile_the_owner_edited_is_not_adopted(admin_client):
    user = UserFactory(role=Role.PUBLISHER)
    from apps.inventory.services import publisher_create_for_signup, publisher_update

    publisher = publisher_create_for_signup(user=user)
    publisher_update(publisher=publisher, actor=user, name="Chosen by the owner")
    response = admin_client.post(PUBLISHERS, {"name": "Admin's", "user_id": user.pk}, format="json")
    assert_error(response, 409)
    publisher.refresh_from_db()
    assert publisher.name == "Chosen by the owner"


@pytest.mark.django_db
def test_publisher_cannot_create(publisher_client, publisher_user):
    response = publisher_client.post(
        PUBLISHERS, {"name": "P", "user_id": publisher_user.pk}, format="json"
    )
    assert_error(response, 403)


@pytest.mark.django_db
def test_finance_cannot_create(finance_client):
    user = UserFactory(role=Role.PUBLISHER)
    assert_error(finance_client.post(PUBLISHERS, {"name": "P", "user_id": user.pk}), 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"user_id": 1}, ["body", "name"]),
        ({"name": "P"}, ["body", "user_id"]),
        ({"name": "", "user_id": 1}, ["body", "name"]),
        ({"name": "x" * 201, "user_id": 1}, ["body", "name"]),
        ({"name": "P", "user_id": "abc"}, ["body", "user_id"]),
        ({"name": "P", "user_id": 1, "website_url": "ftp://example.com"}, ["body", "website_url"]),
        ({"name": "P", "user_id": 1, "website_url": "not a url"}, ["body", "website_url"]),
        ({"name": "P", "user_id": 1, "revenue_share": "1.5"}, ["body", "revenue_share"]),
        ({"name": "P", "user_id": 1, "status": "bogus"}, ["body", "status"]),
        ({"name": "P", "user_id": 1, "color": "red"}, ["body", "color"]),
    ],
)
def test_create_bad_input_is_422(admin_client, payload, path):
    user = UserFactory(role=Role.PUBLISHER)
    if payload.get("user_id") == 1:
        payload = {**payload, "user_id": user.pk}
    response = admin_client.post(PUBLISHERS, payload, format="json")
    assert path in error_paths(response)
    assert not Publisher.objects.exists()


# --- Update ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_updates_profile_payout_and_blocking(
    publisher_client, publisher, django_capture_on_commit_callbacks
):
    payload = {
        "name": "Renamed",
        "website_url": "https://renamed.example",
        "description": "About us",
        "payout_method": "paypal",
        "payout_details": {"email": "pay@example.com"},
        "blocked_categories": ["Gambling", "adult", "gambling"],
        "blocked_advertiser_ids": [7, 3, 7],
    }
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.put(detail(publisher), payload, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["name"] == "Renamed"
    assert data["payout_method"] == "paypal"
    assert data["payout_details"] == {"email": "pay@example.com"}
    assert data["blocked_categories"] == ["gambling", "adult"]
    assert data["blocked_advertiser_ids"] == [7, 3]
    assert data["status"] == "approved"
    assert watch.bumped


@pytest.mark.django_db
def test_patch_is_a_partial_update(publisher_client, publisher):
    response = publisher_client.patch(detail(publisher), {"description": "New"}, format="json")
    assert response.status_code == 200
    publisher.refresh_from_db()
    assert publisher.description == "New"
    assert publisher.name == "Own Publisher"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"status": "approved"},
        {"status": "rejected"},
        {"revenue_share": "0.9"},
        {"rejection_reason": "x"},
        {"name": "ok", "status": "pending"},
    ],
)
def test_owner_cannot_change_admin_fields(publisher_client, publisher, payload):
    response = publisher_client.put(detail(publisher), payload, format="json")
    assert_error(response, 403)
    publisher.refresh_from_db()
    assert publisher.name == "Own Publisher"
    assert publisher.status == "approved"
    assert publisher.revenue_share == Decimal("0.7000")


@pytest.mark.django_db
def test_finance_cannot_update(finance_client, publisher):
    assert_error(finance_client.put(detail(publisher), {"name": "x"}, format="json"), 403)


@pytest.mark.django_db
def test_admin_updates_revenue_share(admin_client, publisher):
    response = admin_client.put(detail(publisher), {"revenue_share": "0.8500"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["revenue_share"] == "0.8500"


@pytest.mark.django_db
def test_admin_put_status_approves_once(admin_client, admin_user):
    publisher = PublisherFactory(status="pending")
    for _ in range(2):
        response = admin_client.put(detail(publisher), {"status": "approved"}, format="json")
        assert response.status_code == 200
        assert response.json()["data"]["status"] == "approved"
    assert events("publisher.approved") == 1
    publisher.refresh_from_db()
    assert publisher.reviewed_by == admin_user
    assert publisher.reviewed_at is not None


@pytest.mark.django_db
def test_admin_put_status_rejected_with_reason(admin_client, publisher):
    response = admin_client.put(
        detail(publisher), {"status": "rejected", "rejection_reason": "Thin content"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "rejected"
    assert data["rejection_reason"] == "Thin content"
    assert events("publisher.rejected") == 1
    assert events("publisher.approved") == 0


@pytest.mark.django_db
def test_admin_put_status_pending_resets_review_without_event(admin_client, publisher):
    response = admin_client.put(detail(publisher), {"status": "pending"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "pending"
    assert response.json()["data"]["reviewed_at"] is None
    assert events("publisher.approved") + events("publisher.rejected") == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"revenue_share": "-0.1"}, ["body", "revenue_share"]),
        ({"revenue_share": "abc"}, ["body", "revenue_share"]),
        ({"revenue_share": "0.12345"}, ["body", "revenue_share"]),
        ({"payout_method": "cash"}, ["body", "payout_method"]),
        ({"payout_details": ["not", "a", "dict"]}, ["body", "payout_details"]),
        ({"payout_details": {"note": "x" * 3000}}, ["body", "payout_details"]),
        ({"blocked_categories": "news"}, ["body", "blocked_categories"]),
        ({"blocked_categories": ["not a slug!"]}, ["body", "blocked_categories", 0]),
        ({"blocked_advertiser_ids": [0]}, ["body", "blocked_advertiser_ids", 0]),
        ({"blocked_advertiser_ids": ["x"]}, ["body", "blocked_advertiser_ids", 0]),
        ({"description": "x" * 2001}, ["body", "description"]),
        ({"id": 5}, ["body", "id"]),
    ],
)
def test_update_bad_input_is_422(admin_client, publisher, payload, path):
    response = admin_client.put(detail(publisher), payload, format="json")
    assert path in error_paths(response)


# --- Delete (admin) -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_deletes_publisher_with_its_inventory(
    admin_client, publisher, django_capture_on_commit_callbacks
):
    zone = ZoneFactory(website=WebsiteFactory(publisher=publisher))
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = admin_client.delete(detail(publisher))
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Publisher deleted."}
    assert not Publisher.objects.filter(pk=publisher.pk).exists()
    assert not Website.objects.exists()
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert watch.bumped
    assert_error(admin_client.get(detail(publisher)), 404)


@pytest.mark.django_db
def test_publisher_with_payouts_is_kept_409(admin_client, publisher):
    """Payouts protect their publisher (money records are never deleted): 409, not a 500."""
    Payout.objects.create(
        publisher=publisher,
        currency="USD",
        period_start="2026-01-01",
        period_end="2026-01-31",
        window_end=timezone.now(),
        earnings_micros=1_000_000,
        amount=Decimal("1.00"),
    )
    response = admin_client.delete(detail(publisher))
    assert_error(response, 409, "publisher_has_money_records")
    assert Publisher.objects.filter(pk=publisher.pk).exists()


@pytest.mark.django_db
def test_owner_cannot_delete(publisher_client, publisher):
    assert_error(publisher_client.delete(detail(publisher)), 403)
    assert Publisher.objects.filter(pk=publisher.pk).exists()


@pytest.mark.django_db
def test_finance_cannot_delete(finance_client, publisher):
    assert_error(finance_client.delete(detail(publisher)), 403)


@pytest.mark.django_db
def test_delete_unknown_is_404(admin_client):
    assert_error(admin_client.delete(f"{PUBLISHERS}/424242"), 404)


# --- Approve / reject actions ---------------------------------------------------------------


@pytest.mark.django_db
def test_approve_action_emits_once(admin_client, django_capture_on_commit_callbacks):
    publisher = PublisherFactory(status="pending")
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = admin_client.post(f"{detail(publisher)}/approve")
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "approved"
    assert watch.bumped
    assert admin_client.post(f"{detail(publisher)}/approve").status_code == 200
    assert events("publisher.approved") == 1
    from apps.common.models import DomainEvent

    event = DomainEvent.objects.get(event_type="publisher.approved")
    assert event.owner == publisher.user
    assert event.data["publisher_id"] == publisher.pk
    assert event.data["status"] == "approved"


@pytest.mark.django_db
def test_reject_action_with_reason_then_approve(admin_client):
    publisher = PublisherFactory(status="pending")
    response = admin_client.post(
        f"{detail(publisher)}/reject", {"reason": "Spammy site"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "rejected"
    assert response.json()["data"]["rejection_reason"] == "Spammy site"
    assert admin_client.post(f"{detail(publisher)}/reject").status_code == 200
    assert events("publisher.rejected") == 1
    response = admin_client.post(f"{detail(publisher)}/approve")
    assert response.json()["data"]["status"] == "approved"
    assert response.json()["data"]["rejection_reason"] == ""
    assert events("publisher.approved") == 1


@pytest.mark.django_db
def test_reject_bad_body_is_422(admin_client, publisher):
    response = admin_client.post(
        f"{detail(publisher)}/reject", {"reason": 5, "x": 1}, format="json"
    )
    assert ["body", "x"] in error_paths(response)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_admin_approves_or_rejects(publisher_client, finance_client, publisher, action):
    assert_error(publisher_client.post(f"{detail(publisher)}/{action}"), 403)
    assert_error(finance_client.post(f"{detail(publisher)}/{action}"), 403)
    assert events(f"publisher.{action}d" if action == "approve" else "publisher.rejected") == 0


@pytest.mark.django_db
def test_approve_unknown_is_404(admin_client):
    assert_error(admin_client.post(f"{PUBLISHERS}/999999/approve"), 404)
