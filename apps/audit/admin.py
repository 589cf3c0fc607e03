"""The audit log in Django admin: read-only (no add, change or delete), searchable by
object, actor email and address."""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditEntryAdmin(AuditlogLogEntryAdmin):
    list_display = ["created", "resource_url", "action", "msg_short", "user_url", "remote_addr"]
    search_fields = ["object_repr", "actor_email", "actor__email", "remote_addr"]
    list_filter = ["action", "content_type"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
