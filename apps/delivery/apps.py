from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "apps.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from apps.common.events import inventory_change_committed
        from apps.common.metrics import state_collector_register

        from .health import DrainStateCollector
        from .index import publish_change

        inventory_change_committed.connect(publish_change, dispatch_uid="delivery.publish_change")
        state_collector_register(DrainStateCollector())
