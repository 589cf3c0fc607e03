"""Services and model invariants, below the API."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns import services
from apps.campaigns.models import (
    CAMPAIGN_TRANSITIONS,
    Ad,
    Campaign,
    CampaignStatus,
    ConversionGoal,
    ad_requirement_errors,
)
from apps.campaigns.tests.conftest import VersionWatch, events
from apps.campaigns.tests.factories import (
    AdFactory,
    AdvertiserFactory,
    CampaignFactory,
    ConversionGoalFactory,
)
from apps.common.errors import (
    BusinessRuleError,
    ConflictError,
    FieldValidationError,
    NotFoundError,
)

START = datetime.date(2026, 3, 10)
STATUSES = [s.value for s in CampaignStatus]
ALLOWED = {
    ("draft", "active"),
    ("draft", "archived"),
    ("active", "paused"),
    ("active", "completed"),
    ("active", "archived"),
    ("paused", "active"),
    ("paused", "completed"),
    ("paused", "archived"),
    ("completed", "archived"),
}


def test_transition_table_is_the_documented_one():
    table = {(a, b) for a, targets in CAMPAIGN_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "target"), [p for p in itertools.product(STATUSES, STATUSES) if p[0] != p[1]]
)
def test_every_transition(start, target):
    campaign = CampaignFactory(status=start)
    if (start, target) in ALLOWED:
        services.campaign_transition(campaign=campaign, status=target)
        campaign.refresh_from_db()
        assert campaign.status == target
        assert [e.data for e in events("campaign.status_changed")] == [
            {"campaign_id": campaign.pk, "from": start, "to": target}
        ]
    else:
        with pytest.raises(BusinessRuleError) as caught:
            services.campaign_transition(campaign=campaign, status=target)
        assert caught.value.error_code == "invalid_status_transition"
        campaign.refresh_from_db()
        assert campaign.status == start
        assert not events("campaign.status_changed")


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["paused", "completed", "archived"])
def test_create_only_as_draft_or_active(status):
    with pytest.raises(BusinessRuleError):
        services.campaign_create(
            advertiser=AdvertiserFactory(),
            name="Nope",
            bid_amount=Decimal("1"),
            start_date=START,
            status=status,
        )
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_create_or_resolve(django_capture_on_commit_callbacks):
    advertiser = AdvertiserFactory()
    kwargs = {
        "advertiser": advertiser,
        "name": "From partner",
        "bid_amount": Decimal("1.00"),
        "start_date": START,
        "source": {"system": "p", "reference_id": " 42 "},
    }
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.campaign_create(**kwargs)
    assert created and watch.bumped
    assert first.source_reference_id == "42"
    again, created_again = services.campaign_create(**{**kwargs, "source": {"reference_id": 42}})
    assert again.pk == first.pk and not created_again
    assert len(events("campaign.created")) == 1


@pytest.mark.django_db
def test_campaign_create_validates_with_full_clean():
    with pytest.raises(Exception) as caught:
        services.campaign_create(
            advertiser=AdvertiserFactory(),
            name="Ends early",
            bid_amount=Decimal("1"),
            start_date=START,
            end_date=START - datetime.timedelta(days=1),
        )
    assert "end_date" in str(caught.value)
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_update_rejects_unknown_fields():
    with pytest.raises(ValueError):
        services.campaign_update(campaign=CampaignFactory(), advertiser_id=3)


@pytest.mark.django_db
def test_update_source_conflict():
    advertiser = AdvertiserFactory()
    CampaignFactory(advertiser=advertiser, source={"reference_id": "x"}, source_reference_id="x")
    campaign = CampaignFactory(advertiser=advertiser)
    with pytest.raises(ConflictError):
        services.campaign_update(campaign=campaign, source={"reference_id": "x"})


@pytest.mark.django_db
def test_delete_is_soft_and_emits_once():
    campaign = CampaignFactory()
    services.campaign_delete(campaign=campaign)
    services.campaign_delete(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.deleted_at is not None
    assert len(events("campaign.deleted")) == 1


# --- DB constraints -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"bid_amount": Decimal("0")},
        {"bid_amount": Decimal("-1")},
        {"daily_budget": Decimal("-1")},
        {"total_budget": Decimal("-1")},
        {"end_date": START - datetime.timedelta(days=1)},
        {"frequency_cap_impressions": 3},
        {"status": "running"},
        {"pricing_model": "cpv"},
        {"pacing": "fast"},
        {"priority": "top"},
    ],
)
def test_campaign_check_constraints(fields):
    campaign = CampaignFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(**fields)


@pytest.mark.django_db
def test_reference_unique_per_advertiser_among_live_campaigns():
    advertiser = AdvertiserFactory()
    first = CampaignFactory(advertiser=advertiser, source_reference_id="r")
    CampaignFactory(source_reference_id="r")  # another advertiser
    CampaignFactory(advertiser=advertiser, source_reference_id="")  # blank: no reference
    CampaignFactory(advertiser=advertiser, source_reference_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(advertiser=advertiser, source_reference_id="r")
    Campaign.objects.filter(pk=first.pk).update(deleted_at="2026-01-01T00:00:00Z")
    CampaignFactory(advertiser=advertiser, source_reference_id="r")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"weight": 0},
        {"weight": 1001},
        {"width": 0},
        {"duration_seconds": 601},
        {"type": "popup"},
        {"status": "gone"},
        {"review_status": "maybe"},
    ],
)
def test_ad_check_constraints(fields):
    ad = AdFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ad.objects.filter(pk=ad.pk).update(**fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields", [{"default_value": Decimal("-1")}, {"attribution_window_days": 91}, {"type": "x"}]
)
def test_goal_check_constraints(fields):
    goal = ConversionGoalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConversionGoal.objects.filter(pk=goal.pk).update(**fields)


def test_ad_requirements_table():
    assert ad_requirement_errors("banner", {}) == {
        "image_url": "Required for banner ads.",
        "width": "Required for banner ads.",
        "height": "Required for banner ads.",
    }
    assert ad_requirement_errors("text", {"headline": "Hi"}) == {}
    assert ad_requirement_errors("text", {"headline": "Hi", "width": 3}) == {
        "height": "Give both width and height, or neither."
    }
    assert ad_requirement_errors("video", {"video_url": "u", "video_mime": "video/mp4"}) == {
        "duration_seconds": "Required for video ads."
    }


# --- Ads ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ad_review_only_by_admin():
    ad = AdFactory()
    with pytest.raises(PermissionDenied):
        services.ad_approve(ad=ad, actor=ad.campaign.advertiser.user)
    admin = UserFactory(role=Role.ADMIN)
    services.ad_approve(ad=ad, actor=admin, note="Looks good")
    ad.refresh_from_db()
    assert (ad.review_status, ad.review_note, ad.reviewed_by) == ("approved", "Looks good", admin)
    # Approving again changes nothing and emits nothing new.
    services.ad_approve(ad=ad, actor=admin)
    assert len(events("ad.status_changed")) == 1


@pytest.mark.django_db
def test_rejected_ad_edited_goes_back_to_pending():
    ad = AdFactory(review_status="rejected", review_note="Blurry")
    services.ad_update(ad=ad, actor=ad.campaign.advertiser.user, image_url="https://x.com/b.png")
    ad.refresh_from_db()
    assert ad.review_status == "pending" and ad.review_note == ""


@pytest.mark.django_db
def test_partner_creative_edit_also_needs_review():
    partner = UserFactory(role=Role.PARTNER)
    ad = AdFactory(review_status="approved")
    services.ad_update(ad=ad, actor=partner, headline="New headline")
    ad.refresh_from_db()
    assert ad.review_status == "pending"


@pytest.mark.django_db
def test_ad_create_review_status_needs_admin():
    campaign = CampaignFactory()
    with pytest.raises(PermissionDenied):
        services.ad_create(
            campaign=campaign,
            actor=campaign.advertiser.user,
            name="x",
            type="text",
            headline="Hi",
            destination_url="https://example.com",
            review_status="approved",
        )
    assert not Ad.objects.exists()


@pytest.mark.django_db
def test_ads_auto_approve_sources():
    from apps.accounts.platform_settings import settings_update

    assert services.ads_auto_approve() is False
    with override_settings(AUTO_APPROVE_ADS=True):
        assert services.ads_auto_approve() is True
    settings_update(values={"auto_approve_ads": True}, actor=None)
    assert services.ads_auto_approve() is True


@pytest.mark.django_db
def test_ad_delete_is_soft_and_bumps(django_capture_on_commit_callbacks):
    ad = AdFactory()
    watch = VersionWatch()
    with django_capture_on_commit_callbacks(execute=True):
        services.ad_delete(ad=ad)
    ad.refresh_from_db()
    assert ad.deleted_at is not None and watch.bumped


# --- Advertisers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_advertiser_acting():
    own = AdvertiserFactory()
    other = AdvertiserFactory()
    assert services.advertiser_acting(user=own.user) == own
    assert services.advertiser_acting(user=own.user, advertiser_id=own.pk) == own
    with pytest.raises(NotFoundError):
        services.advertiser_acting(user=own.user, advertiser_id=other.pk)

    admin = UserFactory(role=Role.ADMIN)
    assert services.advertiser_acting(user=admin, advertiser_id=other.pk) == other
    with pytest.raises(FieldValidationError):
        services.advertiser_acting(user=admin)
    with pytest.raises(NotFoundError):
        services.advertiser_acting(user=admin, advertiser_id=999999)

    partner = UserFactory(role=Role.PARTNER)
    other.managers.add(partner)
    assert services.advertiser_acting(user=partner, advertiser_id=other.pk) == other
    with pytest.raises(NotFoundError):
        services.advertiser_acting(user=partner, advertiser_id=own.pk)

    for role in (Role.PUBLISHER, Role.FINANCE):
        with pytest.raises(PermissionDenied):
            services.advertiser_acting(user=UserFactory(role=role), advertiser_id=own.pk)


@pytest.mark.django_db
def test_advertiser_ensure_is_idempotent():
    user = UserFactory(role=Role.ADVERTISER, name="", timezone="Europe/Berlin")
    first = services.advertiser_ensure(user=user)
    second = services.advertiser_ensure(user=user, company="Ignored")
    assert first.pk == second.pk
    assert first.company == user.email and first.timezone == "Europe/Berlin"


@pytest.mark.django_db
def test_advertiser_currency_defaults_to_platform_setting():
    from apps.accounts.platform_settings import settings_update

    settings_update(values={"currency": "EUR"}, actor=None)
    user = UserFactory(role=Role.ADVERTISER)
    assert services.advertiser_ensure(user=user).currency == "EUR"


@pytest.mark.django_db
def test_goal_campaign_must_belong_to_advertiser():
    goal = ConversionGoalFactory()
    with pytest.raises(NotFoundError):
        services.conversion_goal_update(goal=goal, campaign=CampaignFactory())
