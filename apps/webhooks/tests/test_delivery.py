"""Delivery against a real loopback receiver: signature, retries and backoff, timeouts,
idempotency and the failure streak."""

import json
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.common.events import domain_event_emit
from apps.webhooks import sender, services, tasks
from apps.webhooks.models import (
    AttemptOutcome,
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from apps.webhooks.tests.conftest import Reply, expected_signature
from apps.webhooks.tests.factories import WebhookFactory
from conftest import client_for

DELAYS = (60, 300, 900, 2400)


@pytest.fixture
def hook(receiver, advertiser_user):
    return WebhookFactory(
        owner=advertiser_user, url=receiver.url, events=["campaign.created", "ad.created"]
    )


@pytest.fixture
def emit(django_capture_on_commit_callbacks, advertiser_user):
    """Emit a domain event and run what happens after commit (fan-out and first attempt)."""

    def _emit(event_type="campaign.created", data=None, owner=advertiser_user):
        with django_capture_on_commit_callbacks(execute=True):
            return domain_event_emit(
                event_type=event_type,
                data=data or {"campaign_id": 7, "name": "Summer"},
                owner=owner,
            )

    return _emit


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_retry_at=timezone.now() - timedelta(seconds=1)
    )


def run_retry_due(capture) -> int:
    with capture(execute=True):
        return tasks.retry_due()


@pytest.mark.django_db
def test_signed_body_and_headers_byte_for_byte(hook, receiver, emit):
    event = emit(data={"campaign_id": 7, "name": "Été €"})
    [request] = receiver.wait_for(1)
    assert request.path == "/hook"
    # The signature is the HMAC of exactly the bytes that arrived.
    assert request.header("X-AdServerX-Signature") == expected_signature(hook.secret, request.body)
    assert request.header("Content-Type") == "application/json"
    assert request.header("User-Agent").startswith("AdServerX-Webhooks/")
    assert request.header("X-AdServerX-Event") == "campaign.created"
    delivery = WebhookDelivery.objects.get()
    assert request.header("X-AdServerX-Delivery") == str(delivery.uuid)
    assert abs(int(request.header("X-AdServerX-Timestamp")) - time.time()) < 60
    body = json.loads(request.body)
    assert body == {
        "id": str(event.uuid),
        "type": "campaign.created",
        "created_at": body["created_at"],
        "data": {"campaign_id": 7, "name": "Été €"},
    }
    assert body["created_at"].endswith("Z")
    assert request.body == delivery.payload.encode()
    assert "whsec_" not in request.body.decode()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1 and delivery.status_code == 200
    assert delivery.delivered_at is not None and delivery.next_retry_at is None
    [attempt] = delivery.attempt_log.all()
    assert attempt.outcome == AttemptOutcome.SUCCEEDED and attempt.response_body == "ok"


@pytest.mark.django_db
def test_a_wrong_secret_does_not_verify(hook, receiver, emit):
    emit()
    [request] = receiver.wait_for(1)
    assert request.header("X-AdServerX-Signature") != expected_signature(
        "whsec_other", request.body
    )
    tampered = request.body.replace(b"Summer", b"Winter")
    assert request.header("X-AdServerX-Signature") != expected_signature(hook.secret, tampered)


@pytest.mark.django_db
def test_retries_with_backoff_on_500_until_exhausted(
    hook, receiver, emit, django_capture_on_commit_callbacks
):
    receiver.default = Reply(status=500, body=b"down")
    event = emit()
    delivery = WebhookDelivery.objects.get()
    before = timezone.now()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts == 1 and delivery.status_code == 500
    assert delivery.error == "HTTP 500"
    assert before + timedelta(seconds=55) < delivery.next_retry_at < before + timedelta(seconds=65)
    assert len(receiver.requests) == 1

    # Not due yet: the sweep and a duplicate task message both leave it alone.
    assert run_retry_due(django_capture_on_commit_callbacks) == 0
    tasks.deliver(delivery.pk)
    assert len(receiver.requests) == 1

    for number, delay in enumerate(DELAYS[1:], start=2):
        make_due(delivery)
        assert run_retry_due(django_capture_on_commit_callbacks) == 1
        delivery.refresh_from_db()
        assert delivery.attempts == number and delivery.status == DeliveryStatus.RETRYING
        now = timezone.now()
        expected = now + timedelta(seconds=delay)
        assert abs((delivery.next_retry_at - expected).total_seconds()) < 5
    make_due(delivery)
    run_retry_due(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 5 and delivery.next_retry_at is None
    requests = receiver.wait_for(5)
    assert len(requests) == 5
    # Every retry is the same event, the same bytes and the same delivery id.
    assert {r.body for r in requests} == {requests[0].body}
    assert {json.loads(r.body)["id"] for r in requests} == {str(event.uuid)}
    assert {r.header("X-AdServerX-Delivery") for r in requests} == {str(delivery.uuid)}
    attempts = list(delivery.attempt_log.order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3, 4, 5]
    assert [a.outcome for a in attempts] == ["retry"] * 4 + ["failed"]
    assert [a.status_code for a in attempts] == [500] * 5
    assert all(a.next_retry_at for a in attempts[:4]) and attempts[4].next_retry_at is None
    assert Webhook.objects.get().consecutive_failures == 1
    # Exhausted: nothing sends it again.
    make_due(delivery)
    assert run_retry_due(django_capture_on_commit_callbacks) == 0
    tasks.deliver(delivery.pk)
    assert len(receiver.requests) == 5


@pytest.mark.django_db
def test_a_retry_that_succeeds(hook, receiver, emit, django_capture_on_commit_callbacks):
    receiver.reply(Reply(status=502), Reply(status=200, body=b"thanks"))
    emit()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    make_due(delivery)
    run_retry_due(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    assert delivery.error == "" and delivery.next_retry_at is None
    assert len(receiver.requests) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_no_retry_on_4xx(hook, receiver, emit, status):
    receiver.default = Reply(status=status, body=b"no thanks")
    emit()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1 and delivery.next_retry_at is None
    assert delivery.status_code == status
    assert delivery.attempt_log.get().response_body == "no thanks"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [408, 429, 500, 503, 504])
def test_retry_on_408_429_and_5xx(hook, receiver, emit, status):
    receiver.default = Reply(status=status)
    emit()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.next_retry_at


@pytest.mark.django_db
def test_retry_after_is_honoured_up_to_an_hour(hook, receiver, emit):
    receiver.default = Reply(status=429, headers={"Retry-After": "600"})
    emit()
    delivery = WebhookDelivery.objects.get()
    seconds = (delivery.next_retry_at - timezone.now()).total_seconds()
    assert 590 < seconds <= 600


@pytest.mark.django_db
def test_redirects_are_not_followed(hook, receiver, emit):
    receiver.default = Reply(status=302, headers={"Location": "http://169.254.169.254/latest"})
    emit()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.status_code == 302
    assert "redirect" in delivery.error
    assert len(receiver.requests) == 1


@pytest.mark.django_db
@override_settings(WEBHOOK_TIMEOUT_SECONDS=0.5)
def test_a_hanging_receiver_times_out(hook, receiver, emit):
    receiver.default = Reply(delay=3)
    started = time.monotonic()
    emit()
    elapsed = time.monotonic() - started
    assert elapsed < 2, elapsed
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.status_code is None
    assert "Timed out" in delivery.error
    assert 400 <= delivery.duration_ms < 2000


@pytest.mark.django_db
@override_settings(WEBHOOK_TIMEOUT_SECONDS=1)
def test_garbage_answer_is_a_retried_failure(hook, receiver, emit):
    receiver.default = Reply(raw=b"\x00\xffnot http at all\r\n\r\n")
    started = time.monotonic()
    emit()
    assert time.monotonic() - started < 3
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.status_code is None and delivery.error


@pytest.mark.django_db
def test_connection_refused_is_retried(advertiser_user, emit):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    WebhookFactory(owner=advertiser_user, url=f"http://127.0.0.1:{port}/hook")
    emit()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.error == sender.ERRORS["connect"]


@pytest.mark.django_db
def test_send_errors_shown_through_the_api_hold_no_library_text(advertiser_user, emit, caplog):
    """What the owner reads in the deliveries log is ours; the socket's words are logged."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    webhook = WebhookFactory(owner=advertiser_user, url=f"http://127.0.0.1:{port}/hook")
    emit()
    response = client_for(advertiser_user).get(f"/api/v1/webhooks/{webhook.uuid}/deliveries")
    [delivery] = response.json()["data"]
    texts = [delivery["error"], *(attempt["error"] for attempt in delivery["attempt_log"])]
    assert set(texts) == {sender.ERRORS["connect"]}
    assert "ConnectionRefusedError" in caplog.text
    for leak in ("ConnectionRefusedError", "Connection refused", f":{port}"):
        assert leak not in response.content.decode(), leak


@pytest.mark.django_db
def test_a_succeeded_delivery_is_never_sent_again(hook, receiver, emit):
    emit()
    delivery = WebhookDelivery.objects.get()
    tasks.deliver(delivery.pk)
    tasks.deliver(delivery.pk)
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.count() == 1


@pytest.mark.django_db
def test_a_claimed_delivery_is_not_sent_twice(hook, receiver, advertiser_user):
    event = domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    [delivery] = services.deliveries_for_event(event=event)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    # The claim of a sender that died expires; the next run sends it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.SUCCEEDED
    assert len(receiver.wait_for(1)) == 1


@pytest.mark.django_db
def test_the_same_event_fans_out_once(hook, advertiser_user):
    event = domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    assert len(services.deliveries_for_event(event=event)) == 1
    assert services.deliveries_for_event(event=event) == []
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_stuck_pending_deliveries_are_swept(hook, receiver, advertiser_user):
    event = domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    [delivery] = services.deliveries_for_event(event=event)  # enqueue never ran (no commit)
    assert tasks.retry_due() == 0
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert tasks.retry_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.wait_for(1)) == 1


@pytest.mark.django_db
def test_a_webhook_switched_off_before_sending_sends_nothing(hook, receiver, advertiser_user):
    event = domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    [delivery] = services.deliveries_for_event(event=event)
    Webhook.objects.filter(pk=hook.pk).update(is_active=False)
    services.delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 0
    assert "inactive" in delivery.error
    assert receiver.requests == []
    assert Webhook.objects.get().consecutive_failures == 0


@pytest.mark.django_db
def test_the_secret_signs_after_rotation(hook, receiver, emit):
    services.webhook_secret_rotate(webhook=hook)
    emit()
    [request] = receiver.wait_for(1)
    hook.refresh_from_db()
    assert request.header("X-AdServerX-Signature") == expected_signature(hook.secret, request.body)


@pytest.mark.django_db
@override_settings(WEBHOOK_FAILURE_DEACTIVATE_AFTER=3)
def test_a_failure_streak_deactivates_the_webhook(hook, receiver, emit, advertiser_client):
    receiver.default = Reply(status=410)
    emit()
    emit()
    receiver.reply(Reply(status=200))
    emit()  # a success resets the streak
    assert Webhook.objects.get().consecutive_failures == 0
    for _ in range(3):
        emit()
    webhook = Webhook.objects.get()
    assert webhook.is_active is False
    assert webhook.consecutive_failures == 3
    assert webhook.disabled_at and "3 failed deliveries in a row" in webhook.disabled_reason
    note = WebhookDelivery.objects.get(event_type="webhook.disabled")
    assert note.status == DeliveryStatus.FAILED and note.attempts == 0
    assert "3 failed deliveries" in note.error
    # No further deliveries while it is off; the owner sees the note in the log.
    sent = len(receiver.requests)
    emit()
    assert len(receiver.requests) == sent
    log = advertiser_client.get(f"/api/v1/webhooks/{webhook.uuid}/deliveries").json()
    assert log["data"][0]["event_type"] == "webhook.disabled"
    assert "3 failed deliveries" in log["data"][0]["error"]
    assert webhook.secret not in json.dumps(log)


@pytest.mark.django_db
def test_resend_is_a_new_delivery_of_the_same_event(
    hook, receiver, emit, django_capture_on_commit_callbacks
):
    receiver.reply(Reply(status=400))
    emit()
    original = WebhookDelivery.objects.get()
    assert original.status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        copy = services.delivery_resend(delivery=original)
    copy.refresh_from_db()
    assert copy.status == DeliveryStatus.SUCCEEDED
    assert copy.redelivery_of == original and copy.uuid != original.uuid
    first, second = receiver.wait_for(2)
    assert first.body == second.body
    assert second.header("X-AdServerX-Delivery") == str(copy.uuid)


def test_the_embedded_retrier_starts_once_and_only_when_enabled(monkeypatch):
    started = []
    monkeypatch.setattr(services, "_retrier", None)
    monkeypatch.setattr(services, "_retry_forever", lambda: started.append(1))
    with override_settings(WEBHOOK_RETRY_IN_PROCESS=False):
        services.in_process_retrier_start()
    assert services._retrier is None
    with override_settings(WEBHOOK_RETRY_IN_PROCESS=True):
        services.in_process_retrier_start()
        services.in_process_retrier_start()
    services._retrier.join(timeout=5)
    assert started == [1]


@pytest.mark.django_db
def test_a_webhook_deleted_while_sending_is_no_error(hook, receiver, advertiser_user, monkeypatch):
    event = domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    [delivery] = services.deliveries_for_event(event=event)
    real_post = services.post_signed

    def post_then_delete(**kwargs):
        result = real_post(**kwargs)
        services.webhook_delete(webhook=hook)
        return result

    monkeypatch.setattr(services, "post_signed", post_then_delete)
    services.delivery_attempt(delivery_id=delivery.pk)
    assert not WebhookDelivery.objects.exists() and not WebhookAttempt.objects.exists()
    assert services.delivery_attempt(delivery_id=delivery.pk) is None


@pytest.fixture
def broker_mode(monkeypatch):
    """Tasks go to a (recorded) broker instead of running eagerly."""
    sent = []
    conf = tasks.deliver.app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    monkeypatch.setattr(services, "tasks_run_eagerly", lambda: False)
    task = tasks.deliver._get_current_object()
    monkeypatch.setattr(task, "delay", lambda delivery_id: sent.append((delivery_id, None)))
    monkeypatch.setattr(
        task,
        "apply_async",
        lambda args, countdown=None: sent.append((args[0], countdown)),
    )
    try:
        yield sent
    finally:
        conf.task_always_eager = eager


@pytest.mark.django_db
def test_with_a_broker_retries_are_tasks_with_a_countdown(
    hook, receiver, advertiser_user, broker_mode, django_capture_on_commit_callbacks
):
    receiver.default = Reply(status=503)
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    delivery = WebhookDelivery.objects.get()
    assert broker_mode == [(delivery.pk, None)]  # queued, not run here
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_attempt(delivery_id=delivery.pk)  # what the worker runs
    assert broker_mode[-1] == (delivery.pk, 60)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING

    # The sweep leaves retries to their countdown task unless they are well overdue.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_retry_at=timezone.now() - timedelta(seconds=30)
    )
    assert tasks.retry_due() == 0
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_retry_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.retry_due() == 1
    assert broker_mode[-1] == (delivery.pk, None)
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_broker_outage_does_not_break_the_request(
    hook, advertiser_user, broker_mode, monkeypatch, django_capture_on_commit_callbacks
):
    def down(delivery_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver._get_current_object(), "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        domain_event_emit(event_type="campaign.created", data={}, owner=advertiser_user)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # swept later
