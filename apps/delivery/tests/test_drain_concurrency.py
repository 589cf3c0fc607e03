"""Several drainers at once, and retried batches, still count every event exactly once."""

import threading
import time
import uuid

import pytest
from django.db import connection
from django.db.models import Sum

from apps.delivery.events import TrackedEvent
from apps.delivery.ingest import events_ingest
from apps.delivery.models import HourlyStat, ImpressionEvent
from apps.delivery.sink import events_drain, events_pending
from apps.delivery.store import hot_store

EVENTS = 300


def impression(event_uuid: str, ad_id: int) -> TrackedEvent:
    return TrackedEvent(
        kind="impression",
        uuid=event_uuid,
        at=time.time(),
        cost_micros=2500,
        impression_uuid=event_uuid,
        zone_id=1,
        ad_id=ad_id,
        campaign_id=1,
        advertiser_id=1,
        publisher_id=1,
    )


def event_append(event: TrackedEvent) -> None:
    hot_store().record(event)


def drain_until_empty(errors: list) -> None:
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                if events_drain(batch_size=25, max_batches=1) == 0 and events_pending() == 0:
                    return
            except Exception as exc:  # a lost race is retried, as the task would
                errors.append(type(exc).__name__)
                time.sleep(0.01)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_drainers_count_each_event_once():
    uuids = [str(uuid.uuid4()) for _ in range(EVENTS)]
    for i, event_uuid in enumerate(uuids):
        event_append(impression(event_uuid, ad_id=1 + i % 3))
    for event_uuid in uuids[:50]:  # duplicates in the buffer (a client replay that slipped by)
        event_append(impression(event_uuid, ad_id=1 + uuids.index(event_uuid) % 3))
    errors: list = []
    threads = [threading.Thread(target=drain_until_empty, args=(errors,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events_drain()
    assert ImpressionEvent.objects.count() == EVENTS
    totals = HourlyStat.objects.aggregate(n=Sum("impressions"), spend=Sum("spend_micros"))
    assert totals == {"n": EVENTS, "spend": EVENTS * 2500}


@pytest.mark.django_db
def test_a_batch_retried_after_a_crash_counts_nothing_twice():
    batch = [impression(str(uuid.uuid4()), ad_id=7) for _ in range(20)]
    events_ingest(batch[:10])  # committed, but the buffer was never acknowledged
    assert events_ingest(batch) == 10  # the redelivered batch adds only the rest
    assert HourlyStat.objects.get().impressions == 20
