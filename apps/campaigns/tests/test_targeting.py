"""Targeting: shape, normal form and the 422 paths the API answers."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from apps.campaigns.targeting import (
    targeting_clean,
    targeting_default,
    targeting_normalise,
    validate_targeting,
)
from apps.campaigns.tests.conftest import assert_error
from apps.campaigns.tests.factories import CampaignFactory

URL = "/api/v1/campaigns"
SEED = {"name": "Targeted", "bid_amount": "1.50", "start_date": "2026-03-10"}


def test_default_has_every_key_empty():
    assert targeting_default() == {
        "countries": [],
        "regions": [],
        "devices": [],
        "browsers": [],
        "os": [],
        "days": [],
        "hours": [],
        "websites": {"include": [], "exclude": []},
        "zones": {"include": [], "exclude": []},
        "categories": [],
        "segments": {"include": [], "exclude": []},
    }


@pytest.mark.parametrize("value", [None, {}])
def test_empty_is_no_restriction(value):
    assert targeting_clean(value) == targeting_default()


def test_clean_normalises():
    value = targeting_clean(
        {
            "countries": ["us", "US", "de"],
            "regions": ["us-ca"],
            "devices": ["Mobile"],
            "browsers": ["Chrome", "firefox"],
            "os": ["ANDROID"],
            "days": [6, 0, 6],
            "hours": [23, "8"],
            "websites": {"include": [3, 3, 1]},
            "zones": {"exclude": [9]},
            "categories": ["news", "sports-cars"],
        }
    )
    assert value == {
        "countries": ["US", "DE"],
        "regions": ["US-CA"],
        "devices": ["mobile"],
        "browsers": ["chrome", "firefox"],
        "os": ["android"],
        "days": [0, 6],
        "hours": [8, 23],
        "websites": {"include": [3, 1], "exclude": []},
        "zones": {"include": [], "exclude": [9]},
        "categories": ["news", "sports-cars"],
        "segments": {"include": [], "exclude": []},
    }
    assert targeting_clean(value) == value  # idempotent


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"countries": ["XX"]}, ["countries", 0]),
        ({"countries": ["USA"]}, ["countries", 0]),
        ({"countries": "US"}, ["countries"]),
        ({"regions": ["California"]}, ["regions", 0]),
        ({"regions": ["ZZ-CA"]}, ["regions", 0]),
        ({"devices": ["watch"]}, ["devices", 0]),
        ({"browsers": ["chrome", "netscape"]}, ["browsers", 1]),
        ({"os": ["beos"]}, ["os", 0]),
        ({"days": [7]}, ["days", 0]),
        ({"days": [-1]}, ["days", 0]),
        ({"days": [True]}, ["days", 0]),
        ({"hours": [0, 24]}, ["hours", 1]),
        ({"websites": {"include": [0]}}, ["websites", "include", 0]),
        ({"websites": {"only": [1]}}, ["websites", "only"]),
        ({"websites": [1, 2]}, ["websites"]),
        ({"zones": {"exclude": ["a"]}}, ["zones", "exclude", 0]),
        ({"categories": ["Not a slug"]}, ["categories", 0]),
        ({"segments": [1]}, ["segments"]),
    ],
)
def test_refused_values(value, path):
    with pytest.raises(ValidationError) as caught:
        targeting_clean(value)
    detail = caught.value.detail
    for key in path[:-1]:
        detail = detail[key]
    assert path[-1] in detail


def test_not_an_object():
    with pytest.raises(ValidationError):
        targeting_clean(["US"])


def test_normalise_fills_missing_keys():
    assert targeting_normalise({"countries": ["US"]})["zones"] == {"include": [], "exclude": []}


def test_model_validator():
    validate_targeting(targeting_default())
    with pytest.raises(DjangoValidationError) as caught:
        validate_targeting({"countries": ["XX"]})
    assert "countries" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("targeting", "path"),
    [
        ({"countries": ["US", "XX"]}, ["body", "targeting", "countries", 1]),
        ({"regions": ["US-"]}, ["body", "targeting", "regions", 0]),
        ({"devices": ["phone"]}, ["body", "targeting", "devices", 0]),
        ({"hours": [25]}, ["body", "targeting", "hours", 0]),
        ({"zones": {"include": [-4]}}, ["body", "targeting", "zones", "include", 0]),
        ({"unknown": []}, ["body", "targeting", "unknown"]),
        ("US", ["body", "targeting"]),
    ],
)
def test_api_paths(advertiser_client, advertiser, targeting, path):
    response = advertiser_client.post(URL, {**SEED, "targeting": targeting}, format="json")
    assert_error(response, 422, "validation_failed", path)


@pytest.mark.django_db
def test_api_stores_normal_form(advertiser_client, advertiser):
    response = advertiser_client.post(
        URL, {**SEED, "targeting": {"countries": ["gb"], "days": [5, 1]}}, format="json"
    )
    targeting = response.json()["data"]["targeting"]
    assert targeting["countries"] == ["GB"]
    assert targeting["days"] == [1, 5]
    assert targeting["regions"] == [] and targeting["websites"] == {"include": [], "exclude": []}


@pytest.mark.django_db
def test_api_update_replaces_targeting(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    url = f"{URL}/{campaign.pk}"
    advertiser_client.patch(url, {"targeting": {"devices": ["tablet"]}}, format="json")
    response = advertiser_client.patch(url, {"targeting": {"os": ["ios"]}}, format="json")
    targeting = response.json()["data"]["targeting"]
    assert targeting["os"] == ["ios"] and targeting["devices"] == []
    cleared = advertiser_client.patch(url, {"targeting": None}, format="json")
    assert cleared.json()["data"]["targeting"] == targeting_default()
