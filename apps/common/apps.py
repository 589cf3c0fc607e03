from django.apps import AppConfig
from django.urls import register_converter


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from .integers import IdConverter

        # ``<id:…>`` in every URL conf: ids beyond what a column holds never reach a query.
        register_converter(IdConverter, "id")
