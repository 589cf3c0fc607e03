"""Signal receivers: every new publisher-role user gets a pending publisher profile."""

from django.dispatch import receiver

from apps.accounts.models import Role
from apps.accounts.signals import user_created

from . import services


@receiver(user_created, dispatch_uid="inventory.publisher_for_new_user")
def publisher_for_new_user(sender, user, **kwargs) -> None:
    if user.role == Role.PUBLISHER:
        services.publisher_create_for_signup(user=user)
