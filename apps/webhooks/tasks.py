"""Celery tasks of the webhooks app: thin, the services own the logic.

``acks_late`` is on globally, so a worker that dies mid-attempt gets the message again; the
delivery's claim and status make a second run harmless (a delivery that succeeded is never
sent again) and receivers dedupe by the event id.
"""

from celery import shared_task

from . import services


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One attempt of a delivery; the service records it and schedules the retry."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.retry_due", ignore_result=True)
def retry_due() -> int:
    """Send retries that are due and deliveries no task picked up (beat, every minute)."""
    return services.deliveries_retry_due()
