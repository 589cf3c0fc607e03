"""Django admin for webhooks and deliveries: lists, filters, no secret, resend."""

import pytest
from django.test import Client

from apps.common.events import domain_event_emit
from apps.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from apps.webhooks.tests.conftest import Reply
from apps.webhooks.tests.factories import WebhookFactory

HOOKS = "/admin/webhooks/webhook/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def failed_delivery(advertiser_user, receiver, django_capture_on_commit_callbacks):
    webhook = WebhookFactory(owner=advertiser_user, url=receiver.url, name="Findable hook")
    receiver.reply(Reply(status=400))
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={"x": 1}, owner=advertiser_user)
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


@pytest.mark.django_db
def test_pages_load_and_never_show_the_secret(admin_web, failed_delivery):
    webhook = failed_delivery.webhook
    WebhookFactory(name="Other hook")
    pages = [
        HOOKS,
        f"{HOOKS}?q=Findable",
        f"{HOOKS}?is_active__exact=1",
        f"{HOOKS}?owner__role__exact=2",
        f"{HOOKS}{webhook.pk}/change/",
        DELIVERIES,
        f"{DELIVERIES}?status__exact=failed",
        f"{DELIVERIES}?event_type__exact=campaign.created",
        f"{DELIVERIES}?q={failed_delivery.uuid}",
        f"{DELIVERIES}{failed_delivery.pk}/change/",
    ]
    for page in pages:
        response = admin_web.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert webhook.secret not in html and "whsec_" not in html, page
    assert "Other hook" not in admin_web.get(f"{HOOKS}?q=Findable").content.decode()
    change = admin_web.get(f"{DELIVERIES}{failed_delivery.pk}/change/").content.decode()
    assert "HTTP 400" in change  # the attempt inline


@pytest.mark.django_db
def test_no_add_pages(admin_web):
    assert admin_web.get(f"{HOOKS}add/").status_code == 403
    assert admin_web.get(f"{DELIVERIES}add/").status_code == 403


@pytest.mark.django_db
def test_resend_action(admin_web, failed_delivery, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            DELIVERIES, {"action": "resend", "_selected_action": [failed_delivery.pk]}
        )
    assert response.status_code == 302
    copy = WebhookDelivery.objects.get(redelivery_of=failed_delivery)
    assert copy.status == DeliveryStatus.SUCCEEDED
    first, second = receiver.wait_for(2)
    assert first.body == second.body


@pytest.mark.django_db
def test_webhook_actions_and_edit(admin_web, failed_delivery, receiver):
    webhook = failed_delivery.webhook
    admin_web.post(HOOKS, {"action": "deactivate", "_selected_action": [webhook.pk]})
    assert Webhook.objects.get().is_active is False
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=7)
    admin_web.post(HOOKS, {"action": "activate", "_selected_action": [webhook.pk]})
    webhook.refresh_from_db()
    assert webhook.is_active and webhook.consecutive_failures == 0
    secret = webhook.secret
    response = admin_web.post(f"{HOOKS}{webhook.pk}/change/", {"name": "Renamed", "is_active": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    webhook.refresh_from_db()
    assert webhook.name == "Renamed" and webhook.is_active is False
    assert webhook.secret == secret
