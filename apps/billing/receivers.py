"""Every advertiser has a wallet from the start, in its currency."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.campaigns.models import Advertiser

from .services import wallet_follow_advertiser


@receiver(post_save, sender=Advertiser, dispatch_uid="billing.wallet_for_advertiser")
def wallet_for_advertiser(sender, instance: Advertiser, raw: bool = False, **kwargs) -> None:
    if not raw:
        wallet_follow_advertiser(advertiser=instance)
