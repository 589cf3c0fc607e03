"""Demo campaigns: the demo advertiser (managed by the demo partner) with two live campaigns,
approved ads of every type, a draft and a conversion goal. Safe to load again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.accounts.demo import DEMO_USERS
from apps.accounts.models import Role, User

from . import services
from .models import Ad, Campaign, ConversionGoal, GoalType, ReviewStatus

DEMO_EMAILS = {role: email for role, email, _ in DEMO_USERS}
DEMO_COMPANY = "Demo Outdoor Co"
LANDING = "https://outdoor.demo.local/winter-sale"
DEMO_DAYS = 60  # the demo campaigns started this many days ago, with traffic every day since
DEMO_VIDEO_FILE = "preroll-640x360.mp4"  # in static/demo/: nothing is fetched from elsewhere


def _static(name: str) -> str:
    return f"{settings.SITE_URL}/static/demo/{name}"


def _campaign(advertiser, reference_id: str, **fields) -> Campaign:
    campaign, _ = services.campaign_create(
        advertiser=advertiser,
        source={"system": "demo", "reference_id": reference_id},
        **fields,
    )
    return campaign


def _ad(campaign: Campaign, admin: User, name: str, **fields) -> None:
    existing = Ad.objects.filter(campaign=campaign, name=name, deleted_at__isnull=True).first()
    if existing is not None:
        # Older demo data pointed its media at outside hosts; move them to our static files.
        moved = {
            key: value
            for key, value in fields.items()
            if key in ("image_url", "video_url") and getattr(existing, key) != value
        }
        if moved:
            services.ad_update(ad=existing, actor=admin, **moved)
        return
    services.ad_create(
        campaign=campaign,
        actor=admin,
        name=name,
        review_status=ReviewStatus.APPROVED,
        **fields,
    )


def load() -> list:
    user = User.objects.get(email=DEMO_EMAILS[Role.ADVERTISER])
    admin = User.objects.get(email=DEMO_EMAILS[Role.ADMIN])
    partner = User.objects.get(email=DEMO_EMAILS[Role.PARTNER])
    advertiser = services.advertiser_ensure(user=user, company=DEMO_COMPANY)
    if advertiser.company != DEMO_COMPANY:
        advertiser = services.advertiser_update(advertiser=advertiser, company=DEMO_COMPANY)
    advertiser.managers.add(partner)

    today = timezone.localdate()
    started = today - timedelta(days=DEMO_DAYS - 1)
    winter = _campaign(
        advertiser,
        "demo-winter-sale",
        name="Winter Sale",
        status="active",
        pricing_model="cpm",
        bid_amount=Decimal("2.50"),
        daily_budget=Decimal("50.00"),
        total_budget=Decimal("1000.00"),
        start_date=started,
        category="outdoor",
    )
    _ad(
        winter,
        admin,
        "Winter Sale leaderboard 728x90",
        type="banner",
        headline="Winter Sale: 30% off outdoor gear",
        destination_url=LANDING,
        image_url=_static("banner-728x90.svg"),
        width=728,
        height=90,
    )
    _ad(
        winter,
        admin,
        "Winter Sale rectangle 300x250",
        type="banner",
        headline="Winter Sale",
        destination_url=LANDING,
        image_url=_static("banner-300x250.svg"),
        width=300,
        height=250,
    )
    _ad(
        winter,
        admin,
        "Winter Sale text link",
        type="text",
        headline="Winter Sale: 30% off outdoor gear",
        body="Jackets, boots and tents from Demo Outdoor Co. This week only.",
        destination_url=LANDING,
    )
    _ad(
        winter,
        admin,
        "Winter Sale native",
        type="native",
        headline="Gear up for the cold for less",
        body="Demo Outdoor Co's Winter Sale: 30% off jackets, boots and tents.",
        image_url=_static("banner-300x250.svg"),
        call_to_action="Shop now",
        sponsor=DEMO_COMPANY,
        destination_url=LANDING,
    )
    _ad(
        winter,
        admin,
        "Winter Sale pre-roll 15s",
        type="video",
        destination_url=LANDING,
        video_url=_static(DEMO_VIDEO_FILE),
        video_mime="video/mp4",
        duration_seconds=15,
        width=640,
        height=360,
    )

    spring = _campaign(
        advertiser,
        "demo-spring-preview",
        name="Spring Preview",
        status="active",
        pricing_model="cpc",
        bid_amount=Decimal("0.40"),
        daily_budget=Decimal("20.00"),
        start_date=started,
        category="outdoor",
    )
    _ad(
        spring,
        admin,
        "Spring Preview rectangle 300x250",
        type="banner",
        headline="Spring Preview",
        destination_url="https://outdoor.demo.local/spring",
        image_url=_static("banner-300x250.svg"),
        width=300,
        height=250,
    )
    # Waiting for review, so the admin's approvals queue has something to show.
    if not Ad.objects.filter(campaign=spring, name="Spring Preview leaderboard 728x90").exists():
        services.ad_create(
            campaign=spring,
            actor=user,
            name="Spring Preview leaderboard 728x90",
            type="banner",
            headline="Spring Preview: new tents are in",
            destination_url="https://outdoor.demo.local/spring",
            image_url=_static("banner-728x90.svg"),
            width=728,
            height=90,
        )
    summer = _campaign(
        advertiser,
        "demo-summer-draft",
        name="Summer Camping",
        bid_amount=Decimal("1.50"),
        daily_budget=Decimal("30.00"),
        start_date=today + timedelta(days=30),  # a summer campaign still in the works
    )

    if summer.name != "Summer Camping":  # named "Summer Camping (draft)" by older demo data
        services.campaign_update(campaign=summer, name="Summer Camping")
    # Older demo data started the live campaigns on the day it was loaded; their traffic
    # (apps/reporting/demo.py) runs from ``started``, so that is their real start.
    for campaign in (winter, spring):
        if campaign.start_date > started:
            services.campaign_update(campaign=campaign, start_date=started)

    if not ConversionGoal.objects.filter(
        advertiser=advertiser, name="Purchase", deleted_at__isnull=True
    ).exists():
        services.conversion_goal_create(
            advertiser=advertiser,
            name="Purchase",
            type=GoalType.SALE,
            default_value=Decimal("25.00"),
            attribution_window_days=30,
        )
    return []
