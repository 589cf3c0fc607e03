"""The exchange in Django admin: exchange rates, site/app mappings, demand partners with a
statistics page (``admin/rtb/demandpartner/statistics/``), and the bid statistics."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from .config import config_reset
from .models import (
    DemandPartner,
    ExchangeRate,
    PartnerHourlyStat,
    RtbHourlyStat,
    SupplyMapping,
)
from .partners import breaker_for
from .selectors import partner_statistics

PERIODS = {"1": 1, "24": 24, "168": 24 * 7}


class _ConfigAdmin(admin.ModelAdmin):
    """Changes reach this process at once; other processes within RTB_CONFIG_SECONDS."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        config_reset()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        config_reset()


@admin.register(ExchangeRate)
class ExchangeRateAdmin(_ConfigAdmin):
    list_display = ["currency", "rate", "updated_at"]
    search_fields = ["currency"]


@admin.register(SupplyMapping)
class SupplyMappingAdmin(_ConfigAdmin):
    list_display = ["source", "external_id", "tagid", "zone", "created_at"]
    list_filter = ["source"]
    search_fields = ["external_id", "tagid", "zone__name", "zone__uuid"]
    raw_id_fields = ["zone"]
    list_select_related = ["zone"]


@admin.register(DemandPartner)
class DemandPartnerAdmin(_ConfigAdmin):
    list_display = ["name", "endpoint_url", "seat", "timeout_ms", "qps_cap", "currency", "enabled"]
    list_filter = ["enabled", "currency"]
    search_fields = ["name", "endpoint_url", "seat"]
    filter_horizontal = ["zones", "websites"]
    actions = ["enable", "disable"]
    change_list_template = "admin/rtb/demandpartner/change_list.html"

    @admin.action(description="Enable selected partners")
    def enable(self, request, queryset):
        queryset.update(enabled=True)
        config_reset()

    @admin.action(description="Disable selected partners")
    def disable(self, request, queryset):
        queryset.update(enabled=False)
        config_reset()

    def get_urls(self):
        view = self.admin_site.admin_view(self.statistics_view)
        return [
            path("statistics/", view, name="rtb_demandpartner_statistics"),
            *super().get_urls(),
        ]

    def statistics_view(self, request):
        hours = PERIODS.get(request.GET.get("hours", "24"), 24)
        until = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        rows = partner_statistics(since=until - timedelta(hours=hours), until=until)
        context = {
            **self.admin_site.each_context(request),
            "title": "Demand partner statistics",
            "opts": self.model._meta,
            "rows": [(row, breaker_for(row.partner.pk).is_open) for row in rows],
            "hours": hours,
            "periods": [(key, value) for key, value in PERIODS.items()],
        }
        return TemplateResponse(request, "admin/rtb/partner_statistics.html", context)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RtbHourlyStat)
class RtbHourlyStatAdmin(_ReadOnly):
    list_display = ["hour", "campaign_id", "zone_id", "bids", "wins", "losses", "billed"]
    list_filter = ["hour"]
    search_fields = ["campaign_id"]


@admin.register(PartnerHourlyStat)
class PartnerHourlyStatAdmin(_ReadOnly):
    list_display = ["hour", "partner", "requests", "bids", "wins", "timeouts", "errors"]
    list_filter = ["partner"]
