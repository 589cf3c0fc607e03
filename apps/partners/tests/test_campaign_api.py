"""``POST /api/campaign`` (seed 002): create or resolve a client's campaign."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.campaigns.models import Ad, Campaign
from apps.partners.models import PartnerIntake
from apps.partners.tests.conftest import partner_token
from conftest import client_for

pytestmark = pytest.mark.django_db

MATERIAL = [
    "https://cdn.example.com/summer_728x90.png",
    "https://cdn.example.com/square.jpg",
    "https://cdn.example.com/spot.mp4",
]


def body(**source):
    base = {
        "material": MATERIAL,
        "name": "Summer sale",
        "reference_id": "order-8812",
        "target_url": "https://shop.example.com/summer",
    }
    return {"source": {**base, **source}}


def url(advertiser) -> str:
    return f"/api/clients/{advertiser.client_slug}/campaign"


def test_new_reference_makes_a_draft_with_draft_creatives(partner_api, client_advertiser):
    response = partner_api.post(url(client_advertiser), body(system="crm"), format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"ad_creation_link", "campaign_id"}
    campaign = Campaign.objects.get()
    intake = PartnerIntake.objects.get()
    assert answer["campaign_id"] == str(intake.public_id) != str(campaign.pk)
    uuid.UUID(answer["campaign_id"])
    assert answer["ad_creation_link"] == (
        f"http://testserver/advertiser/campaigns/{campaign.pk}/finish/"
    )
    assert campaign.status == "draft"
    assert campaign.advertiser == client_advertiser
    assert campaign.source == body(system="crm")["source"]  # kept whole
    assert campaign.source_reference_id == "order-8812"
    ads = list(Ad.objects.order_by("id"))
    assert [(a.type, a.width, a.height, a.status) for a in ads] == [
        ("banner", 728, 90, "paused"),
        ("banner", 300, 250, "paused"),
        ("video", None, None, "paused"),
    ]
    assert ads[0].image_url == MATERIAL[0]
    assert ads[2].video_url == MATERIAL[2] and ads[2].video_mime == "video/mp4"
    assert {a.destination_url for a in ads} == {"https://shop.example.com/summer"}
    assert intake.ad_ids == [a.pk for a in ads]


def test_same_reference_resolves_to_the_campaign_link(partner_api, client_advertiser):
    assert partner_api.post(url(client_advertiser), body(), format="json").status_code == 201
    response = partner_api.post(url(client_advertiser), body(name="Other name"), format="json")
    assert response.status_code == 200
    campaign = Campaign.objects.get()
    assert response.json() == {
        "campaign_link": f"http://testserver/advertiser/campaigns/{campaign.pk}/"
    }
    assert Ad.objects.count() == 3


def test_reference_is_per_client(partner, partner_api, client_advertiser):
    from apps.campaigns.tests.factories import AdvertiserFactory

    second = AdvertiserFactory(company="Second Client")
    second.managers.add(partner)
    assert partner_api.post(url(client_advertiser), body(), format="json").status_code == 201
    assert partner_api.post(url(second), body(), format="json").status_code == 201
    assert Campaign.objects.count() == 2


def test_no_usable_material_answers_a_campaign_link(partner_api, client_advertiser):
    response = partner_api.post(
        url(client_advertiser),
        body(material=["https://example.com/landing-page", "https://example.com/doc.pdf"]),
        format="json",
    )
    assert response.status_code == 201
    campaign = Campaign.objects.get()
    assert response.json() == {
        "campaign_link": f"http://testserver/advertiser/campaigns/{campaign.pk}/finish/"
    }
    assert not Ad.objects.exists()
    assert PartnerIntake.objects.get().unusable_material == [
        "https://example.com/landing-page",
        "https://example.com/doc.pdf",
    ]


@override_settings(
    PARTNER_BASE_DOMAIN="partners.test",
    ALLOWED_HOSTS=["testserver", ".partners.test"],
    SITE_URL="https://ads.example.com",
)
def test_client_chosen_by_host(partner_api, client_advertiser, other_client_advertiser):
    host = f"{client_advertiser.client_slug}.partners.test"
    response = partner_api.post("/api/campaign", body(), format="json", HTTP_HOST=host)
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get()
    assert campaign.advertiser == client_advertiser
    assert response.json()["ad_creation_link"] == (
        f"https://ads.example.com/advertiser/campaigns/{campaign.pk}/finish/"
    )
    other_host = f"{other_client_advertiser.client_slug}.partners.test:8443"
    response = partner_api.post("/api/campaign", body(), format="json", HTTP_HOST=other_host)
    assert response.status_code == 404
    assert response.json()["error"] == "Client not found"


def test_without_a_client_a_partner_with_one_client_uses_it(partner, partner_api):
    from apps.campaigns.tests.factories import AdvertiserFactory

    response = partner_api.post("/api/campaign", body(), format="json")
    assert response.status_code == 400  # no client granted at all
    first = AdvertiserFactory(company="Only One")
    first.managers.add(partner)
    assert partner_api.post("/api/campaign", body(), format="json").status_code == 201
    assert Campaign.objects.get().advertiser == first
    AdvertiserFactory(company="Now Two").managers.add(partner)
    response = partner_api.post("/api/campaign", body(reference_id="x2"), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "client_required"


# --- Who may call it ----------------------------------------------------------------------


def test_other_partners_client_and_unknown_slug_are_404(partner_api, other_client_advertiser):
    for path in (url(other_client_advertiser), "/api/clients/no-such-client/campaign"):
        response = partner_api.post(path, body(), format="json")
        assert response.status_code == 404
        assert response.json()["error"] == "Client not found"
    assert not Campaign.objects.exists()


def test_advertiser_token_is_403(client_advertiser):
    advertiser_client = client_for(client_advertiser.user)
    response = advertiser_client.post(url(client_advertiser), body(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer ak_live_nope", "Basic abc"])
def test_missing_or_invalid_token_is_401(client_advertiser, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post(url(client_advertiser), body(), format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized - Invalid or expired token"


def test_expired_token_is_401(partner, client_advertiser):
    token = AccessToken.for_user(partner)
    token.set_exp(lifetime=-timedelta(seconds=5))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(url(client_advertiser), body(), format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized - Invalid or expired token"


def test_partner_api_key_works_too(partner, client_advertiser):
    response = client_for(partner).post(url(client_advertiser), body(), format="json")
    assert response.status_code == 201


# --- Bad input ----------------------------------------------------------------------------


def test_missing_reference_id_answers_the_seed_error(partner_api, client_advertiser):
    source = body()["source"]
    del source["reference_id"]
    response = partner_api.post(url(client_advertiser), {"source": source}, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "Missing required field: source.reference_id"
    assert answer["details"] == [
        {
            "path": ["source", "reference_id"],
            "code": "required",
            "message": "Reference ID is required",
        }
    ]


def test_every_missing_field_is_named(partner_api, client_advertiser):
    response = partner_api.post(url(client_advertiser), {"source": {}}, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"].startswith("Missing required fields: source.material, source.name")
    assert [d["path"] for d in answer["details"]] == [
        ["source", "material"],
        ["source", "name"],
        ["source", "reference_id"],
        ["source", "target_url"],
    ]
    response = partner_api.post(url(client_advertiser), {}, format="json")
    assert response.json()["error"] == "Missing required field: source"


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ({"material": []}, ["source", "material"]),
        ({"material": "https://cdn.example.com/a.png"}, ["source", "material"]),
        ({"material": ["https://cdn.example.com/a.png", "not a uri"]}, ["source", "material", 1]),
        ({"material": ["ftp://cdn.example.com/a.png"]}, ["source", "material", 0]),
        ({"material": [42]}, ["source", "material", 0]),
        ({"target_url": "javascript:alert(1)"}, ["source", "target_url"]),
        ({"target_url": "shop.example.com"}, ["source", "target_url"]),
        ({"name": "ab"}, ["source", "name"]),
        ({"name": ["x"]}, ["source", "name"]),
        ({"reference_id": True}, ["source", "reference_id"]),
        ({"reference_id": "r" * 201}, ["source", "reference_id"]),
    ],
)
def test_invalid_fields_are_400_with_their_path(partner_api, client_advertiser, source, path):
    response = partner_api.post(url(client_advertiser), body(**source), format="json")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["error"].startswith("Invalid field: ")
    assert path in [d["path"] for d in answer["details"]]
    assert not Campaign.objects.exists() and not Ad.objects.exists()


@pytest.mark.parametrize(
    "raw", [b"{not json", b'"just a string"', b"[1, 2]", b'{"source": "text"}']
)
def test_malformed_bodies_are_400(partner_api, client_advertiser, raw):
    response = partner_api.post(url(client_advertiser), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] in ("Invalid request body", "Invalid field: source")
    assert not Campaign.objects.exists()


def test_get_is_405_in_json(partner_api, client_advertiser):
    response = partner_api.get(url(client_advertiser))
    assert response.status_code == 405
    assert response.json()["error"]


# --- Concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent)")
def test_concurrent_identical_requests_make_one_campaign(credential_pair, client_advertiser):
    token = partner_token(credential_pair)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    lock = threading.Lock()

    def call():
        from django.db import connections

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            response = client.post(url(client_advertiser), body(), format="json")
            with lock:
                statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * (threads_count - 1) + [201]
    assert Campaign.objects.count() == 1
    assert PartnerIntake.objects.count() == 1
    assert Ad.objects.count() == len(MATERIAL)


def test_django_errors_become_partner_errors():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from apps.partners.api import partner_exception_handler

    for exc, status in ((Http404(), 404), (PermissionDenied(), 403)):
        response = partner_exception_handler(exc, {})
        assert response.status_code == status and response.data["error"]
    assert partner_exception_handler(RuntimeError("boom"), {}) is None  # → trace-free 500
