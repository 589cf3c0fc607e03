"""Webhooks API: CRUD by uuid, a test dispatch, secret rotation and the deliveries log."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.schema import MessageOutput, envelope

from . import selectors, services
from .models import Webhook, WebhookDelivery
from .serializers import (
    WebhookCreatedOutput,
    WebhookCreateInput,
    WebhookDeliveryListQuery,
    WebhookDeliveryOutput,
    WebhookListQuery,
    WebhookOutput,
    WebhookTestEnvelope,
    WebhookUpdateInput,
)

TAGS = ["Webhooks"]
SECRET_SHOWN_ONCE = "Webhook created. Store the secret securely — it will not be shown again."
SECRET_ROTATED = "Secret rotated. Store it securely — it will not be shown again."
# Answers carrying the secret must not be kept by any cache on the way.
NO_STORE = {"Cache-Control": "no-store"}

SEED_EXAMPLE = OpenApiExample(
    "Create a webhook",
    value={
        "name": "My Webhook",
        "url": "https://example.com/webhook",
        "events": "campaign.created,ad.created",
        "is_active": 1,
    },
    request_only=True,
)
SIGNING = (
    'Each delivery is a POST with the JSON body `{"id", "type", "created_at", "data"}` '
    "(`id` is the event's and stays the same across retries: dedupe by it) and the headers "
    "`X-AdServerX-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`, "
    "`X-AdServerX-Event`, `X-AdServerX-Delivery` and `X-AdServerX-Timestamp`. Answer 2xx within "
    "a few seconds; 5xx, 408, 429, timeouts and connection errors are retried after 1, 5, 15 "
    "and 40 minutes; other answers are not retried and redirects are not followed."
)


def webhook_for(request, webhook_uuid: uuid.UUID) -> Webhook:
    webhook = selectors.webhook_get(user=request.user, webhook_uuid=webhook_uuid)
    if webhook is None:
        raise NotFoundError("Webhook not found.")
    return webhook


class WebhookListApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_list",
        summary="List my webhooks",
        description="Any signed-in user. The caller's own webhooks only (admins' too), newest "
        "first, paginated; filter by `is_active`. Secrets are never shown.",
        parameters=[WebhookListQuery],
        responses={200: envelope(WebhookOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(WebhookListQuery, request)
        webhooks = selectors.webhook_list(user=request.user, is_active=query.get("is_active"))
        return paginated(request, webhooks, WebhookOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_create",
        summary="Create a webhook",
        request=WebhookCreateInput,
        responses={201: WebhookCreatedOutput},
        description="The signing secret is returned in this response only. " + SIGNING,
        examples=[SEED_EXAMPLE],
    )
    def post(self, request):
        data = validate_body(WebhookCreateInput, request)
        webhook = services.webhook_create(owner=request.user, **data)
        return Response(
            {
                "success": True,
                "data": WebhookOutput(webhook).data,
                "secret": webhook.secret,
                "message": SECRET_SHOWN_ONCE,
            },
            status=201,
            headers=NO_STORE,
        )


class WebhookDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_retrieve",
        summary="Get a webhook",
        responses={200: envelope(WebhookOutput)},
        description="The signing secret is never returned after creation.",
    )
    def get(self, request, webhook_uuid: uuid.UUID):
        return ok(WebhookOutput(webhook_for(request, webhook_uuid)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_update",
        summary="Update a webhook",
        request=WebhookUpdateInput,
        responses={200: envelope(WebhookOutput)},
        description="Send only the fields you want to change. The secret cannot be set "
        "(422); use rotate-secret.",
        examples=[
            OpenApiExample("Pause", value={"is_active": False}, request_only=True),
            OpenApiExample(
                "Events", value={"events": ["campaign.created", "ad.created"]}, request_only=True
            ),
        ],
    )
    def put(self, request, webhook_uuid: uuid.UUID):
        webhook = webhook_for(request, webhook_uuid)
        data = validate_body(WebhookUpdateInput, request, partial=True)
        webhook = services.webhook_update(webhook=webhook, **data)
        return ok(WebhookOutput(webhook).data)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_partial_update",
        summary="Partially update a webhook",
        description="Any signed-in user, for their own webhooks (others are 404). The same as "
        "PUT: only the fields sent change; turning a webhook back on clears its "
        "failure streak.",
        request=WebhookUpdateInput,
        responses={200: envelope(WebhookOutput)},
    )
    def patch(self, request, webhook_uuid: uuid.UUID):
        return self.put(request, webhook_uuid)

    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_destroy",
        summary="Delete a webhook",
        description="Any signed-in user, for their own webhooks (others are 404). Deletes the "
        "webhook with its deliveries log; no more events are sent to it.",
        responses={200: MessageOutput},
    )
    def delete(self, request, webhook_uuid: uuid.UUID):
        services.webhook_delete(webhook=webhook_for(request, webhook_uuid))
        return Response({"success": True, "message": "Webhook deleted."})


class WebhookTestApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_test",
        summary="Send a test event",
        request=None,
        responses={200: WebhookTestEnvelope},
        description="Dispatch a `webhook.test` event to this webhook only (even an inactive "
        "one), in one attempt. `delivery` shows its result when tasks run in-process, or "
        "`pending` while a worker sends it; the deliveries log has it either way.",
    )
    def post(self, request, webhook_uuid: uuid.UUID):
        webhook = webhook_for(request, webhook_uuid)
        event = services.webhook_test_dispatch(webhook=webhook, actor=request.user)
        delivery = (
            WebhookDelivery.objects.filter(webhook=webhook, event_uuid=event.uuid)
            .prefetch_related("attempt_log")
            .first()
        )
        return ok(
            {
                "event_id": str(event.uuid),
                "delivery": WebhookDeliveryOutput(delivery).data if delivery else None,
            },
            message="Test event dispatched.",
        )


class WebhookSecretRotateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_rotate_secret",
        summary="Rotate a webhook's signing secret",
        request=None,
        responses={200: WebhookCreatedOutput},
        description="Replace the signing secret; the new one is returned in this response only "
        "and signs every attempt from now on, retries of earlier events included.",
    )
    def post(self, request, webhook_uuid: uuid.UUID):
        webhook = services.webhook_secret_rotate(webhook=webhook_for(request, webhook_uuid))
        return Response(
            {
                "success": True,
                "data": WebhookOutput(webhook).data,
                "secret": webhook.secret,
                "message": SECRET_ROTATED,
            },
            headers=NO_STORE,
        )


class WebhookDeliveryListApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="webhooks_deliveries_list",
        summary="List a webhook's deliveries",
        parameters=[WebhookDeliveryListQuery],
        responses={200: envelope(WebhookDeliveryOutput, many=True)},
        description="Newest first: each delivery with its last attempt's status code, duration "
        "and error, the attempt count, the next retry and every attempt. A "
        "`webhook.disabled` entry records why the platform switched the webhook off.",
    )
    def get(self, request, webhook_uuid: uuid.UUID):
        webhook = webhook_for(request, webhook_uuid)
        query = validate_query(WebhookDeliveryListQuery, request)
        deliveries = selectors.delivery_list(
            webhook=webhook, status=query.get("status"), event_type=query.get("event_type")
        )
        return paginated(request, deliveries, WebhookDeliveryOutput)
