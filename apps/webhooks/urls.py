from django.urls import path

from . import api

urlpatterns = [
    path("webhooks", api.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<uuid:webhook_uuid>", api.WebhookDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<uuid:webhook_uuid>/test", api.WebhookTestApi.as_view(), name="webhook-test"),
    path(
        "webhooks/<uuid:webhook_uuid>/rotate-secret",
        api.WebhookSecretRotateApi.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<uuid:webhook_uuid>/deliveries",
        api.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
]
