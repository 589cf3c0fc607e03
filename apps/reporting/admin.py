from django.contrib import admin, messages

from .models import RollupState, ScopeHourlyStat
from .rollups import rollups_refresh


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived data: rebuilt from the hourly stats, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScopeHourlyStat)
class ScopeHourlyStatAdmin(ReadOnlyAdmin):
    list_display = [
        "hour",
        "scope",
        "scope_id",
        "advertiser_id",
        "publisher_id",
        "impressions",
        "clicks",
        "conversions",
        "spend_micros",
        "revenue_micros",
    ]
    list_filter = ["scope"]
    search_fields = ["=scope_id", "=advertiser_id", "=publisher_id"]
    date_hierarchy = "hour"
    ordering = ["-hour", "scope", "scope_id"]


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["id", "built_until", "refreshed_at"]
    actions = ["rebuild"]

    @admin.action(description="Rebuild the report rollups now (the refresh window)")
    def rebuild(self, request, queryset):
        until = rollups_refresh()
        self.message_user(request, f"Report rollups built until {until}.", messages.SUCCESS)
