from django.contrib import admin
from django.db import models, transaction

from apps.common.events import inventory_changed, inventory_object_changed

from . import services
from .models import Publisher, PublisherStatus, Website, Zone

URL_FORM_FIELD = {models.URLField: {"assume_scheme": "https"}}


class BumpsInventoryVersion(admin.ModelAdmin):
    """Edits made here change what can serve, like the API's do."""

    formfield_overrides = URL_FORM_FIELD

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            inventory_object_changed(obj, fields=form.changed_data if change else None)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            if any(formset.has_changed() for formset in formsets):
                # Inline websites or zones: their publisher's zones are reloaded.
                inventory_object_changed(form.instance)

    def delete_model(self, request, obj):
        with transaction.atomic():
            inventory_object_changed(obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            model = queryset.model._meta.model_name
            inventory_changed(kind=model, ids=list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)


class WebsiteInline(admin.TabularInline):
    model = Website
    extra = 0
    formfield_overrides = URL_FORM_FIELD
    fields = ["name", "url", "category"]
    show_change_link = True


@admin.register(Publisher)
class PublisherAdmin(BumpsInventoryVersion):
    list_display = [
        "id",
        "name",
        "user",
        "status",
        "revenue_share",
        "payout_method",
        "reviewed_at",
        "created_at",
    ]
    list_filter = ["status", "payout_method", "created_at"]
    search_fields = ["name", "user__email", "website_url"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # Status changes go through the approve/reject actions so their events fire.
    readonly_fields = [
        "status",
        "rejection_reason",
        "reviewed_at",
        "reviewed_by",
        "created_at",
        "updated_at",
    ]
    inlines = [WebsiteInline]
    actions = ["approve", "reject"]

    @admin.action(description="Approve selected publishers")
    def approve(self, request, queryset):
        count = 0
        for publisher in queryset.exclude(status=PublisherStatus.APPROVED):
            services.publisher_approve(publisher=publisher, actor=request.user)
            count += 1
        self.message_user(request, f"{count} publisher(s) approved.")

    @admin.action(description="Reject selected publishers")
    def reject(self, request, queryset):
        count = 0
        for publisher in queryset.exclude(status=PublisherStatus.REJECTED):
            services.publisher_reject(publisher=publisher, actor=request.user)
            count += 1
        self.message_user(request, f"{count} publisher(s) rejected.")


class ZoneInline(admin.TabularInline):
    model = Zone
    extra = 0
    fields = ["name", "type", "width", "height", "floor_price", "status"]
    show_change_link = True


@admin.register(Website)
class WebsiteAdmin(BumpsInventoryVersion):
    list_display = ["id", "name", "url", "category", "publisher", "created_at"]
    list_filter = ["category", "created_at"]
    search_fields = ["name", "url", "publisher__name", "publisher__user__email"]
    list_select_related = ["publisher"]
    raw_id_fields = ["publisher"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ZoneInline]


@admin.register(Zone)
class ZoneAdmin(BumpsInventoryVersion):
    list_display = [
        "id",
        "name",
        "uuid",
        "type",
        "size",
        "floor_price",
        "status",
        "website",
        "publisher",
    ]
    list_filter = ["type", "status", "created_at"]
    search_fields = ["name", "uuid", "website__name", "website__publisher__name"]
    list_select_related = ["website__publisher"]
    raw_id_fields = ["website"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    actions = ["pause", "activate"]

    @admin.display(description="publisher", ordering="website__publisher__name")
    def publisher(self, obj: Zone):
        return obj.website.publisher

    @admin.action(description="Pause selected zones")
    def pause(self, request, queryset):
        self._set_status(request, queryset, "paused")

    @admin.action(description="Activate selected zones")
    def activate(self, request, queryset):
        self._set_status(request, queryset, "active")

    def _set_status(self, request, queryset, status: str) -> None:
        count = 0
        for zone in queryset.exclude(status=status).select_related("website"):
            services.zone_update(zone=zone, status=status)
            count += 1
        self.message_user(request, f"{count} zone(s) {status}.")
