import factory

from apps.accounts.models import Role
from apps.accounts.tests.factories import UserFactory
from apps.webhooks.models import Webhook


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    owner = factory.SubFactory(UserFactory, role=Role.ADVERTISER)
    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "https://example.com/webhook"
    events = factory.LazyFunction(lambda: ["campaign.created"])
    is_active = True
