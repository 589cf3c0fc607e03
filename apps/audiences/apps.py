from django.apps import AppConfig


class AudiencesConfig(AppConfig):
    name = "apps.audiences"
    label = "audiences"
    verbose_name = "Audiences and consent"

    def ready(self) -> None:
        from apps.delivery.ingest import ingest_hook_register

        from .ingest import drained_events_apply

        ingest_hook_register(drained_events_apply)
