from django.apps import AppConfig


class RtbConfig(AppConfig):
    name = "apps.rtb"
    label = "rtb"
    verbose_name = "OpenRTB exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
