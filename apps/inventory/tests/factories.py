from decimal import Decimal

import factory

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.inventory.models import Publisher, PublisherStatus, Website, Zone


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher

    user = factory.SubFactory(UserFactory, role=Role.PUBLISHER)
    name = factory.Sequence(lambda n: f"Publisher {n}")
    website_url = "https://publisher.example.com"
    status = PublisherStatus.APPROVED
    revenue_share = Decimal("0.7000")


class WebsiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Website

    publisher = factory.SubFactory(PublisherFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    url = factory.Sequence(lambda n: f"https://site{n}.example.com")
    category = "news"


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    website = factory.SubFactory(WebsiteFactory)
    name = factory.Sequence(lambda n: f"Zone {n}")
    type = "banner"
    width = 728
    height = 90
    floor_price = Decimal("0.50")
