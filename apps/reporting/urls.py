from django.urls import path

from . import api

urlpatterns = [
    path(
        "analytics/campaigns/<id:campaign_id>",
        api.CampaignAnalyticsApi.as_view(),
        name="analytics-campaign",
    ),
    path("analytics/ads/<id:ad_id>", api.AdAnalyticsApi.as_view(), name="analytics-ad"),
    path(
        "analytics/publishers/<id:publisher_id>",
        api.PublisherAnalyticsApi.as_view(),
        name="analytics-publisher",
    ),
    path(
        "publishers/<id:publisher_id>/analytics",
        api.PublisherAnalyticsAliasApi.as_view(),
        name="publisher-analytics",
    ),
    path("analytics/zones/<id:zone_id>", api.ZoneAnalyticsApi.as_view(), name="analytics-zone"),
    path("reports", api.ReportSummaryApi.as_view(), name="reports"),
    path("reports/financial", api.FinancialReportApi.as_view(), name="reports-financial"),
    path("reports/overview", api.OverviewReportApi.as_view(), name="reports-overview"),
    path("reports/hourly", api.HourlyReportApi.as_view(), name="reports-hourly"),
    path("reports/attribution", api.AttributionReportApi.as_view(), name="reports-attribution"),
    path("reports/viewability", api.ViewabilityReportApi.as_view(), name="reports-viewability"),
    path("reports/video", api.VideoReportApi.as_view(), name="reports-video"),
    path("reports/floor", api.FloorReportApi.as_view(), name="reports-floor"),
    path("reports/geo", api.GeoReportApi.as_view(), name="reports-geo"),
    path("reports/devices", api.DevicesReportApi.as_view(), name="reports-devices"),
]
