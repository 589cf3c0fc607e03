"""Webhook writes and delivery: fan-out of domain events, signed attempts, retries, streaks.

Delivery lifecycle: a committed domain event creates one ``WebhookDelivery`` per subscribed
webhook and enqueues ``webhooks.deliver`` for each after commit. An attempt claims the row
(so duplicated or redelivered task messages never send twice at once), POSTs the signed body
and records a ``WebhookAttempt``. 2xx succeeds; 5xx, 408, 429, timeouts and connection errors
are retried after ``WEBHOOK_RETRY_DELAYS`` (1, 5, 15, 40 minutes: five tries over about an
hour); other answers (4xx, 3xx: redirects are not followed) and refused addresses fail at once.
``WEBHOOK_FAILURE_DEACTIVATE_AFTER`` failed deliveries in a row switch the webhook off and
leave a ``webhook.disabled`` entry on its log.

With a broker a retry is a task with a countdown, and ``webhooks.retry_due`` (beat) sweeps
anything a lost message left behind. Without one (tasks run eagerly) the first attempt runs
inline and retries are only scheduled in the database: ``webhooks.retry_due`` sends them,
from beat or from an in-process thread in the embedded default.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.audit.services import audit_record_update
from apps.common.errors import BusinessRuleError, FieldValidationError
from apps.common.events import EVENT_TYPES, domain_event_emit
from apps.common.metrics import WEBHOOK_DELIVERIES
from apps.common.models import DomainEvent

from . import selectors
from .models import (
    DISABLED_NOTE,
    ERROR_MAX_LENGTH,
    OPEN_STATUSES,
    AttemptOutcome,
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    webhook_secret_generate,
)
from .sender import (
    DELIVERY_HEADER,
    ERRORS,
    EVENT_HEADER,
    TIMESTAMP_HEADER,
    SendResult,
    post_signed,
)
from .urlsafety import UnsafeUrlError, url_check_on_save, url_parts

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 3600
# A message may fire a little before the stored time; an attempt that early still counts as due.
DUE_SLACK_SECONDS = 5
CLAIM_MARGIN_SECONDS = 30
# With a broker, countdown tasks send retries; the sweep only picks what is this late.
SWEEP_GRACE_SECONDS = 120
PENDING_STUCK_SECONDS = 600
IN_PROCESS_INTERVAL_SECONDS = 15


def timeout_seconds() -> float:
    return float(settings.WEBHOOK_TIMEOUT_SECONDS)


def retry_delays() -> tuple[int, ...]:
    return tuple(settings.WEBHOOK_RETRY_DELAYS)


def max_attempts(event_type: str) -> int:
    # A test event is a reachability check: one attempt, its result shown at once.
    return 1 if event_type == selectors.TEST_EVENT else len(retry_delays()) + 1


def tasks_run_eagerly() -> bool:
    from .tasks import deliver

    return bool(deliver.app.conf.task_always_eager)


# --- Webhooks -------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    try:
        url_check_on_save(url)
    except UnsafeUrlError as exc:
        raise FieldValidationError("url", str(exc), code=exc.code)


def _check_events(*, owner: User, events: list[str]) -> list[str]:
    if not events:
        raise FieldValidationError("events", "Subscribe to at least one event.", code="too_small")
    unknown = [name for name in events if name not in EVENT_TYPES]
    if unknown:
        raise FieldValidationError(
            "events",
            f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
            code="invalid_enum_value",
        )
    admin_only = sorted(set(events) & selectors.ADMIN_ONLY_EVENTS)
    if admin_only and owner.role != Role.ADMIN:
        raise FieldValidationError(
            "events",
            f"Only admins may subscribe to {', '.join(admin_only)}.",
            code="admin_only_event",
        )
    return list(dict.fromkeys(events))


def _default_name(url: str) -> str:
    try:
        return url_parts(url)[1]
    except UnsafeUrlError:
        return "Webhook"


@transaction.atomic
def webhook_create(
    *, owner: User, url: str, events: list[str], name: str = "", is_active: bool = True
) -> Webhook:
    """Create a webhook with a fresh signing secret (read it from ``webhook.secret`` once)."""
    limit = settings.WEBHOOK_MAX_PER_OWNER
    if Webhook.objects.filter(owner=owner).count() >= limit:
        raise BusinessRuleError(
            f"An account may have at most {limit} webhooks.", code="too_many_webhooks"
        )
    _check_url(url)
    webhook = Webhook(
        owner=owner,
        name=name.strip() or _default_name(url),
        url=url,
        events=_check_events(owner=owner, events=events),
        is_active=is_active,
        secret=webhook_secret_generate(),
    )
    webhook.full_clean(exclude=["url"])  # url: checked above, wider than URLValidator
    webhook.save()
    logger.info("Webhook %s created by user %s", webhook.uuid, owner.pk)
    return webhook


WEBHOOK_UPDATE_FIELDS = frozenset({"name", "url", "events", "is_active"})


@transaction.atomic
def webhook_update(*, webhook: Webhook, **changes: Any) -> Webhook:
    """Change name, url, events or is_active; turning a webhook on clears its failure streak."""
    unknown = set(changes) - WEBHOOK_UPDATE_FIELDS
    if unknown:
        raise ValueError(f"Not updatable: {sorted(unknown)}")
    webhook = Webhook.objects.select_for_update().select_related("owner").get(pk=webhook.pk)
    if "url" in changes and changes["url"] != webhook.url:
        _check_url(changes["url"])
        webhook.url = changes["url"]
    if "events" in changes:
        webhook.events = _check_events(owner=webhook.owner, events=changes["events"])
    if "name" in changes:
        webhook.name = changes["name"].strip() or _default_name(webhook.url)
    if "is_active" in changes and changes["is_active"] != webhook.is_active:
        webhook.is_active = changes["is_active"]
        if webhook.is_active:
            webhook.consecutive_failures = 0
            webhook.disabled_at = None
            webhook.disabled_reason = ""
    webhook.full_clean(exclude=["url"])  # url: checked above, wider than URLValidator
    webhook.save()
    return webhook


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook) -> Webhook:
    """A new secret, effective for every attempt from now on (shown once by the caller)."""
    webhook.secret = webhook_secret_generate()
    webhook.save(update_fields=["secret", "updated_at"])
    logger.info("Webhook %s secret rotated", webhook.uuid)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()


@transaction.atomic
def webhook_test_dispatch(*, webhook: Webhook, actor: User) -> DomainEvent:
    """Emit ``webhook.test`` for this webhook only (routed by ``data.webhook_uuid``)."""
    return domain_event_emit(
        event_type=selectors.TEST_EVENT,
        data={
            "webhook_uuid": str(webhook.uuid),
            "message": "This is a test event. Your endpoint is reachable.",
        },
        owner=actor,
    )


@transaction.atomic
def webhook_deactivate(*, webhook: Webhook, reason: str) -> bool:
    """Switch the webhook off and note why on its deliveries log; False if it was already off."""
    now = timezone.now()
    switched = Webhook.objects.filter(pk=webhook.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    if not switched:
        return False
    audit_record_update(
        instance=webhook, changes={"is_active": (True, False), "disabled_reason": ("", reason)}
    )
    note = {"type": DISABLED_NOTE, "webhook_uuid": str(webhook.uuid), "reason": reason}
    WebhookDelivery.objects.create(
        webhook=webhook,
        event_type=DISABLED_NOTE,
        payload=json.dumps(note, separators=(",", ":")),
        status=DeliveryStatus.FAILED,
        error=reason[:ERROR_MAX_LENGTH],
    )
    logger.warning("Webhook %s deactivated: %s", webhook.uuid, reason)
    return True


# --- Fan-out --------------------------------------------------------------------------------


def event_body(event: DomainEvent) -> str:
    """The JSON body receivers get; ``id`` is the event's, the same in every retry."""
    created = event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "id": str(event.uuid),
            "type": event.event_type,
            "created_at": created,
            "data": event.data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def deliveries_for_event(*, event: DomainEvent) -> list[WebhookDelivery]:
    """Create the event's deliveries (once per webhook) and enqueue them after commit."""
    webhooks = selectors.webhooks_for_event(event=event)
    if not webhooks:
        return []
    body = event_body(event)
    created: list[WebhookDelivery] = []
    with transaction.atomic():
        for webhook in webhooks:
            delivery, was_created = WebhookDelivery.objects.get_or_create(
                webhook=webhook,
                event_uuid=event.uuid,
                redelivery_of=None,
                defaults={"event": event, "event_type": event.event_type, "payload": body},
            )
            if was_created:
                created.append(delivery)
                transaction.on_commit(partial(delivery_enqueue, delivery_id=delivery.pk))
    return created


def delivery_enqueue(*, delivery_id: int, countdown: float | None = None) -> None:
    """Queue an attempt. A broker outage is logged; ``retry_due`` picks the delivery up later."""
    from .tasks import deliver

    eager = tasks_run_eagerly()
    try:
        if eager:
            # Run here without touching the (in-memory) broker; ``apply`` keeps task semantics.
            deliver.apply(args=(delivery_id,))
            in_process_retrier_start()
        elif countdown:
            deliver.apply_async((delivery_id,), countdown=countdown)
        else:
            deliver.delay(delivery_id)
    except Exception:
        logger.exception("Could not queue webhook delivery %s; the retry sweep will", delivery_id)


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery | None:
    """Send the same event again as a new delivery; None for log notes (nothing to send)."""
    if not delivery.payload or delivery.event_type == DISABLED_NOTE:
        return None
    original = delivery.redelivery_of or delivery
    copy = WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        event_uuid=delivery.event_uuid,
        event_type=delivery.event_type,
        payload=delivery.payload,
        redelivery_of=original,
    )
    transaction.on_commit(partial(delivery_enqueue, delivery_id=copy.pk))
    return copy


# --- Attempts -------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> bool:
    due = now + timedelta(seconds=DUE_SLACK_SECONDS)
    hold = now + timedelta(seconds=timeout_seconds() + CLAIM_MARGIN_SECONDS)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=OPEN_STATUSES)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=due))
        .update(claimed_until=hold)
    )


def _headers(delivery: WebhookDelivery) -> dict[str, str]:
    return {
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.uuid),
        TIMESTAMP_HEADER: str(int(time.time())),
    }


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Make the next attempt of a delivery if it is open, due and not held by another sender.

    Returns the updated delivery, or None when there was nothing to do (idempotent: a
    delivery that succeeded or failed for good is never sent again).
    """
    if not _claim(delivery_id, timezone.now()):
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:  # its webhook was deleted meanwhile
        return None
    webhook = delivery.webhook
    if not webhook.is_active and delivery.event_type != selectors.TEST_EVENT:
        _close_unsent(delivery, "The webhook is inactive; not sent.")
        return delivery
    try:
        result = post_signed(
            url=webhook.url,
            body=delivery.payload.encode(),
            secret=webhook.secret,
            headers=_headers(delivery),
            timeout=timeout_seconds(),
        )
    except Exception:  # a bug must not leave the delivery claimed and silent
        logger.exception("Webhook delivery %s crashed", delivery.uuid)
        result = SendResult(error=ERRORS["internal"], retryable=True)
    return _record(delivery, result)


def _close_unsent(delivery: WebhookDelivery, reason: str) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.error = reason
    delivery.next_retry_at = None
    delivery.claimed_until = None
    delivery.save(update_fields=["status", "error", "next_retry_at", "claimed_until", "updated_at"])


def _next_delay(number: int, result: SendResult) -> int:
    delays = retry_delays()
    delay = int(delays[min(number - 1, len(delays) - 1)])
    if result.retry_after:
        delay = max(delay, min(result.retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def _record(delivery: WebhookDelivery, result: SendResult) -> WebhookDelivery:
    now = timezone.now()
    number = delivery.attempts + 1
    delay = None
    if result.succeeded:
        outcome, status = AttemptOutcome.SUCCEEDED, DeliveryStatus.SUCCEEDED
    elif result.retryable and number < max_attempts(delivery.event_type):
        outcome, status = AttemptOutcome.RETRY, DeliveryStatus.RETRYING
        delay = _next_delay(number, result)
    else:
        outcome, status = AttemptOutcome.FAILED, DeliveryStatus.FAILED
    WEBHOOK_DELIVERIES.labels(str(outcome)).inc()
    next_retry_at = now + timedelta(seconds=delay) if delay is not None else None
    with transaction.atomic():
        if not WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            return delivery  # the webhook was deleted while we were sending
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            outcome=outcome,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error[:ERROR_MAX_LENGTH],
            response_body=result.response_body,
            next_retry_at=next_retry_at,
        )
        delivery.attempts = number
        delivery.status = status
        delivery.status_code = result.status_code
        delivery.duration_ms = result.duration_ms
        delivery.error = result.error[:ERROR_MAX_LENGTH]
        delivery.next_retry_at = next_retry_at
        delivery.claimed_until = None
        if status == DeliveryStatus.SUCCEEDED:
            delivery.delivered_at = now
        delivery.save()
        _streak_update(delivery, status)
        if delay is not None:
            transaction.on_commit(partial(_retry_schedule, delivery_id=delivery.pk, delay=delay))
    log = logger.info if result.succeeded else logger.warning
    log(
        "Webhook delivery %s (%s) attempt %s: %s %s",
        delivery.uuid,
        delivery.event_type,
        number,
        outcome,
        result.status_code or result.error,
    )
    return delivery


def _streak_update(delivery: WebhookDelivery, status: str) -> None:
    """Count failed deliveries in a row per webhook; too many switch the webhook off."""
    webhook = delivery.webhook
    if status == DeliveryStatus.SUCCEEDED:
        Webhook.objects.filter(pk=webhook.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return
    if status != DeliveryStatus.FAILED or delivery.event_type == selectors.TEST_EVENT:
        return
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    webhook.refresh_from_db(fields=["consecutive_failures", "is_active"])
    limit = settings.WEBHOOK_FAILURE_DEACTIVATE_AFTER
    if limit > 0 and webhook.is_active and webhook.consecutive_failures >= limit:
        webhook_deactivate(
            webhook=webhook,
            reason=f"Deactivated after {webhook.consecutive_failures} failed deliveries in a "
            f"row (last: {delivery.error or 'failed'}). Fix the endpoint, then set is_active.",
        )


def _retry_schedule(*, delivery_id: int, delay: int) -> None:
    if tasks_run_eagerly():
        # An eager "countdown" would run at once; the retry sweep sends it when due.
        in_process_retrier_start()
        return
    delivery_enqueue(delivery_id=delivery_id, countdown=delay)


def deliveries_retry_due(*, now: datetime | None = None) -> int:
    """Attempt every delivery that is due; returns how many were attempted."""
    now = now or timezone.now()
    eager = tasks_run_eagerly()
    ids = selectors.deliveries_due(
        now=now,
        grace_seconds=0 if eager else SWEEP_GRACE_SECONDS,
        stuck_after_seconds=PENDING_STUCK_SECONDS,
    )
    for delivery_id in ids:
        if eager:
            delivery_attempt(delivery_id=delivery_id)
        else:
            delivery_enqueue(delivery_id=delivery_id)
    return len(ids)


# --- Embedded default: retries without a broker ---------------------------------------------

_retrier_lock = threading.Lock()
_retrier: threading.Thread | None = None


def in_process_retrier_enabled() -> bool:
    return settings.WEBHOOK_RETRY_IN_PROCESS


def in_process_retrier_start() -> None:
    """Without a broker nothing runs beat; a daemon thread per process sends due retries."""
    global _retrier
    if _retrier is not None or not in_process_retrier_enabled():
        return
    with _retrier_lock:
        if _retrier is None:
            _retrier = threading.Thread(target=_retry_forever, name="webhook-retry", daemon=True)
            _retrier.start()


def _retry_forever() -> None:
    while True:
        time.sleep(IN_PROCESS_INTERVAL_SECONDS)
        try:
            deliveries_retry_due()
        except Exception:
            logger.exception("Webhook retry sweep failed; will try again")
        finally:
            connection.close()
