"""Black-box tests of /api/v1/websites, scoped to the caller's publisher."""

import pytest

from apps.inventory.models import Website, Zone

from .factories import WebsiteFactory, ZoneFactory
from .helpers import VersionWatch, assert_error, error_paths

WEBSITES = "/api/v1/websites"
WEBSITE_FIELDS = {"id", "publisher_id", "name", "url", "category", "created_at", "updated_at"}


def detail(website) -> str:
    return f"{WEBSITES}/{website.pk}"


def seed_payload(publisher) -> dict:
    return {"publisher_id": publisher.pk, "name": "My Site", "url": "https://mysite.com",
            "category": "news"}  # fmt: skip


# --- List and retrieve ----------------------------------------------------------------------


@pytest.mark.django_db
def test_publisher_lists_only_own_websites(publisher_client, website, other_website):
    response = publisher_client.get(WEBSITES)
    assert response.status_code == 200
    body = response.json()
    assert [w["id"] for w in body["data"]] == [website.pk]
    assert set(body["data"][0]) == WEBSITE_FIELDS
    assert body["pagination"]["total"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["admin_client", "finance_client"])
def test_admin_and_finance_list_all(request, client_name, website, other_website):
    client = request.getfixturevalue(client_name)
    response = client.get(WEBSITES)
    assert [w["id"] for w in response.json()["data"]] == [website.pk, other_website.pk]


@pytest.mark.django_db
def test_filter_by_publisher_id(admin_client, publisher_client, website, other_website):
    response = admin_client.get(WEBSITES, {"publisher_id": other_website.publisher_id})
    assert [w["id"] for w in response.json()["data"]] == [other_website.pk]
    # Another publisher's id filters the caller's own scope: nothing.
    response = publisher_client.get(WEBSITES, {"publisher_id": other_website.publisher_id})
    assert response.json()["data"] == []


@pytest.mark.django_db
def test_bad_filter_is_422(admin_client):
    assert ["query", "publisher_id"] in error_paths(
        admin_client.get(WEBSITES, {"publisher_id": "abc"})
    )


@pytest.mark.django_db
def test_pagination(publisher_client, publisher):
    WebsiteFactory.create_batch(5, publisher=publisher)
    response = publisher_client.get(WEBSITES, {"page": 3, "per_page": 2})
    assert response.json()["pagination"] == {
        "page": 3,
        "per_page": 2,
        "count": 1,
        "total": 5,
        "pages": 3,
    }
    assert ["query", "page"] in error_paths(publisher_client.get(WEBSITES, {"page": 0}))


@pytest.mark.django_db
def test_owner_retrieves_website(publisher_client, website):
    response = publisher_client.get(detail(website))
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Own Site"


@pytest.mark.django_db
def test_other_publishers_website_is_404(publisher_client, other_website):
    assert_error(publisher_client.get(detail(other_website)), 404)
    assert_error(publisher_client.put(detail(other_website), {"name": "x"}, format="json"), 404)
    assert_error(publisher_client.delete(detail(other_website)), 404)
    assert Website.objects.filter(pk=other_website.pk, name="Other Site").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["advertiser_client", "partner_client"])
def test_other_roles_are_forbidden(request, client_name, website, publisher):
    client = request.getfixturevalue(client_name)
    assert_error(client.get(WEBSITES), 403)
    assert_error(client.get(detail(website)), 403)
    assert_error(client.post(WEBSITES, seed_payload(publisher), format="json"), 403)
    assert_error(client.put(detail(website), {"name": "x"}, format="json"), 403)
    assert_error(client.delete(detail(website)), 403)


@pytest.mark.django_db
def test_finance_reads_but_cannot_write(finance_client, website, publisher):
    assert finance_client.get(detail(website)).status_code == 200
    assert_error(finance_client.post(WEBSITES, seed_payload(publisher), format="json"), 403)
    assert_error(finance_client.put(detail(website), {"name": "x"}, format="json"), 403)
    assert_error(finance_client.delete(detail(website)), 403)


@pytest.mark.django_db
def test_anonymous_is_401(api_client, website):
    assert_error(api_client.get(WEBSITES), 401)
    assert_error(api_client.get(detail(website)), 401)
    assert_error(api_client.post(WEBSITES, {}, format="json"), 401)
    assert_error(api_client.delete(detail(website)), 401)


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_creates_website_from_seed_payload(
    publisher_client, publisher, django_capture_on_commit_callbacks
):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.post(WEBSITES, seed_payload(publisher), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["publisher_id"] == publisher.pk
    assert (data["name"], data["url"], data["category"]) == (
        "My Site",
        "https://mysite.com",
        "news",
    )
    assert watch.bumped


@pytest.mark.django_db
def test_category_is_optional_and_lowercased(publisher_client, publisher):
    payload = {"publisher_id": publisher.pk, "name": "S", "url": "http://s.example"}
    response = publisher_client.post(WEBSITES, payload, format="json")
    assert response.json()["data"]["category"] == ""
    response = publisher_client.post(WEBSITES, {**payload, "category": " Tech "}, format="json")
    assert response.json()["data"]["category"] == "tech"


@pytest.mark.django_db
def test_create_under_another_publisher_is_404(publisher_client, other_publisher):
    response = publisher_client.post(WEBSITES, seed_payload(other_publisher), format="json")
    assert_error(response, 404)
    assert not Website.objects.exists()


@pytest.mark.django_db
def test_admin_creates_for_any_publisher(admin_client, other_publisher):
    response = admin_client.post(WEBSITES, seed_payload(other_publisher), format="json")
    assert response.status_code == 201
    assert response.json()["data"]["publisher_id"] == other_publisher.pk


@pytest.mark.django_db
def test_create_for_unknown_publisher_is_404(admin_client):
    response = admin_client.post(
        WEBSITES, {"publisher_id": 999999, "name": "S", "url": "https://s.example"}, format="json"
    )
    assert_error(response, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"publisher_id": None}, ["body", "publisher_id"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "n" * 201}, ["body", "name"]),
        ({"url": "javascript:alert(1)"}, ["body", "url"]),
        ({"url": "ftp://files.example"}, ["body", "url"]),
        ({"url": "mysite"}, ["body", "url"]),
        ({"url": "https://x.example/" + "a" * 500}, ["body", "url"]),
        ({"category": "Not a slug!"}, ["body", "category"]),
        ({"category": "c" * 51}, ["body", "category"]),
        ({"zones": []}, ["body", "zones"]),
    ],
)
def test_create_bad_input_is_422(publisher_client, publisher, change, path):
    payload = {**seed_payload(publisher), **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = publisher_client.post(WEBSITES, payload, format="json")
    assert path in error_paths(response)
    assert not Website.objects.exists()


# --- Update and delete ----------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_updates_website(publisher_client, website, django_capture_on_commit_callbacks):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.put(
            detail(website), {"name": "Renamed", "category": "sports"}, format="json"
        )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["category"]) == ("Renamed", "sports")
    assert data["url"] == website.url
    assert watch.bumped
    response = publisher_client.patch(
        detail(website), {"url": "https://new.example"}, format="json"
    )
    assert response.json()["data"]["url"] == "https://new.example"


@pytest.mark.django_db
def test_owner_cannot_move_website_to_another_publisher(publisher_client, website, other_publisher):
    response = publisher_client.put(
        detail(website), {"publisher_id": other_publisher.pk}, format="json"
    )
    assert_error(response, 404)
    website.refresh_from_db()
    assert website.publisher_id != other_publisher.pk


@pytest.mark.django_db
def test_admin_moves_website(admin_client, website, other_publisher):
    response = admin_client.put(
        detail(website), {"publisher_id": other_publisher.pk}, format="json"
    )
    assert response.json()["data"]["publisher_id"] == other_publisher.pk


@pytest.mark.django_db
def test_update_bad_input_is_422(publisher_client, website):
    response = publisher_client.put(detail(website), {"url": "nope", "name": ""}, format="json")
    paths = error_paths(response)
    assert ["body", "url"] in paths and ["body", "name"] in paths


@pytest.mark.django_db
def test_owner_deletes_website_and_its_zones(
    publisher_client, website, django_capture_on_commit_callbacks
):
    zone = ZoneFactory(website=website)
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.delete(detail(website))
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert not Website.objects.filter(pk=website.pk).exists()
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert watch.bumped
    assert_error(publisher_client.get(detail(website)), 404)
