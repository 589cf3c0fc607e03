"""The demo publisher page (``/demo/``), without a browser: what it places and how."""

import io

import pytest
from django.core.management import call_command

from apps.inventory.embed import zone_embed
from apps.inventory.models import Zone

pytestmark = pytest.mark.django_db


def test_without_demo_data_the_page_says_how_to_load_it(client):
    response = client.get("/demo/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No demo inventory yet" in html
    assert "make run" in html and "manage.py demo_data" in html
    assert "adtag.js" not in html


def test_with_demo_data_every_zone_uses_the_published_embed_code(client, settings):
    settings.SITE_URL = "http://ads.example.test"
    call_command("demo_data", stdout=io.StringIO())
    response = client.get("/demo/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()

    zones = list(Zone.objects.filter(website__publisher__user__email="publisher@demo.local"))
    assert {zone.name for zone in zones} == {
        "Leaderboard",
        "Sidebar",
        "Text links",
        "Native feed",
        "Pre-roll",
    }
    for zone in zones:
        embed = zone_embed(zone=zone)
        ins = embed["async_js"].split("\n", 1)[0]
        assert html.count(ins) == 1, zone.name
    by_name = {zone.name: zone_embed(zone=zone) for zone in zones}
    assert by_name["Sidebar"]["iframe"] in html
    assert by_name["Leaderboard"]["image"] in html
    # The async loader is included once for all the slots.
    assert html.count('<script async src="/static/adtag.js"></script>') == 1


def test_paused_and_other_publishers_zones_are_not_placed(client, publisher_user):
    from apps.inventory import services

    call_command("demo_data", stdout=io.StringIO())
    Zone.objects.filter(name="Pre-roll").update(status="paused")
    other = services.website_create(
        publisher=services.publisher_create_for_signup(user=publisher_user),
        name="Elsewhere",
        url="https://elsewhere.example",
    )
    stranger = services.zone_create(website=other, name="Stranger", type="text")
    html = client.get("/demo/").content.decode()
    paused = Zone.objects.get(name="Pre-roll")
    assert str(paused.uuid) not in html
    assert str(stranger.uuid) not in html
