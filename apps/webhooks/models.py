"""Webhooks, their deliveries (one per webhook and event) and every attempt of a delivery."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from apps.common.models import TimeStampedModel

SECRET_PREFIX = "whsec_"
NAME_MAX_LENGTH = 200
URL_MAX_LENGTH = 2048
ERROR_MAX_LENGTH = 500
RESPONSE_BODY_MAX_LENGTH = 1024
# Written on a webhook's log when it is switched off after a failure streak. It is a log entry,
# not a domain event: nothing is sent anywhere.
DISABLED_NOTE = "webhook.disabled"


def webhook_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Webhook(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    url = models.URLField(max_length=URL_MAX_LENGTH)
    events = models.JSONField(default=list, help_text="Event types this webhook receives.")
    is_active = models.BooleanField(default=True, db_index=True)
    # Needed in the clear to sign; never shown after creation (API, admin, logs).
    secret = models.CharField(max_length=100, default=webhook_secret_generate, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries failed in a row (reset by a success)."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uuid})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookDelivery(models.Model):
    """One event for one webhook; retried until it succeeds, fails for good or runs out.

    ``payload`` is the exact JSON body, fixed at creation so every retry sends the same bytes
    with the same event id (receivers dedupe by it). A resend is a new delivery of the same
    event (``redelivery_of`` points at the original).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        "common.DomainEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    event_type = models.CharField(max_length=50, db_index=True)
    payload = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last attempt's outcome (each attempt is kept in WebhookAttempt).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the delivery until then, so duplicated task messages never send twice.
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_uuid"],
                condition=models.Q(event_uuid__isnull=False, redelivery_of__isnull=True),
                name="webhook_delivery_once_per_event",
            )
        ]
        indexes = [models.Index(fields=["status", "next_retry_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.webhook_id} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded"
    RETRY = "retry", "will retry"
    FAILED = "failed"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=ERROR_MAX_LENGTH, blank=True)
    response_body = models.TextField(blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"
