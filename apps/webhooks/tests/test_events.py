"""Domain events emitted by the real services reach the right webhooks, and only those."""

import json

import pytest

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.tests.factories import AdvertiserFactory
from apps.common.events import domain_event_emit
from apps.inventory import services as inventory_services
from apps.inventory.tests.factories import PublisherFactory
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.tests.conftest import expected_signature
from apps.webhooks.tests.factories import WebhookFactory

CAMPAIGN = {
    "name": "Summer Sale",
    "bid_amount": "1.50",
    "daily_budget": "50.00",
    "start_date": "2026-03-10",
}


def receivers_of(event_type: str) -> set:
    return set(
        WebhookDelivery.objects.filter(event_type=event_type).values_list("webhook_id", flat=True)
    )


@pytest.mark.django_db
def test_campaign_created_through_the_api_reaches_the_receiver(
    advertiser_client, advertiser_user, receiver, django_capture_on_commit_callbacks
):
    AdvertiserFactory(user=advertiser_user)
    subscribed = WebhookFactory(
        owner=advertiser_user, url=receiver.url, events=["campaign.created"]
    )
    WebhookFactory(owner=advertiser_user, url=receiver.url, events=["ad.created"])
    WebhookFactory(owner=advertiser_user, url=receiver.url, is_active=False)
    WebhookFactory(url=receiver.url)  # another account's

    with django_capture_on_commit_callbacks(execute=True):
        response = advertiser_client.post("/api/v1/campaigns", CAMPAIGN, format="json")
    assert response.status_code == 201, response.content

    [request] = receiver.wait_for(1)
    body = json.loads(request.body)
    assert body["type"] == "campaign.created"
    assert body["data"] == response.json()["data"]
    assert request.header("X-AdServerX-Signature") == expected_signature(
        subscribed.secret, request.body
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == subscribed and delivery.status == DeliveryStatus.SUCCEEDED
    assert str(delivery.event.uuid) == body["id"]

    campaign_id = response.json()["data"]["id"]
    subscribed.events = ["campaign.status_changed", "campaign.deleted"]
    subscribed.save()
    with django_capture_on_commit_callbacks(execute=True):
        advertiser_client.put(
            f"/api/v1/campaigns/{campaign_id}", {"status": "active"}, format="json"
        )
        advertiser_client.delete(f"/api/v1/campaigns/{campaign_id}")
    requests = receiver.wait_for(3)
    assert [json.loads(r.body)["type"] for r in requests[1:]] == [
        "campaign.status_changed",
        "campaign.deleted",
    ]
    assert json.loads(requests[1].body)["data"]["to"] == "active"


@pytest.mark.django_db
def test_publisher_events_go_to_the_publisher_and_to_admins(
    admin_user, receiver, django_capture_on_commit_callbacks
):
    publisher = PublisherFactory(status="pending")
    own = WebhookFactory(owner=publisher.user, url=receiver.url, events=["publisher.approved"])
    admin_hook = WebhookFactory(
        owner=admin_user, url=receiver.url, events=["publisher.approved", "fraud.alert"]
    )
    other_admin = UserFactory(role=Role.ADMIN)
    WebhookFactory(owner=other_admin, url=receiver.url, events=["publisher.rejected"])
    WebhookFactory(owner=PublisherFactory().user, url=receiver.url, events=["publisher.approved"])

    with django_capture_on_commit_callbacks(execute=True):
        inventory_services.publisher_approve(publisher=publisher, actor=admin_user)
    assert receivers_of("publisher.approved") == {own.pk, admin_hook.pk}
    assert len(receiver.wait_for(2)) == 2
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2


@pytest.mark.django_db
def test_fraud_alert_goes_to_admins_only(
    admin_user, advertiser_user, receiver, django_capture_on_commit_callbacks
):
    admin_hook = WebhookFactory(owner=admin_user, url=receiver.url, events=["fraud.alert"])
    # A subscription an advertiser could not have made through the API is still not served.
    WebhookFactory(owner=advertiser_user, url=receiver.url, events=["fraud.alert"])
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="fraud.alert", data={"ip": "203.0.113.9"}, owner=None)
        domain_event_emit(event_type="fraud.alert", data={"ip": "1.2.3.4"}, owner=advertiser_user)
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [admin_hook.pk] * 2
    assert len(receiver.wait_for(2)) == 2


@pytest.mark.django_db
def test_account_events_do_not_reach_admins(
    admin_user, advertiser_user, receiver, django_capture_on_commit_callbacks
):
    WebhookFactory(owner=admin_user, url=receiver.url, events=["campaign.created"])
    mine = WebhookFactory(owner=advertiser_user, url=receiver.url, events=["campaign.created"])
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
        domain_event_emit(event_type="campaign.created", data={}, owner=None)
    assert receivers_of("campaign.created") == {mine.pk}


@pytest.mark.django_db
def test_webhook_test_goes_only_to_the_named_webhook_of_its_owner(
    advertiser_user, receiver, django_capture_on_commit_callbacks
):
    named = WebhookFactory(owner=advertiser_user, url=receiver.url, events=["campaign.created"])
    WebhookFactory(owner=advertiser_user, url=receiver.url, events=["webhook.test"])
    foreign = WebhookFactory(url=receiver.url, events=["webhook.test"])
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(
            event_type="webhook.test", data={"webhook_uuid": str(named.uuid)}, owner=advertiser_user
        )
        domain_event_emit(
            event_type="webhook.test",
            data={"webhook_uuid": str(foreign.uuid)},
            owner=advertiser_user,
        )
        domain_event_emit(
            event_type="webhook.test", data={"webhook_uuid": "nonsense"}, owner=advertiser_user
        )
    assert receivers_of("webhook.test") == {named.pk}
    assert len(receiver.wait_for(1)) == 1


@pytest.mark.django_db
def test_webhooks_of_deleted_users_receive_nothing(
    advertiser_user, receiver, django_capture_on_commit_callbacks
):
    WebhookFactory(owner=advertiser_user, url=receiver.url)
    advertiser_user.is_active = False
    advertiser_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    assert not WebhookDelivery.objects.exists()
