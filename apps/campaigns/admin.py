"""Django admin for advertisers, campaigns, ads and conversion goals.

Status and review changes go through the services (actions), so their events fire and the
serving index is rebuilt; form saves record the same through ``*_admin_saved``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from rest_framework.exceptions import APIException

from . import services
from .models import Ad, Advertiser, Campaign, CampaignStatus, ConversionGoal, ReviewStatus


def _run_each(modeladmin, request, queryset, action, verb: str) -> None:
    done, failed = 0, []
    for obj in queryset:
        try:
            action(obj)
            done += 1
        except (APIException, ValidationError) as exc:
            detail = getattr(exc, "detail", None) or "; ".join(getattr(exc, "messages", []))
            failed.append(f"{obj}: {detail}")
    if done:
        modeladmin.message_user(request, f"{done} {verb}.")
    for message in failed:
        modeladmin.message_user(request, message, messages.WARNING)


class LiveFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Advertiser)
class AdvertiserAdmin(admin.ModelAdmin):
    list_display = ["id", "company", "client_slug", "user", "currency", "timezone", "created_at"]
    list_filter = ["currency", "timezone", "created_at"]
    search_fields = ["company", "client_slug", "user__email", "user__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    filter_horizontal = ["managers"]
    readonly_fields = ["created_at", "updated_at"]


class AdInline(admin.TabularInline):
    model = Ad
    fields = ["name", "type", "width", "height", "status", "review_status", "weight"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "advertiser",
        "status",
        "pricing_model",
        "bid_amount",
        "daily_budget",
        "priority",
        "start_date",
        "end_date",
        "deleted_at",
    ]
    list_filter = ["status", "pricing_model", "priority", "pacing", LiveFilter, "start_date"]
    search_fields = ["name", "advertiser__company", "advertiser__user__email", "category"]
    list_select_related = ["advertiser"]
    raw_id_fields = ["advertiser"]
    readonly_fields = ["status", "source_reference_id", "deleted_at", "created_at", "updated_at"]
    inlines = [AdInline]
    actions = ["pause", "activate", "archive", "soft_delete"]

    def save_model(self, request, obj, form, change):
        services.campaign_admin_saved(campaign=obj, created=not change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # soft delete through the action, so the event fires

    @admin.action(description="Pause selected campaigns")
    def pause(self, request, queryset):
        _run_each(self, request, queryset, lambda c: services.campaign_pause(campaign=c), "paused")

    @admin.action(description="Activate selected campaigns")
    def activate(self, request, queryset):
        _run_each(
            self, request, queryset, lambda c: services.campaign_activate(campaign=c), "activated"
        )

    @admin.action(description="Archive selected campaigns")
    def archive(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda c: services.campaign_transition(campaign=c, status=CampaignStatus.ARCHIVED),
            "archived",
        )

    @admin.action(description="Delete selected campaigns (soft)")
    def soft_delete(self, request, queryset):
        _run_each(
            self,
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda c: services.campaign_delete(campaign=c),
            "deleted",
        )


@admin.register(Ad)
class AdAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "campaign",
        "type",
        "width",
        "height",
        "status",
        "review_status",
        "weight",
        "deleted_at",
    ]
    list_filter = ["type", "status", "review_status", LiveFilter]
    search_fields = ["name", "headline", "uuid", "campaign__name", "destination_url"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]
    readonly_fields = [
        "uuid",
        "review_status",
        "reviewed_at",
        "reviewed_by",
        "deleted_at",
        "created_at",
        "updated_at",
    ]
    actions = ["approve", "reject", "soft_delete"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        services.ad_admin_saved(ad=obj, created=not change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # soft delete through the action

    @admin.action(description="Approve selected ads")
    def approve(self, request, queryset):
        _run_each(
            self,
            request,
            queryset.exclude(review_status=ReviewStatus.APPROVED),
            lambda ad: services.ad_approve(ad=ad, actor=request.user),
            "approved",
        )

    @admin.action(description="Reject selected ads")
    def reject(self, request, queryset):
        _run_each(
            self,
            request,
            queryset.exclude(review_status=ReviewStatus.REJECTED),
            lambda ad: services.ad_reject(ad=ad, actor=request.user),
            "rejected",
        )

    @admin.action(description="Delete selected ads (soft)")
    def soft_delete(self, request, queryset):
        _run_each(
            self,
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda ad: services.ad_delete(ad=ad),
            "deleted",
        )


@admin.register(ConversionGoal)
class ConversionGoalAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "name",
        "advertiser",
        "campaign",
        "type",
        "default_value",
        "attribution_window_days",
        "is_active",
    ]
    list_filter = ["type", "is_active", LiveFilter]
    search_fields = ["name", "uuid", "advertiser__company", "campaign__name"]
    list_select_related = ["advertiser", "campaign"]
    raw_id_fields = ["advertiser", "campaign"]
    readonly_fields = ["uuid", "pixel_url", "deleted_at", "created_at", "updated_at"]
