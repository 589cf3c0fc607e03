from django.contrib import admin

from .models import DomainEvent


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    list_display = ["uuid", "event_type", "owner", "created_at"]
    list_filter = ["event_type", "created_at"]
    search_fields = ["uuid", "event_type", "owner__email"]
    readonly_fields = ["uuid", "event_type", "data", "owner", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
