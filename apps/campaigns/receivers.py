"""Signal receivers: every advertiser-role user gets an advertiser profile."""

from django.dispatch import receiver

from apps.accounts.models import Role
from apps.accounts.signals import user_created

from .services import advertiser_ensure


@receiver(user_created, dispatch_uid="campaigns.advertiser_for_new_user")
def advertiser_for_new_user(sender, user, **kwargs) -> None:
    if user.role == Role.ADVERTISER:
        advertiser_ensure(user=user)
