"""Several drainers at once, and retried batches, still count every event exactly once."""

import threading
import time
import uuid

import pytest
from django.db import connection
from django.db.models import Sum

from apps.delivery.ingest import events_ingest
from apps.delivery.models import HourlyStat, ImpressionEvent
from apps.delivery.sink import event_append, event_buffer, events_drain

EVENTS = 300


def impression(event_uuid: str, ad_id: int) -> dict:
    return {
        "k": "impression",
        "u": event_uuid,
        "t": time.time(),
        "cost": 2500,
        "imp": event_uuid,
        "z": 1,
        "a": ad_id,
        "c": 1,
        "adv": 1,
        "p": 1,
    }


def drain_until_empty(errors: list) -> None:
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                if (
                    events_drain(batch_size=25, max_batches=1) == 0
                    and event_buffer().pending() == 0
                ):
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
