import datetime
from decimal import Decimal

import factory

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import Ad, Advertiser, Campaign, ConversionGoal
from apps.campaigns.targeting import targeting_default


class AdvertiserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advertiser
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, role=Role.ADVERTISER)
    company = factory.Sequence(lambda n: f"Company {n}")
    currency = "USD"
    timezone = "UTC"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    advertiser = factory.SubFactory(AdvertiserFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    status = "draft"
    pricing_model = "cpm"
    bid_amount = Decimal("1.50")
    daily_budget = Decimal("50.00")
    start_date = datetime.date(2026, 3, 10)
    targeting = factory.LazyFunction(targeting_default)


class AdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ad

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Ad {n}")
    type = "banner"
    headline = "Click Here"
    destination_url = "https://example.com"
    image_url = "https://cdn.example.com/banner.jpg"
    width = 300
    height = 250


class ConversionGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConversionGoal

    advertiser = factory.SubFactory(AdvertiserFactory)
    name = factory.Sequence(lambda n: f"Goal {n}")
    type = "sale"
    default_value = Decimal("25.00")


def live_campaign(**kw) -> Campaign:
    """An active campaign that started yesterday and spends as fast as it may."""
    from django.utils import timezone

    defaults = dict(
        status="active",
        start_date=timezone.now().date() - datetime.timedelta(days=1),
        daily_budget=Decimal("100.00"),
        pacing="asap",
    )
    defaults.update(kw)
    return CampaignFactory(**defaults)


def live_ad(campaign: Campaign | None = None, **kw) -> Ad:
    """An approved, active 300x250 banner of a live campaign: it serves."""
    defaults = dict(review_status="approved", status="active", width=300, height=250)
    defaults.update(kw)
    return AdFactory(campaign=campaign or live_campaign(), **defaults)
