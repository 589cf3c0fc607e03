"""Celery tasks of the delivery app: draining the tracking buffer."""

from celery import shared_task

from .sink import events_drain


@shared_task(name="delivery.drain_events", ignore_result=True)
def drain_events() -> int:
    return events_drain()
