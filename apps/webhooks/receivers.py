"""Domain events → webhook deliveries."""

from django.dispatch import receiver

from apps.common.events import domain_event_committed

from .services import deliveries_for_event


@receiver(domain_event_committed, dispatch_uid="webhooks.deliveries_for_event")
def deliveries_for_committed_event(sender, event, **kwargs) -> None:
    deliveries_for_event(event=event)
