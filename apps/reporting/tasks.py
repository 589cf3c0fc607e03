"""Celery tasks of reporting: keep the per-scope hourly sums fresh off the request path."""

from celery import shared_task

from .rollups import rollups_enabled, rollups_refresh


@shared_task(name="reporting.refresh_rollups", ignore_result=True)
def refresh_rollups() -> None:
    if rollups_enabled():
        rollups_refresh()
