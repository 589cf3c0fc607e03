"""Django admin: segments, audiences and uploads; the consent ledger and privacy log are
read-only (append-only records)."""

from django.contrib import admin

from .models import (
    Audience,
    ConsentRecord,
    PrivacyRequest,
    Segment,
    SegmentUpload,
    WebsiteConsentSettings,
)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "uuid", "advertiser", "source", "ttl_days", "created_at"]
    list_filter = ["source"]
    search_fields = ["name", "uuid", "advertiser__company"]
    list_select_related = ["advertiser"]
    readonly_fields = ["uuid", "members_changed_at"]


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "advertiser", "status", "estimated_size", "built_at"]
    list_filter = ["type", "status"]
    search_fields = ["name", "uuid", "advertiser__company"]
    list_select_related = ["advertiser"]
    readonly_fields = ["uuid", "segment", "status", "estimated_size", "built_at", "last_error"]


@admin.register(SegmentUpload)
class SegmentUploadAdmin(admin.ModelAdmin):
    list_display = [
        "uuid",
        "audience",
        "mode",
        "format",
        "status",
        "rows_accepted",
        "rows_rejected",
    ]
    list_filter = ["status", "mode", "format"]
    readonly_fields = [f.name for f in SegmentUpload._meta.fields]


@admin.register(WebsiteConsentSettings)
class WebsiteConsentSettingsAdmin(admin.ModelAdmin):
    list_display = ["website", "gdpr_applies", "vendor_id", "without_consent", "updated_at"]
    list_filter = ["gdpr_applies", "without_consent"]
    search_fields = ["website__name", "website__url"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "recorded_at",
        "source",
        "user_key",
        "website_id",
        "country",
        "gdpr_applies",
        "tcf_valid",
        "personalised",
    ]
    list_filter = ["source", "gdpr_applies", "tcf_valid", "personalised", "gpc"]
    search_fields = ["user_key", "uuid"]


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "user_key", "actor"]
    list_filter = ["action"]
    search_fields = ["user_key"]
