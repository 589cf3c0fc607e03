"""Seeds the serve benchmark's inventory: one publisher, Z zones, N active banner ads.

``python manage.py bench_seed --ads 10000 --zones 10`` first wipes earlier bench data (the
``@bench.local`` users, and anything named ``bench-…``), then bulk-creates an approved
publisher with one website and ``Z`` active 300x250 banner zones, and an advertiser with
``N / 10`` active CPM campaigns of 10 approved 300x250 banner ads each. Campaigns differ in bid,
targeting (country, device, browser, OS), budgets and frequency caps, so a decision has real
rules to apply and rejects some candidates. The inventory version is bumped so running
servers rebuild their index. The last line printed is ``{"zones": [uuid, ...]}``.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.campaigns.models import (
    Ad,
    AdStatus,
    Advertiser,
    Campaign,
    CampaignStatus,
    Pacing,
    PricingModel,
    ReviewStatus,
)
from apps.campaigns.targeting import targeting_default
from apps.common.adformats import AdType
from apps.common.events import inventory_changed
from apps.inventory.models import Publisher, PublisherStatus, Website, Zone, ZoneStatus

PREFIX = "bench-"
PUBLISHER_EMAIL = "bench-publisher@bench.local"
ADVERTISER_EMAIL = "bench-advertiser@bench.local"
PASSWORD = "bench-password-not-secret"
ADS_PER_CAMPAIGN = 10
WIDTH, HEIGHT = 300, 250
BATCH = 1000


def campaign_targeting(i: int) -> dict:
    """Seven targeting shapes; three of them never match a US desktop Chrome request."""
    targeting = targeting_default()
    shape = i % 7
    if shape == 0:
        targeting["countries"] = ["US"]
    elif shape == 1:
        targeting["devices"] = ["desktop"]
    elif shape == 2:
        targeting["countries"] = ["US", "CA", "GB"]
        targeting["browsers"] = ["chrome", "firefox"]
    elif shape == 3:
        targeting["countries"] = ["DE"]  # rejected for country=US
    elif shape == 4:
        targeting["devices"] = ["mobile", "tablet"]  # rejected for desktop
    elif shape == 5:
        targeting["os"] = ["ios"]  # rejected for Windows
        targeting["browsers"] = ["safari"]
    # shape 6: no targeting at all
    return targeting


class Command(BaseCommand):
    help = "Create (after wiping) the serve benchmark's publisher, zones, campaigns and ads."

    def add_arguments(self, parser):
        parser.add_argument("--ads", type=int, default=10_000, help="Active ads (multiple of 10)")
        parser.add_argument("--zones", type=int, default=10, help="Active 300x250 zones")
        parser.add_argument(
            "--segment-share",
            type=float,
            default=0.0,
            help="Share of campaigns (0-1) that target a segment (e.g. 0.1); its members are "
            "the visitor ids bench-0 … bench-{--segment-members - 1}",
        )
        parser.add_argument("--segment-members", type=int, default=1000)

    def handle(self, *args, **options):
        ads, zones = options["ads"], options["zones"]
        share = options["segment_share"]
        if ads < ADS_PER_CAMPAIGN or zones < 1:
            raise CommandError(f"Need --ads >= {ADS_PER_CAMPAIGN} and --zones >= 1.")
        if not 0 <= share <= 1:
            raise CommandError("--segment-share is a share between 0 and 1.")
        started = time.monotonic()
        with transaction.atomic():
            self._wipe()
            zone_uuids = self._seed_inventory(zones)
            campaigns = self._seed_campaigns(ads // ADS_PER_CAMPAIGN)
            targeted = self._seed_segment(campaigns, share, options["segment_members"])
            created = self._seed_ads(campaigns)
            inventory_changed(kind="all")  # takes effect on commit
        self._analyze()
        self.stderr.write(
            f"bench_seed: {zones} zones, {len(campaigns)} campaigns "
            f"({targeted} segment-targeted), {created} ads in {time.monotonic() - started:.1f}s"
        )
        self.stdout.write(json.dumps({"zones": zone_uuids}))

    @staticmethod
    def _analyze() -> None:
        """Refresh the planner's statistics of what was just bulk-loaded, as autovacuum
        would in time (and must, where it is off): planned against empty-table estimates,
        loading 100,000 ads joins them to their campaigns in a nested loop for minutes."""
        if connection.vendor != "postgresql":
            return
        tables = ["campaigns_ad", "campaigns_campaign", "inventory_zone", "inventory_website"]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    def _wipe(self) -> None:
        Ad.objects.filter(name__startswith=PREFIX).delete()
        Campaign.objects.filter(name__startswith=PREFIX).delete()
        Zone.objects.filter(name__startswith=PREFIX).delete()
        Website.objects.filter(name__startswith=PREFIX).delete()
        User.objects.filter(email__in=[PUBLISHER_EMAIL, ADVERTISER_EMAIL]).delete()

    def _user(self, email: str, role: int) -> User:
        return User.objects.create_user(email=email, password=PASSWORD, role=role)

    def _seed_inventory(self, count: int) -> list[str]:
        user = self._user(PUBLISHER_EMAIL, Role.PUBLISHER)
        publisher, _ = Publisher.objects.get_or_create(
            user=user, defaults={"name": f"{PREFIX}publisher"}
        )
        publisher.name = f"{PREFIX}publisher"
        publisher.status = PublisherStatus.APPROVED
        publisher.reviewed_at = timezone.now()
        publisher.save()
        website = Website.objects.create(
            publisher=publisher, name=f"{PREFIX}site", url="https://bench.example.com/"
        )
        created = Zone.objects.bulk_create(
            Zone(
                website=website,
                name=f"{PREFIX}zone-{n}",
                type=AdType.BANNER,
                width=WIDTH,
                height=HEIGHT,
                floor_price=Decimal("0.10"),
                status=ZoneStatus.ACTIVE,
            )
            for n in range(count)
        )
        return [str(zone.uuid) for zone in created]

    def _seed_campaigns(self, count: int) -> list[Campaign]:
        user = self._user(ADVERTISER_EMAIL, Role.ADVERTISER)
        advertiser, _ = Advertiser.objects.get_or_create(
            user=user, defaults={"company": f"{PREFIX}advertiser", "timezone": "UTC"}
        )
        start = timezone.localdate() - timedelta(days=1)
        campaigns = []
        for i in range(count):
            capped = i % 4 == 0
            budgeted = i % 3 == 0
            campaigns.append(
                Campaign(
                    advertiser=advertiser,
                    name=f"{PREFIX}campaign-{i}",
                    status=CampaignStatus.ACTIVE,
                    pricing_model=PricingModel.CPM,
                    bid_amount=Decimal("0.50") + Decimal(i % 200) * Decimal("0.01"),
                    daily_budget=Decimal("100000.00") if budgeted else None,
                    total_budget=Decimal("10000000.00") if budgeted else None,
                    start_date=start,
                    end_date=None,
                    pacing=Pacing.ASAP,
                    frequency_cap_impressions=1000 if capped else None,
                    frequency_cap_window_hours=24 if capped else None,
                    targeting=campaign_targeting(i),
                )
            )
        return Campaign.objects.bulk_create(campaigns, batch_size=BATCH)

    def _seed_segment(self, campaigns: list[Campaign], share: float, members: int) -> int:
        """Make ``share`` of the campaigns (spread evenly) target one segment."""
        if not share or not campaigns:
            return 0
        from apps.audiences.models import Segment
        from apps.delivery.context import user_key_of
        from apps.delivery.store import hot_store

        segment = Segment.objects.create(
            advertiser=campaigns[0].advertiser, name=f"{PREFIX}segment", ttl_days=30
        )
        chosen = [c for i, c in enumerate(campaigns) if int((i + 1) * share) > int(i * share)]
        for campaign in chosen:
            campaign.targeting = {
                **campaign.targeting,
                "segments": {"include": [segment.pk], "exclude": []},
            }
        Campaign.objects.bulk_update(chosen, ["targeting"], batch_size=BATCH)
        store = hot_store()
        for start in range(0, members, 1000):
            store.segments_add(
                [
                    (user_key_of(f"bench-{n}"), segment.pk, 30 * 86400)
                    for n in range(start, min(members, start + 1000))
                ]
            )
        return len(chosen)

    def _seed_ads(self, campaigns: list[Campaign]) -> int:
        now = timezone.now()
        ads = [
            Ad(
                campaign=campaign,
                name=f"{PREFIX}ad-{n}",
                type=AdType.BANNER,
                destination_url=f"https://example.com/?i={n}",
                image_url="https://cdn.example.com/b.png",
                width=WIDTH,
                height=HEIGHT,
                status=AdStatus.ACTIVE,
                review_status=ReviewStatus.APPROVED,
                reviewed_at=now,
            )
            for c, campaign in enumerate(campaigns)
            for n in range(c * ADS_PER_CAMPAIGN, (c + 1) * ADS_PER_CAMPAIGN)
        ]
        Ad.objects.bulk_create(ads, batch_size=BATCH)
        return len(ads)
