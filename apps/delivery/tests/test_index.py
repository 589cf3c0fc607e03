"""The serving index: built from rows or a snapshot, kept current by deltas, learning from
delivery, and never answering 404 for a zone that exists."""

import random
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.campaigns.services.campaigns import campaign_pause, campaign_update
from apps.campaigns.tests.factories import live_ad, live_campaign
from apps.delivery.index import (
    current_index,
    index_apply,
    index_build,
    zone_lookup,
)
from apps.delivery.index.live import index_from_rows, index_with_stats
from apps.delivery.index.records import rows_decode, rows_encode, rows_load
from apps.delivery.models import HourlyStat
from apps.delivery.store import hot_store
from apps.inventory import services as inventory
from apps.inventory.tests.factories import WebsiteFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def shape(index) -> dict:
    """What decisions depend on, per zone: the tie groups (key, member ad ids) in order, the
    optimized campaigns' ads, and which ads each campaign serves."""
    result = {"campaign_ads": {c: sorted(a) for c, a in index.campaign_ads.items()}}
    for zone_uuid in sorted(index.zones):
        compiled = index.zone(zone_uuid)
        result[zone_uuid] = (
            compiled.active,
            compiled.floor_micros,
            [(g.key, sorted(m.ad_id for m in g.members)) for g in compiled.groups],
            {c: sorted(m.ad_id for m in ms) for c, ms in compiled.rotations.items()},
            sorted(r[0] for r in compiled.static_rejections),
        )
    return result


def fresh_shape() -> dict:
    return shape(index_build(use_snapshot=False))


def test_rows_round_trip_through_a_snapshot(zone):
    live_ad(campaign=live_campaign(targeting={"countries": ["DE"], "days": [0, 1]}))
    rows = rows_load()
    assert rows_decode(rows_encode(rows)) == rows
    assert rows_decode(b"not msgpack") is None
    assert shape(index_from_rows(1, rows)) == fresh_shape()


def test_a_starting_process_loads_the_snapshot_plus_later_changes(
    zone, django_capture_on_commit_callbacks
):
    first = live_ad()
    built = index_build(use_snapshot=False)  # saves the snapshot
    assert hot_store().snapshot_load()[0] == built.version
    with django_capture_on_commit_callbacks(execute=True):
        second = live_ad()
        from apps.common.events import inventory_object_changed

        inventory_object_changed(second)
    loaded = index_build()  # snapshot + one delta
    assert loaded.version == built.version + 1
    assert set(loaded.ads_by_id) == {first.id, second.id}
    assert shape(loaded) == fresh_shape()


def test_deltas_give_the_same_index_as_a_full_build(django_capture_on_commit_callbacks):
    """Random edits applied one change at a time equal a build from scratch."""
    rng = random.Random(7)
    website = WebsiteFactory(category="news")
    zones = [ZoneFactory(website=website, width=300, height=250) for _ in range(3)]
    ads = [
        live_ad(campaign=live_campaign(bid_amount=Decimal(rng.choice(["1.00", "2.00", "3.00"]))))
        for _ in range(12)
    ]
    index = current_index()
    for zone in zones:
        index.zone(str(zone.uuid))  # compiled, so deltas patch them
    for step in range(40):
        ad = rng.choice(ads)
        with django_capture_on_commit_callbacks(execute=True):
            action = rng.randrange(6)
            if action == 0:
                campaign_update(
                    campaign=ad.campaign, bid_amount=Decimal(rng.choice(["0.50", "2.00", "5.00"]))
                )
            elif action == 1:
                new = "paused" if ad.campaign.status == "active" else "active"
                ad.campaign.refresh_from_db()
                campaign_update(campaign=ad.campaign, status=new)
            elif action == 2:
                campaign_update(
                    campaign=ad.campaign,
                    priority=rng.choice(["standard", "house"]),
                    rotation=rng.choice(["weighted", "optimized"]),
                )
            elif action == 3:
                ads.append(live_ad(campaign=ad.campaign))
                from apps.common.events import inventory_object_changed

                inventory_object_changed(ads[-1])
            elif action == 4:
                inventory.zone_update(
                    zone=rng.choice(zones), floor_price=Decimal(rng.choice(["0", "1.50"]))
                )
            else:
                campaign_update(
                    campaign=ad.campaign,
                    targeting={"zones": {"include": [rng.choice(zones).id], "exclude": []}},
                )
        changes = hot_store().inventory_changes(index.version)
        index = index_apply(index, changes)
        assert shape(index) == fresh_shape(), step


def test_a_rename_publishes_nothing(zone, django_capture_on_commit_callbacks):
    ad = live_ad()
    before = hot_store().inventory_version()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_update(campaign=ad.campaign, name="A better name")
    assert hot_store().inventory_version() == before
    with django_capture_on_commit_callbacks(execute=True):
        campaign_update(campaign=ad.campaign, bid_amount=Decimal("3.00"))
    assert hot_store().inventory_version() == before + 1


def test_a_zone_created_a_moment_ago_serves_at_once(
    browser, settings, django_capture_on_commit_callbacks
):
    settings.INVENTORY_CHECK_SECONDS = 3600  # the process would not look for a long while
    live_ad()
    known = ZoneFactory(width=300, height=250)
    assert browser.get(f"/api/v1/serve/{known.uuid}").json()["data"] is not None
    with django_capture_on_commit_callbacks(execute=True):
        new = inventory.zone_create(
            website=known.website, name="Fresh", type="banner", width=300, height=250
        )
    response = browser.get(f"/api/v1/serve/{new.uuid}")
    assert response.status_code == 200
    assert response.json()["data"] is not None


def test_an_unknown_zone_is_remembered_briefly(browser, settings, django_assert_num_queries):
    settings.INVENTORY_CHECK_SECONDS = 3600
    ZoneFactory()
    current_index()
    missing = "00000000-0000-0000-0000-00000000beef"
    assert zone_lookup(missing)[1] is None
    with django_assert_num_queries(0):
        assert zone_lookup(missing)[1] is None  # answered from memory, no store read


def test_a_paused_campaign_leaves_every_zone(zone, django_capture_on_commit_callbacks):
    ad = live_ad()
    index = current_index()
    assert index.zone(str(zone.uuid)).groups
    with django_capture_on_commit_callbacks(execute=True):
        campaign_pause(campaign=ad.campaign)
    index = current_index()
    assert index.zone(str(zone.uuid)).groups == ()
    assert ad.id not in index.ads_by_id


def test_deleted_zones_and_websites_leave_the_index(zone, django_capture_on_commit_callbacks):
    other = ZoneFactory(website=zone.website)
    current_index()
    with django_capture_on_commit_callbacks(execute=True):
        inventory.zone_delete(zone=other)
    assert str(other.uuid) not in current_index().zones
    with django_capture_on_commit_callbacks(execute=True):
        inventory.website_delete(website=zone.website)
    assert str(zone.uuid) not in current_index().zones


def test_cpc_bids_learn_their_click_rate_from_the_rollups(zone):
    cpm = live_ad(campaign=live_campaign(bid_amount=Decimal("2.00")))
    cpc = live_ad(campaign=live_campaign(pricing_model="cpc", bid_amount=Decimal("0.50")))
    index = current_index()
    # With the prior (0.5 % CTR) a 0.50 CPC is worth 2.49 per thousand: it wins.
    assert index.zone(str(zone.uuid)).groups[0].members[0].ad_id == cpc.id
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    for ad, clicks in ((cpc, 1), (cpm, 0)):
        HourlyStat.objects.create(
            hour=hour,
            ad_id=ad.id,
            zone_id=zone.id,
            campaign_id=ad.campaign_id,
            advertiser_id=ad.campaign.advertiser_id,
            publisher_id=zone.website.publisher_id,
            impressions=10_000,
            clicks=clicks,
        )
    learned = index_with_stats(index)
    # 2 clicks in 10,200 (with the prior) is worth 0.098 per thousand: the CPM ad wins now.
    top = learned.zone(str(zone.uuid)).groups[0].members[0]
    assert top.ad_id == cpm.id
    cpc_candidate = next(
        m for g in learned.zone(str(zone.uuid)).groups for m in g.members if m.ad_id == cpc.id
    )
    assert cpc_candidate.ecpm_micros == int(500_000 * (1 + 1) / (10_000 + 200) * 1000)
    assert (cpc_candidate.impressions, cpc_candidate.clicks) == (10_000, 1)
    assert shape(learned) == shape(index_build(use_snapshot=False))


@pytest.mark.django_db(transaction=True)
def test_freshness_in_the_background(settings):
    settings.INVENTORY_REBUILD_IN_BACKGROUND = True
    settings.INVENTORY_CHECK_SECONDS = 0.05
    zone = ZoneFactory(width=300, height=250)
    ad = live_ad()
    old = current_index()
    assert old.zone(str(zone.uuid)).groups
    started = time.monotonic()
    campaign_pause(campaign=ad.campaign)
    while current_index() is old and time.monotonic() - started < 10:
        time.sleep(0.01)
    assert current_index().zone(str(zone.uuid)).groups == ()
    assert time.monotonic() - started < settings.INVENTORY_CHECK_SECONDS + 1
