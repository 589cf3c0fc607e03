"""Black-box tests of /api/v1/zones and the embed code."""

import uuid

import pytest

from apps.inventory.models import Zone

from .factories import ZoneFactory
from .helpers import VersionWatch, assert_error, error_paths

ZONES = "/api/v1/zones"
ZONE_FIELDS = {
    "id",
    "uuid",
    "website_id",
    "publisher_id",
    "name",
    "type",
    "width",
    "height",
    "floor_price",
    "status",
    "created_at",
    "updated_at",
}


def detail(zone) -> str:
    return f"{ZONES}/{zone.pk}"


def seed_payload(website) -> dict:
    return {"website_id": website.pk, "name": "Header Banner", "type": "banner", "width": 728,
            "height": 90}  # fmt: skip


# --- List and retrieve ----------------------------------------------------------------------


@pytest.mark.django_db
def test_publisher_lists_only_own_zones(publisher_client, zone, other_zone):
    response = publisher_client.get(ZONES)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [z["id"] for z in data] == [zone.pk]
    assert set(data[0]) == ZONE_FIELDS
    assert data[0]["uuid"] == str(zone.uuid)
    assert data[0]["publisher_id"] == zone.website.publisher_id
    assert data[0]["floor_price"] == "0.50"


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["admin_client", "finance_client"])
def test_admin_and_finance_list_all(request, client_name, zone, other_zone):
    response = request.getfixturevalue(client_name).get(ZONES)
    assert [z["id"] for z in response.json()["data"]] == [zone.pk, other_zone.pk]


@pytest.mark.django_db
def test_list_filters(admin_client, website, other_website):
    banner = ZoneFactory(website=website)
    text = ZoneFactory(website=website, type="text", width=None, height=None)
    paused = ZoneFactory(website=other_website, status="paused")

    def ids(**params):
        return [z["id"] for z in admin_client.get(ZONES, params).json()["data"]]

    assert ids(website_id=website.pk) == [banner.pk, text.pk]
    assert ids(type="text") == [text.pk]
    assert ids(status="paused") == [paused.pk]
    assert ids(publisher_id=other_website.publisher_id) == [paused.pk]
    assert ids(website_id=website.pk, type="banner", status="active") == [banner.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"type": "popup"}, ["query", "type"]),
        ({"status": "deleted"}, ["query", "status"]),
        ({"website_id": "x"}, ["query", "website_id"]),
    ],
)
def test_bad_filters_are_422(admin_client, params, path):
    assert path in error_paths(admin_client.get(ZONES, params))


@pytest.mark.django_db
def test_filter_by_another_publishers_website_is_empty(publisher_client, zone, other_zone):
    response = publisher_client.get(ZONES, {"website_id": other_zone.website_id})
    assert response.json()["data"] == []


@pytest.mark.django_db
def test_pagination(publisher_client, website):
    ZoneFactory.create_batch(3, website=website)
    response = publisher_client.get(ZONES, {"per_page": 2})
    body = response.json()
    assert len(body["data"]) == 2
    assert body["pagination"] == {"page": 1, "per_page": 2, "count": 2, "total": 3, "pages": 2}
    response = publisher_client.get(ZONES, {"per_page": 500})
    assert response.json()["pagination"]["per_page"] == 100


@pytest.mark.django_db
def test_other_publishers_zone_is_404(publisher_client, other_zone):
    assert_error(publisher_client.get(detail(other_zone)), 404)
    assert_error(publisher_client.get(f"{detail(other_zone)}/embed"), 404)
    assert_error(publisher_client.put(detail(other_zone), {"name": "x"}, format="json"), 404)
    assert_error(publisher_client.delete(detail(other_zone)), 404)
    assert Zone.objects.filter(pk=other_zone.pk, name="Other Zone").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["advertiser_client", "partner_client"])
def test_other_roles_are_forbidden(request, client_name, zone, website):
    client = request.getfixturevalue(client_name)
    assert_error(client.get(ZONES), 403)
    assert_error(client.get(detail(zone)), 403)
    assert_error(client.get(f"{detail(zone)}/embed"), 403)
    assert_error(client.post(ZONES, seed_payload(website), format="json"), 403)
    assert_error(client.put(detail(zone), {"name": "x"}, format="json"), 403)
    assert_error(client.delete(detail(zone)), 403)


@pytest.mark.django_db
def test_finance_reads_but_cannot_write(finance_client, zone, website):
    assert finance_client.get(detail(zone)).status_code == 200
    assert finance_client.get(f"{detail(zone)}/embed").status_code == 200
    assert_error(finance_client.post(ZONES, seed_payload(website), format="json"), 403)
    assert_error(finance_client.patch(detail(zone), {"name": "x"}, format="json"), 403)
    assert_error(finance_client.delete(detail(zone)), 403)


@pytest.mark.django_db
def test_anonymous_is_401(api_client, zone):
    assert_error(api_client.get(ZONES), 401)
    assert_error(api_client.get(detail(zone)), 401)
    assert_error(api_client.get(f"{detail(zone)}/embed"), 401)
    assert_error(api_client.post(ZONES, {}, format="json"), 401)
    assert_error(api_client.put(detail(zone), {}, format="json"), 401)
    assert_error(api_client.delete(detail(zone)), 401)


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_creates_zone_from_seed_payload(
    publisher_client, website, django_capture_on_commit_callbacks
):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.post(ZONES, seed_payload(website), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == ZONE_FIELDS
    assert uuid.UUID(data["uuid"])
    assert data["website_id"] == website.pk
    assert data["publisher_id"] == website.publisher_id
    assert (data["type"], data["width"], data["height"]) == ("banner", 728, 90)
    assert data["floor_price"] == "0.00"
    assert data["status"] == "active"
    assert watch.bumped


@pytest.mark.django_db
@pytest.mark.parametrize("zone_type", ["text", "native", "video"])
def test_unsized_types_need_no_size(publisher_client, website, zone_type):
    payload = {"website_id": website.pk, "name": "Z", "type": zone_type, "floor_price": "0.05"}
    response = publisher_client.post(ZONES, payload, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["width"], data["height"], data["floor_price"]) == (None, None, "0.05")


@pytest.mark.django_db
def test_video_zone_with_player_size(publisher_client, website):
    payload = {"website_id": website.pk, "name": "Pre-roll", "type": "video", "width": 640,
               "height": 360, "status": "paused"}  # fmt: skip
    response = publisher_client.post(ZONES, payload, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["status"] == "paused"


@pytest.mark.django_db
def test_zone_under_another_publishers_website_is_404(publisher_client, other_website):
    response = publisher_client.post(ZONES, seed_payload(other_website), format="json")
    assert_error(response, 404)
    assert not Zone.objects.exists()


@pytest.mark.django_db
def test_admin_creates_zone_on_any_website(admin_client, other_website):
    response = admin_client.post(ZONES, seed_payload(other_website), format="json")
    assert response.status_code == 201
    assert response.json()["data"]["website_id"] == other_website.pk


@pytest.mark.django_db
@pytest.mark.parametrize("zone_type", ["banner", "html"])
def test_sized_zone_without_size_is_422(publisher_client, website, zone_type):
    payload = {"website_id": website.pk, "name": "Z", "type": zone_type}
    response = publisher_client.post(ZONES, payload, format="json")
    paths = error_paths(response)
    assert ["body", "width"] in paths
    assert ["body", "height"] in paths
    assert not Zone.objects.exists()


@pytest.mark.django_db
def test_banner_without_width_is_422(publisher_client, website):
    payload = {"website_id": website.pk, "name": "Z", "type": "banner", "height": 90}
    response = publisher_client.post(ZONES, payload, format="json")
    assert error_paths(response) == [["body", "width"]]
    assert response.json()["details"][0]["code"] == "required"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"type": "popup"}, ["body", "type"]),
        ({"type": None}, ["body", "type"]),
        ({"floor_price": "-0.01"}, ["body", "floor_price"]),
        ({"floor_price": "abc"}, ["body", "floor_price"]),
        ({"floor_price": "1.005"}, ["body", "floor_price"]),
        ({"width": 0}, ["body", "width"]),
        ({"width": 4001}, ["body", "width"]),
        ({"height": -90}, ["body", "height"]),
        ({"width": "wide"}, ["body", "width"]),
        ({"status": "deleted"}, ["body", "status"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "z" * 201}, ["body", "name"]),
        ({"website_id": "one"}, ["body", "website_id"]),
        ({"uuid": str(uuid.uuid4())}, ["body", "uuid"]),
    ],
)
def test_create_bad_input_is_422(publisher_client, website, change, path):
    payload = {**seed_payload(website), **change}
    response = publisher_client.post(ZONES, payload, format="json")
    assert path in error_paths(response)
    assert not Zone.objects.exists()


@pytest.mark.django_db
def test_unknown_type_lists_the_options(publisher_client, website):
    response = publisher_client.post(
        ZONES, {**seed_payload(website), "type": "popup"}, format="json"
    )
    entry = response.json()["details"][0]
    assert entry["code"] == "invalid_enum_value"
    assert set(entry["options"]) == {"banner", "text", "native", "html", "video"}


@pytest.mark.django_db
def test_text_zone_with_half_a_size_is_422(publisher_client, website):
    payload = {"website_id": website.pk, "name": "Z", "type": "text", "width": 300}
    assert error_paths(publisher_client.post(ZONES, payload, format="json")) == [["body", "height"]]


# --- Update and delete ----------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_updates_zone(publisher_client, zone, django_capture_on_commit_callbacks):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.put(
            detail(zone), {"status": "paused", "floor_price": "0.75"}, format="json"
        )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["floor_price"]) == ("paused", "0.75")
    assert data["uuid"] == str(zone.uuid)
    assert watch.bumped


@pytest.mark.django_db
def test_patch_changes_size(publisher_client, zone):
    response = publisher_client.patch(detail(zone), {"width": 300, "height": 250}, format="json")
    assert (response.json()["data"]["width"], response.json()["data"]["height"]) == (300, 250)


@pytest.mark.django_db
def test_changing_to_banner_needs_a_size(publisher_client, website):
    text = ZoneFactory(website=website, type="text", width=None, height=None)
    response = publisher_client.put(detail(text), {"type": "banner"}, format="json")
    assert ["body", "width"] in error_paths(response)
    text.refresh_from_db()
    assert text.type == "text"
    response = publisher_client.put(
        detail(text), {"type": "banner", "width": 468, "height": 60}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_clearing_a_banner_size_is_422(publisher_client, zone):
    response = publisher_client.put(detail(zone), {"width": None}, format="json")
    assert error_paths(response) == [["body", "width"]]


@pytest.mark.django_db
def test_update_bad_input_is_422(publisher_client, zone):
    response = publisher_client.put(
        detail(zone), {"floor_price": "-1", "type": "popup"}, format="json"
    )
    paths = error_paths(response)
    assert ["body", "floor_price"] in paths and ["body", "type"] in paths


@pytest.mark.django_db
def test_owner_cannot_move_zone_to_another_publishers_website(
    publisher_client, zone, other_website
):
    response = publisher_client.put(detail(zone), {"website_id": other_website.pk}, format="json")
    assert_error(response, 404)
    zone.refresh_from_db()
    assert zone.website_id != other_website.pk


@pytest.mark.django_db
def test_admin_moves_zone(admin_client, zone, other_website):
    response = admin_client.put(detail(zone), {"website_id": other_website.pk}, format="json")
    data = response.json()["data"]
    assert data["website_id"] == other_website.pk
    assert data["publisher_id"] == other_website.publisher_id


@pytest.mark.django_db
def test_owner_deletes_zone(publisher_client, zone, django_capture_on_commit_callbacks):
    with VersionWatch(django_capture_on_commit_callbacks) as watch:
        response = publisher_client.delete(detail(zone))
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Zone deleted."}
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert watch.bumped


# --- Embed ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_embed_returns_the_three_tags(publisher_client, zone, settings):
    settings.SITE_URL = "https://ads.example.com"
    response = publisher_client.get(f"{detail(zone)}/embed")
    assert response.status_code == 200
    data = response.json()["data"]
    zone_uuid = str(zone.uuid)
    serve = f"https://ads.example.com/api/v1/serve/{zone_uuid}"
    assert data["zone_uuid"] == zone_uuid
    assert data["urls"] == {
        "serve": serve,
        "iframe": f"{serve}/iframe",
        "image": f"{serve}/image",
        "click": f"{serve}/click",
        "script": "https://ads.example.com/static/adtag.js",
    }
    assert data["async_js"] == (
        f'<ins class="adp-zone" data-zone="{zone_uuid}" data-width="728" data-height="90"></ins>'
        '\n<script async src="https://ads.example.com/static/adtag.js"></script>'
    )
    iframe = data["iframe"]
    assert iframe.startswith(f'<iframe src="{serve}/iframe" width="728" height="90"')
    assert 'frameborder="0"' in iframe and 'scrolling="no"' in iframe
    assert 'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in iframe
    assert 'title="Own Zone"' in iframe
    assert data["image"] == (
        f'<a href="{serve}/click" target="_blank" rel="noopener sponsored">'
        f'<img src="{serve}/image" width="728" height="90" alt="Advertisement"></a>'
    )
    for snippet in ("async_js", "iframe", "image"):
        assert zone_uuid in data[snippet]


@pytest.mark.django_db
def test_embed_escapes_zone_name_and_omits_unknown_size(publisher_client, website):
    zone = ZoneFactory(website=website, type="native", width=None, height=None,
                       name='Feed "x" <b>')  # fmt: skip
    data = publisher_client.get(f"{detail(zone)}/embed").json()["data"]
    assert "<b>" not in data["iframe"]
    assert "&lt;b&gt;" in data["iframe"]
    assert "data-width" not in data["async_js"]
    assert "width=" not in data["image"]


@pytest.mark.django_db
def test_embed_of_unknown_zone_is_404(admin_client):
    assert_error(admin_client.get(f"{ZONES}/999999/embed"), 404)
