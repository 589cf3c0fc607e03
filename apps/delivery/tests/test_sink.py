"""The drain: batches from the hot store into the database, the zone request rollup, and the
in-process drainer of the embedded default."""

import time
import uuid

import pytest

from apps.campaigns.tests.factories import live_ad
from apps.common.threads import ProcessThread
from apps.delivery import sink
from apps.delivery.counters import counters_flush_requests
from apps.delivery.events import TrackedEvent
from apps.delivery.models import HourlyStat, ImpressionEvent, ZoneHourlyStat
from apps.delivery.sink import events_drain, events_pending, zone_requests_flush
from apps.delivery.store import hot_store
from apps.delivery.tests.factories import served
from apps.inventory.tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db


def buffered(n: int) -> list[str]:
    uuids = []
    for _ in range(n):
        event_uuid = str(uuid.uuid4())
        hot_store().record(
            TrackedEvent(
                kind="impression",
                uuid=event_uuid,
                at=time.time(),
                impression_uuid=event_uuid,
                zone_id=1,
                ad_id=1,
                campaign_id=1,
                advertiser_id=1,
                publisher_id=1,
                cost_micros=100,
            )
        )
        uuids.append(event_uuid)
    return uuids


def test_the_drain_moves_every_batch_and_stops_when_the_buffer_is_empty():
    buffered(25)
    assert events_pending() == 25
    assert events_drain(batch_size=10, max_batches=2) == 20  # bounded work per call
    assert events_pending() == 5
    assert events_drain(batch_size=10) == 5
    assert events_drain(batch_size=10) == 0
    assert ImpressionEvent.objects.count() == 25
    assert HourlyStat.objects.get().spend_micros == 2500


def test_requests_and_fills_reach_the_zone_rollup(browser, zone):
    empty = ZoneFactory(website=zone.website, width=728, height=90)
    live_ad()
    for _ in range(3):
        assert served(browser, zone) is not None
    for _ in range(2):
        assert served(browser, empty) is None
    counters_flush_requests()
    zone_requests_flush()
    zone_requests_flush()  # copying again changes nothing
    rows = {r.zone_id: (r.requests, r.fills) for r in ZoneHourlyStat.objects.all()}
    assert rows == {zone.id: (3, 3), empty.id: (2, 0)}


def test_a_process_thread_starts_once():
    runs = []
    thread = ProcessThread("test-thread", lambda: runs.append(1))
    assert thread.start() is True
    assert thread.start() is False
    time.sleep(0.05)
    assert runs == [1] and thread.started


def test_the_embedded_drainer_only_runs_where_configured(settings):
    settings.EVENT_DRAIN_IN_PROCESS = False  # a broker's beat drains instead
    sink.embedded_drainer_start()
    assert not sink.DRAINER.started
