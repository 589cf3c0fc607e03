"""Input and output shapes of the webhooks API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.api import PageQuery, StrictInputSerializer
from apps.common.events import EVENT_TYPES

from .models import NAME_MAX_LENGTH, URL_MAX_LENGTH, DeliveryStatus, Webhook, WebhookDelivery
from .urlsafety import url_syntax_error

EVENT_TYPE_MAX_LENGTH = 50
MAX_EVENTS = 50


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "string",
                "description": "Comma-separated event types.",
                "example": "campaign.created,ad.created",
            },
            {"type": "array", "items": {"type": "string"}, "example": ["campaign.created"]},
        ],
        "description": f"Event types to receive: {', '.join(EVENT_TYPES)}. `fraud.alert` is "
        "for admins only.",
    }
)
class EventListField(serializers.Field):
    """A comma-separated string or a JSON array of event types (checked by the service)."""

    default_error_messages = {
        "invalid_type": "Expected a comma-separated string or an array of event types.",
        "too_many": f"At most {MAX_EVENTS} event types.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            items = data.split(",")
        elif isinstance(data, list) and all(isinstance(item, str) for item in data):
            items = data
        else:
            self.fail("invalid_type")
        names = [item.strip() for item in items if item.strip()]
        if len(names) > MAX_EVENTS:
            self.fail("too_many")
        return [name[: EVENT_TYPE_MAX_LENGTH + 1] for name in names]

    def to_representation(self, value):
        return list(value)


class WebhookUrlField(serializers.URLField):
    """An absolute http(s) URL. Unlike Django's URLValidator it accepts single-label hosts
    (``http://receiver:9000/``); https and public addresses are the service's checks."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", URL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(_url_syntax)


def _url_syntax(value: str) -> None:
    error = url_syntax_error(value)
    if error:
        raise serializers.ValidationError(error, code="invalid")


class WebhookCreateInput(StrictInputSerializer):
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A label; defaults to the URL's host.",
    )
    url = WebhookUrlField(
        help_text="A public https URL (http and private addresses only when the platform "
        "sets WEBHOOK_ALLOW_PRIVATE_URLS).",
    )
    events = EventListField()
    is_active = serializers.BooleanField(
        default=True, help_text="true/false or 1/0; inactive webhooks receive nothing."
    )


class WebhookUpdateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, allow_blank=True, required=False)
    url = WebhookUrlField(required=False)
    events = EventListField(required=False)
    is_active = serializers.BooleanField(
        required=False,
        help_text="Setting true again also clears the failure streak of a deactivated webhook.",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and "secret" in data:
            raise serializers.ValidationError(
                {
                    "secret": [
                        serializers.ErrorDetail(
                            "The signing secret cannot be set; rotate it with "
                            "POST /api/v1/webhooks/{uuid}/rotate-secret.",
                            code="immutable",
                        )
                    ]
                }
            )
        return super().to_internal_value(data)


class WebhookListQuery(PageQuery):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class WebhookOutput(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Webhook
        fields = [
            "id",
            "uuid",
            "name",
            "url",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookCreatedOutput(serializers.Serializer):
    success = serializers.BooleanField(default=True)
    data = WebhookOutput()
    secret = serializers.CharField(help_text="whsec_… — shown in this response only.")
    message = serializers.CharField()


class WebhookAttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    outcome = serializers.CharField(help_text="succeeded, retry or failed.")
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    error = serializers.CharField()
    response_body = serializers.CharField(help_text="The first KiB of the answer.")
    next_retry_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookDeliveryOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", help_text="Sent as X-AdServerX-Delivery.")
    event_id = serializers.UUIDField(
        source="event_uuid", allow_null=True, help_text="The body's `id`; the same in retries."
    )
    redelivery_of = serializers.SlugRelatedField(
        slug_field="uuid",
        read_only=True,
        allow_null=True,
        help_text="The delivery this one sends again (null for a first delivery).",
    )
    attempt_log = WebhookAttemptOutput(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "status_code",
            "duration_ms",
            "error",
            "attempts",
            "next_retry_at",
            "delivered_at",
            "redelivery_of",
            "created_at",
            "updated_at",
            "attempt_log",
        ]
        read_only_fields = fields


class WebhookDeliveryListQuery(PageQuery):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    event_type = serializers.CharField(max_length=EVENT_TYPE_MAX_LENGTH, required=False)


class WebhookTestOutput(serializers.Serializer):
    event_id = serializers.UUIDField()
    delivery = WebhookDeliveryOutput(allow_null=True)


class WebhookTestEnvelope(serializers.Serializer):
    success = serializers.BooleanField(default=True)
    data = WebhookTestOutput()
    message = serializers.CharField()
