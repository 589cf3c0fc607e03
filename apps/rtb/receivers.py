"""A change to the exchange's configuration reaches this process at once (others reload
their snapshot within ``RTB_CONFIG_SECONDS``)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .config import config_reset
from .models import DemandPartner, ExchangeRate, SupplyMapping


@receiver(post_save, sender=ExchangeRate)
@receiver(post_delete, sender=ExchangeRate)
@receiver(post_save, sender=SupplyMapping)
@receiver(post_delete, sender=SupplyMapping)
@receiver(post_save, sender=DemandPartner)
@receiver(post_delete, sender=DemandPartner)
@receiver(m2m_changed, sender=DemandPartner.zones.through)
@receiver(m2m_changed, sender=DemandPartner.websites.through)
def configuration_changed(**kwargs) -> None:
    config_reset()
