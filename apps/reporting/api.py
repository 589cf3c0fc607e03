"""Reporting API: seed 001's analytics and reports, seed 000's report family.

Every view answers JSON in the envelope, or its main table as CSV with ``?format=csv``. DRF
would read ``?format=`` as a renderer choice (and 404 on ``csv``, as only JSON renders here),
so these views negotiate without the URL override and treat ``format`` as a query parameter.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import HasRole, IsAdminOrFinance
from apps.campaigns import selectors as campaign_selectors
from apps.common.api import ok, validate_query
from apps.common.errors import NotFoundError
from apps.common.schema import envelope, error_response
from apps.inventory import selectors as inventory_selectors

from . import serializers as s
from .exports import csv_response
from .periods import range_resolve
from .reports import Report
from .reports.analytics import entity_analytics, financial_report, summary_report
from .reports.family import (
    attribution_report,
    floor_report,
    hourly_report,
    overview_report,
    video_report,
    viewability_report,
)
from .reports.geo import devices_report, geo_report
from .scope import Viewer, viewer_filtered, viewer_for, viewer_for_entity

TAGS = ["Reports"]
CSV_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR, description="With `format=csv`: the report's main table as CSV."
)


class _NoUrlFormatOverride:
    URL_FORMAT_OVERRIDE = None


class QueryFormatNegotiation(DefaultContentNegotiation):
    """Content negotiation by ``Accept`` only: ``?format=`` belongs to the report."""

    settings = _NoUrlFormatOverride()


class CanReadAdvertiserReports(HasRole):
    roles = (Role.ADMIN, Role.FINANCE, Role.ADVERTISER, Role.PARTNER)
    message = "Campaign and ad analytics are for advertisers, partners, admins and finance."


class CanReadPublisherReports(HasRole):
    roles = (Role.ADMIN, Role.FINANCE, Role.PUBLISHER)
    message = "Publisher and zone analytics are for publishers, admins and finance."


def _responses(output) -> dict:
    return {
        (200, "application/json"): envelope(output),
        (200, "text/csv"): CSV_RESPONSE,
        422: error_response(422),
    }


def _schema(
    operation_id: str, query, output, *, summary: str, description: str, with_404: bool = True
):
    responses = _responses(output)
    if with_404:
        responses[404] = error_response(404)
    return extend_schema(
        tags=TAGS,
        operation_id=operation_id,
        summary=summary,
        parameters=[query],
        responses=responses,
        description=description,
    )


class ReportApi(APIView):
    content_negotiation_class = QueryFormatNegotiation
    permission_classes = [IsAuthenticated]

    @staticmethod
    def range_for(viewer: Viewer, query: dict):
        return range_resolve(
            tz=viewer.tz,
            period=query.get("period"),
            first_day=query.get("from"),
            last_day=query.get("to"),
        )

    @staticmethod
    def answer(report: Report, query: dict):
        if query.get("format") == "csv":
            return csv_response(report)
        return ok(report.data)


# --- Seed 001: one entity's analytics -----------------------------------------------------

ANALYTICS_DESCRIPTION = (
    "Stats and a zero-filled daily trend over `period` or `from`/`to`, days in the account's "
    "time zone. Money is a 2-place decimal string rounded half-even from exact micros; "
    "`ctr` = clicks / impressions * 100 and the other rates are percentages to 2 places "
    "(0 when the denominator is 0)."
)


class CampaignAnalyticsApi(ReportApi):
    permission_classes = [CanReadAdvertiserReports]

    @_schema(
        "analytics_campaign",
        s.ReportPeriodQuery,
        s.CampaignAnalyticsOutput,
        summary="Campaign analytics",
        description=ANALYTICS_DESCRIPTION,
    )
    def get(self, request, campaign_id: int):
        query = validate_query(s.ReportPeriodQuery, request)
        campaign = campaign_selectors.campaign_get(user=request.user, campaign_id=campaign_id)
        if campaign is None:
            raise NotFoundError("Campaign not found.")
        viewer = viewer_for_entity(
            request.user,
            conditions={"campaign_id": campaign.id},
            tz_name=campaign.advertiser.timezone,
            timezone_name=query.get("timezone"),
        )
        report = entity_analytics(
            kind="campaign", entity_id=campaign.id, viewer=viewer, rng=self.range_for(viewer, query)
        )
        return self.answer(report, query)


class AdAnalyticsApi(ReportApi):
    permission_classes = [CanReadAdvertiserReports]

    @_schema(
        "analytics_ad",
        s.ReportPeriodQuery,
        s.AdAnalyticsOutput,
        summary="Ad analytics",
        description=ANALYTICS_DESCRIPTION,
    )
    def get(self, request, ad_id: int):
        query = validate_query(s.ReportPeriodQuery, request)
        ad = campaign_selectors.ad_get(user=request.user, ad_id=ad_id)
        if ad is None:
            raise NotFoundError("Ad not found.")
        viewer = viewer_for_entity(
            request.user,
            conditions={"ad_id": ad.id},
            tz_name=ad.campaign.advertiser.timezone,
            timezone_name=query.get("timezone"),
        )
        report = entity_analytics(
            kind="ad", entity_id=ad.id, viewer=viewer, rng=self.range_for(viewer, query)
        )
        return self.answer(report, query)


class PublisherAnalyticsApi(ReportApi):
    permission_classes = [CanReadPublisherReports]

    @_schema(
        "analytics_publisher",
        s.ReportPeriodQuery,
        s.PublisherAnalyticsOutput,
        summary="Publisher analytics",
        description=ANALYTICS_DESCRIPTION,
    )
    def get(self, request, publisher_id: int):
        query = validate_query(s.ReportPeriodQuery, request)
        publisher = inventory_selectors.publisher_get(user=request.user, publisher_id=publisher_id)
        if publisher is None:
            raise NotFoundError("Publisher not found.")
        viewer = viewer_for_entity(
            request.user,
            conditions={"publisher_id": publisher.id},
            tz_name=publisher.user.timezone,
            timezone_name=query.get("timezone"),
        )
        report = entity_analytics(
            kind="publisher",
            entity_id=publisher.id,
            viewer=viewer,
            rng=self.range_for(viewer, query),
        )
        return self.answer(report, query)


class PublisherAnalyticsAliasApi(PublisherAnalyticsApi):
    """``publishers/{id}/analytics``: the same answer as ``analytics/publishers/{id}``."""

    @_schema(
        "publishers_analytics",
        s.ReportPeriodQuery,
        s.PublisherAnalyticsOutput,
        summary="Publisher analytics (alias)",
        description=ANALYTICS_DESCRIPTION,
    )
    def get(self, request, publisher_id: int):
        return super().get(request, publisher_id)


class ZoneAnalyticsApi(ReportApi):
    permission_classes = [CanReadPublisherReports]

    @_schema(
        "analytics_zone",
        s.ReportPeriodQuery,
        s.ZoneAnalyticsOutput,
        summary="Zone analytics",
        description=ANALYTICS_DESCRIPTION + " Zones add ad requests, fills and fill rate.",
    )
    def get(self, request, zone_id: int):
        query = validate_query(s.ReportPeriodQuery, request)
        zone = (
            inventory_selectors.zone_list(user=request.user)
            .select_related("website__publisher__user")
            .filter(pk=zone_id)
            .first()
        )
        if zone is None:
            raise NotFoundError("Zone not found.")
        viewer = viewer_for_entity(
            request.user,
            conditions={"zone_id": zone.id},
            tz_name=zone.website.publisher.user.timezone,
            timezone_name=query.get("timezone"),
        )
        report = entity_analytics(
            kind="zone", entity_id=zone.id, viewer=viewer, rng=self.range_for(viewer, query)
        )
        return self.answer(report, query)


# --- Seed 001: summary and financial reports ----------------------------------------------


class ReportSummaryApi(ReportApi):
    @_schema(
        "reports_summary",
        s.ReportPeriodQuery,
        s.ReportSummaryOutput,
        with_404=False,
        summary="Summary report",
        description="Totals and money per day: the caller's own (advertisers: spend; "
        "publishers: revenue), platform-wide for admins and finance (both, and "
        "platform_revenue = spend - revenue).",
    )
    def get(self, request):
        query = validate_query(s.ReportPeriodQuery, request)
        viewer = viewer_for(request.user, timezone_name=query.get("timezone"))
        report = summary_report(viewer=viewer, rng=self.range_for(viewer, query))
        return self.answer(report, query)


class FinancialReportApi(ReportApi):
    permission_classes = [IsAdminOrFinance]

    @_schema(
        "reports_financial",
        s.ReportPeriodQuery,
        s.FinancialReportOutput,
        with_404=False,
        summary="Financial report",
        description="Admin and finance: the platform summary plus spend per advertiser and "
        "earnings per publisher. CSV: one row per advertiser and per publisher (`section`).",
    )
    def get(self, request):
        query = validate_query(s.ReportPeriodQuery, request)
        viewer = viewer_for(request.user, timezone_name=query.get("timezone"))
        report = financial_report(viewer=viewer, rng=self.range_for(viewer, query))
        return self.answer(report, query)


# --- Seed 000: the report family ----------------------------------------------------------


class _FamilyReportApi(ReportApi):
    query_class: type = s.ReportFilterQuery

    def build(self, viewer: Viewer, rng, query: dict) -> Report:
        raise NotImplementedError

    def get(self, request):
        query = validate_query(self.query_class, request)
        viewer = viewer_for(request.user, timezone_name=query.get("timezone"))
        viewer = viewer_filtered(viewer, query)
        report = self.build(viewer, self.range_for(viewer, query), query)
        return self.answer(report, query)


FAMILY_DESCRIPTION = (
    " Scoped to what the caller may see; a filter id naming something else answers 404."
)


class OverviewReportApi(_FamilyReportApi):
    def build(self, viewer, rng, query):
        return overview_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_overview",
        s.ReportFilterQuery,
        s.OverviewReportOutput,
        summary="Overview report",
        description="Totals and a zero-filled daily breakdown." + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class HourlyReportApi(_FamilyReportApi):
    query_class = s.HourlyReportQuery

    def build(self, viewer, rng, query):
        return hourly_report(viewer=viewer, rng=rng, bucket=query["bucket"])

    @_schema(
        "reports_hourly",
        s.HourlyReportQuery,
        s.HourlyReportOutput,
        summary="Hourly report",
        description="Stats per local hour of day (24 buckets) or per hour of the range."
        + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class AttributionReportApi(_FamilyReportApi):
    def build(self, viewer, rng, query):
        return attribution_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_attribution",
        s.ReportFilterQuery,
        s.AttributionReportOutput,
        summary="Attribution report",
        description="Conversions attributed to clicks, per conversion goal, with time from "
        "click to conversion (count, average, median, min, max seconds)." + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class ViewabilityReportApi(_FamilyReportApi):
    def build(self, viewer, rng, query):
        return viewability_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_viewability",
        s.ReportFilterQuery,
        s.ViewabilityReportOutput,
        summary="Viewability report",
        description="Viewable impressions and viewable rate, in total and per day."
        + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class VideoReportApi(_FamilyReportApi):
    def build(self, viewer, rng, query):
        return video_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_video",
        s.ReportFilterQuery,
        s.VideoReportOutput,
        summary="Video quartile report",
        description="The video quartile funnel (start, first quartile, midpoint, third "
        "quartile, complete) with completion rate = completes / starts * 100." + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


BREAKDOWN_DESCRIPTION = (
    " Rows are sorted by impressions, most first; events the serve could not place are "
    "`unknown`. Each row and the totals carry impressions, clicks, ctr, conversions, the "
    "caller's money (advertisers spend and conversion value, publishers revenue, admins and "
    "finance both) and eCPM/eCPC of the first of them. Days are the account's time zone over "
    "hourly UTC rollups, as in the rest of the family."
)


class GeoReportApi(_FamilyReportApi):
    query_class = s.GeoReportQuery

    def build(self, viewer, rng, query):
        return geo_report(viewer=viewer, rng=rng, level=query["level"])

    @_schema(
        "reports_geo",
        s.GeoReportQuery,
        s.GeoReportOutput,
        summary="Geographic report",
        description="Delivery by country (ISO 3166-1 alpha-2), or with `level=region` by "
        "country and region (ISO 3166-2). CSV: one row per location."
        + BREAKDOWN_DESCRIPTION
        + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class DevicesReportApi(_FamilyReportApi):
    def build(self, viewer, rng, query):
        return devices_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_devices",
        s.ReportFilterQuery,
        s.DevicesReportOutput,
        summary="Device report",
        description="Delivery by device class: desktop, mobile, tablet. CSV: one row per "
        "device class." + BREAKDOWN_DESCRIPTION + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)


class FloorReportApi(_FamilyReportApi):
    permission_classes = [CanReadPublisherReports]
    query_class = s.FloorReportQuery

    def build(self, viewer, rng, query):
        return floor_report(viewer=viewer, rng=rng)

    @_schema(
        "reports_floor",
        s.FloorReportQuery,
        s.FloorReportOutput,
        summary="Floor price report",
        description="Per zone: floor price, ad requests, fills, fill rate, and the average "
        "winning CPM (spend / impressions * 1000) against the floor. Publishers, admins and "
        "finance." + FAMILY_DESCRIPTION,
    )
    def get(self, request):
        return super().get(request)
