"""The conversion goals API."""

import pytest
from django.conf import settings

from apps.campaigns.models import ConversionGoal
from apps.campaigns.tests.conftest import assert_error
from apps.campaigns.tests.factories import (
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)

URL = "/api/v1/conversion-goals"
PAYLOAD = {"name": "Purchase", "type": "sale", "default_value": "25.00"}


def detail(goal_id) -> str:
    return f"{URL}/{goal_id}"


@pytest.mark.django_db
def test_create_with_defaults(advertiser_client, advertiser):
    response = advertiser_client.post(URL, {"name": "Signup"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["advertiser_id"] == advertiser.pk
    assert data["campaign_id"] is None
    assert data["type"] == "sale"
    assert data["default_value"] == "0.00"
    assert data["attribution_window_days"] == 30
    assert data["is_active"] is True
    assert data["uuid"]
    assert data["pixel_url"] == (
        f"{settings.SITE_URL}/api/v1/track/conversion/pixel"
        f"?goal={data['uuid']}&click={{click_uuid}}"
    )


@pytest.mark.django_db
def test_create_for_own_campaign(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    payload = {**PAYLOAD, "campaign_id": campaign.pk, "attribution_window_days": 7}
    data = advertiser_client.post(URL, payload, format="json").json()["data"]
    assert data["campaign_id"] == campaign.pk
    assert data["attribution_window_days"] == 7
    assert data["default_value"] == "25.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"attribution_window_days": 0}, ["body", "attribution_window_days"]),
        ({"attribution_window_days": 91}, ["body", "attribution_window_days"]),
        ({"default_value": "-1.00"}, ["body", "default_value"]),
        ({"default_value": "lots"}, ["body", "default_value"]),
        ({"type": "click"}, ["body", "type"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "n" * 201}, ["body", "name"]),
        ({"uuid": "x"}, ["body", "uuid"]),
    ],
)
def test_create_validation(advertiser_client, advertiser, change, path):
    response = advertiser_client.post(URL, {**PAYLOAD, **change}, format="json")
    assert_error(response, 422, "validation_failed", path)
    assert not ConversionGoal.objects.exists()


@pytest.mark.django_db
def test_other_advertisers_campaign_is_404(advertiser_client, advertiser, other_advertiser):
    theirs = CampaignFactory(advertiser=other_advertiser)
    response = advertiser_client.post(URL, {**PAYLOAD, "campaign_id": theirs.pk}, format="json")
    assert_error(response, 404, path=["body", "campaign_id"])
    other = advertiser_client.post(
        URL, {**PAYLOAD, "advertiser_id": other_advertiser.pk}, format="json"
    )
    assert_error(other, 404, path=["body", "advertiser_id"])


@pytest.mark.django_db
def test_admin_names_advertiser_or_campaign(admin_client):
    assert_error(
        admin_client.post(URL, PAYLOAD, format="json"), 422, path=["body", "advertiser_id"]
    )
    target = AdvertiserFactory()
    by_id = admin_client.post(URL, {**PAYLOAD, "advertiser_id": target.pk}, format="json")
    assert by_id.json()["data"]["advertiser_id"] == target.pk
    campaign = CampaignFactory()
    by_campaign = admin_client.post(URL, {**PAYLOAD, "campaign_id": campaign.pk}, format="json")
    assert by_campaign.status_code == 201
    assert by_campaign.json()["data"]["advertiser_id"] == campaign.advertiser_id
    mismatch = admin_client.post(
        URL, {**PAYLOAD, "campaign_id": campaign.pk, "advertiser_id": target.pk}, format="json"
    )
    assert_error(mismatch, 404, path=["body", "campaign_id"])


@pytest.mark.django_db
def test_list_scoped_filtered_paginated(advertiser_client, advertiser):
    campaign = CampaignFactory(advertiser=advertiser)
    linked = ConversionGoalFactory(advertiser=advertiser, campaign=campaign)
    lead = ConversionGoalFactory(advertiser=advertiser, type="lead", is_active=False)
    ConversionGoalFactory()  # someone else's
    ConversionGoalFactory(advertiser=advertiser, deleted_at="2026-01-01T00:00:00Z")

    def ids(**params):
        return {g["id"] for g in advertiser_client.get(URL, params).json()["data"]}

    assert ids() == {linked.pk, lead.pk}
    assert ids(campaign_id=campaign.pk) == {linked.pk}
    assert ids(type="lead") == {lead.pk}
    assert ids(is_active="false") == {lead.pk}
    page = advertiser_client.get(URL, {"per_page": 1}).json()["pagination"]
    assert page == {"page": 1, "per_page": 1, "count": 1, "total": 2, "pages": 2}
    assert_error(advertiser_client.get(URL, {"type": "x"}), 422, path=["query", "type"])


@pytest.mark.django_db
def test_retrieve_update_delete(advertiser_client, other_client, advertiser):
    goal = ConversionGoalFactory(advertiser=advertiser)
    assert advertiser_client.get(detail(goal.pk)).json()["data"]["uuid"] == str(goal.uuid)
    assert_error(other_client.get(detail(goal.pk)), 404)
    assert_error(other_client.patch(detail(goal.pk), {"name": "x"}, format="json"), 404)
    assert_error(other_client.delete(detail(goal.pk)), 404)

    campaign = CampaignFactory(advertiser=advertiser)
    updated = advertiser_client.put(
        detail(goal.pk),
        {"name": "Lead form", "type": "lead", "campaign_id": campaign.pk, "is_active": False},
        format="json",
    ).json()["data"]
    assert updated["name"] == "Lead form" and updated["type"] == "lead"
    assert updated["campaign_id"] == campaign.pk and updated["is_active"] is False
    assert updated["default_value"] == "25.00"
    unlinked = advertiser_client.patch(detail(goal.pk), {"campaign_id": None}, format="json")
    assert unlinked.json()["data"]["campaign_id"] is None
    bad = advertiser_client.patch(detail(goal.pk), {"attribution_window_days": 100}, format="json")
    assert_error(bad, 422, path=["body", "attribution_window_days"])

    assert advertiser_client.delete(detail(goal.pk)).status_code == 200
    assert_error(advertiser_client.get(detail(goal.pk)), 404)
    goal.refresh_from_db()
    assert goal.deleted_at is not None


@pytest.mark.django_db
def test_update_other_campaign_is_404(advertiser_client, advertiser, other_advertiser):
    goal = ConversionGoalFactory(advertiser=advertiser)
    theirs = CampaignFactory(advertiser=other_advertiser)
    response = advertiser_client.patch(detail(goal.pk), {"campaign_id": theirs.pk}, format="json")
    assert_error(response, 404, path=["body", "campaign_id"])
    moved = advertiser_client.patch(
        detail(goal.pk), {"advertiser_id": other_advertiser.pk}, format="json"
    )
    assert_error(moved, 422, path=["body", "advertiser_id"])


@pytest.mark.django_db
def test_roles(api_client, publisher_client, finance_client, partner_client, partner_user):
    goal = ConversionGoalFactory()
    for response in (api_client.get(URL), api_client.get(detail(goal.pk))):
        assert_error(response, 401)
    for response in (
        publisher_client.get(URL),
        publisher_client.post(URL, PAYLOAD, format="json"),
        publisher_client.get(detail(goal.pk)),
    ):
        assert_error(response, 403)
    assert finance_client.get(detail(goal.pk)).status_code == 200
    assert_error(finance_client.patch(detail(goal.pk), {"name": "x"}, format="json"), 403)
    assert_error(finance_client.delete(detail(goal.pk)), 403)

    assert_error(partner_client.get(detail(goal.pk)), 404)
    goal.advertiser.managers.add(partner_user)
    assert partner_client.get(detail(goal.pk)).status_code == 200
    created = partner_client.post(
        URL, {**PAYLOAD, "advertiser_id": goal.advertiser_id}, format="json"
    )
    assert created.status_code == 201
