"""Django admin for webhooks (the secret is never shown) and their deliveries (resend)."""

from __future__ import annotations

from django.contrib import admin, messages

from . import services
from .models import Webhook, WebhookAttempt, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "uuid",
        "owner",
        "url",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "created_at",
    ]
    list_filter = ["is_active", "owner__role", ("disabled_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "url", "uuid", "owner__email"]
    list_select_related = ["owner"]
    # ``secret`` is not editable, so no form or page ever shows it.
    fields = [
        "uuid",
        "owner",
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
    readonly_fields = [
        "uuid",
        "owner",
        "url",
        "events",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]
    actions = ["activate", "deactivate", "send_test"]

    def has_add_permission(self, request) -> bool:
        return False  # created through the API, where the secret is shown once

    def save_model(self, request, obj, form, change) -> None:
        services.webhook_update(
            webhook=obj, name=form.cleaned_data["name"], is_active=form.cleaned_data["is_active"]
        )

    @admin.action(description="Activate selected webhooks (clears the failure streak)")
    def activate(self, request, queryset):
        for webhook in queryset.filter(is_active=False):
            services.webhook_update(webhook=webhook, is_active=True)
        self.message_user(request, "Webhooks activated.")

    @admin.action(description="Deactivate selected webhooks")
    def deactivate(self, request, queryset):
        count = 0
        for webhook in queryset.filter(is_active=True):
            services.webhook_update(webhook=webhook, is_active=False)
            count += 1
        self.message_user(request, f"{count} webhook(s) deactivated.")

    @admin.action(description="Send a webhook.test event")
    def send_test(self, request, queryset):
        for webhook in queryset.select_related("owner"):
            services.webhook_test_dispatch(webhook=webhook, actor=webhook.owner)
        self.message_user(request, "Test events dispatched; see the deliveries.")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = [
        "number",
        "outcome",
        "status_code",
        "duration_ms",
        "error",
        "response_body",
        "next_retry_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "uuid",
        "webhook",
        "event_type",
        "status",
        "attempts",
        "status_code",
        "duration_ms",
        "next_retry_at",
        "created_at",
    ]
    list_filter = ["status", "event_type", "created_at"]
    search_fields = ["uuid", "event_uuid", "webhook__name", "webhook__url", "webhook__owner__email"]
    list_select_related = ["webhook"]
    readonly_fields = [
        "uuid",
        "webhook",
        "event",
        "event_uuid",
        "event_type",
        "payload",
        "redelivery_of",
        "status",
        "attempts",
        "status_code",
        "duration_ms",
        "error",
        "next_retry_at",
        "claimed_until",
        "delivered_at",
        "created_at",
        "updated_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Resend selected deliveries (same event id)")
    def resend(self, request, queryset):
        sent = skipped = 0
        for delivery in queryset.select_related("webhook", "redelivery_of"):
            if services.delivery_resend(delivery=delivery) is None:
                skipped += 1
            else:
                sent += 1
        self.message_user(request, f"{sent} delivery(ies) queued again.")
        if skipped:
            self.message_user(
                request, f"{skipped} log note(s) skipped: nothing to send.", messages.WARNING
            )
