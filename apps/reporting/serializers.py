"""Query parameters of the reports, and their output shapes (for the OpenAPI schema)."""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import cache

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.integers import IdFilterField

from .periods import CUSTOM, PERIODS
from .reports.family import HOURLY_BUCKETS
from .reports.geo import DEVICE_CLASSES, GEO_LEVELS, UNKNOWN

FORMATS = ("json", "csv")
# Far enough for any stored data, near enough that a local midnight always converts.
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2099, 12, 31)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _date_field(help_text: str) -> serializers.DateField:
    return serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], format="%Y-%m-%d", help_text=help_text
    )


def _id_field(help_text: str) -> IdFilterField:
    return IdFilterField(help_text=help_text)


class ReportPeriodQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=PERIODS,
        required=False,
        help_text="Days in the account's time zone; `all` starts at the first day with data. "
        "Default `all`. Ignored when `from` is given.",
    )
    locals()["from"] = _date_field("First day (YYYY-MM-DD, inclusive, account's time zone).")
    to = _date_field("Last day (YYYY-MM-DD, inclusive); default today. Needs `from`.")
    timezone = serializers.CharField(
        required=False,
        max_length=64,
        help_text="An IANA time zone to read days and hours in, instead of the account's.",
    )
    format = serializers.ChoiceField(
        choices=FORMATS,
        required=False,
        default="json",
        help_text="`csv` answers the report's main table as a CSV attachment.",
    )

    def validate_timezone(self, value: str) -> str:
        if value not in _known_timezones():
            raise serializers.ValidationError(
                f"'{value}' is not a known IANA time zone.", code="invalid_choice"
            )
        return value

    def validate(self, attrs):
        for name in ("from", "to"):
            day = attrs.get(name)
            if day is not None and not MIN_DATE <= day <= MAX_DATE:
                raise serializers.ValidationError(
                    {name: [f"Give a date from {MIN_DATE} to {MAX_DATE}."]}, code="out_of_range"
                )
        return attrs


class ReportFilterQuery(ReportPeriodQuery):
    campaign_id = _id_field("Only this campaign (one you may see).")
    ad_id = _id_field("Only this ad (one you may see).")
    zone_id = _id_field("Only this zone (one you may see).")
    publisher_id = _id_field("Only this publisher (one you may see).")


class HourlyReportQuery(ReportFilterQuery):
    bucket = serializers.ChoiceField(
        choices=HOURLY_BUCKETS,
        required=False,
        default="hour_of_day",
        help_text="`hour_of_day`: 24 buckets (local hour 0-23) over the range; "
        "`hour`: every local hour of the range.",
    )


class GeoReportQuery(ReportFilterQuery):
    level = serializers.ChoiceField(
        choices=GEO_LEVELS,
        required=False,
        default="country",
        help_text="`country`: one row per country; `region`: one row per country and region "
        "(ISO 3166-2, often `unknown`: GeoIP may know only the country).",
    )


class FloorReportQuery(ReportPeriodQuery):
    zone_id = _id_field("Only this zone (one you may see).")
    publisher_id = _id_field("Only this publisher (one you may see).")


# --- Output shapes ------------------------------------------------------------------------


def _money(
    help_text: str = "", required: bool = True, allow_null: bool = False
) -> serializers.CharField:
    return serializers.CharField(
        required=required,
        allow_null=allow_null,
        help_text=help_text or "Decimal string, 2 places.",
    )


def _percent(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(help_text=f"{help_text} Percentage, 2 places.")


class ReportRangeOutput(serializers.Serializer):
    period = serializers.ChoiceField(choices=(*PERIODS, CUSTOM))
    locals()["from"] = serializers.DateField(help_text="First day of the range (local).")
    to = serializers.DateField(help_text="Last day of the range (local).")
    timezone = serializers.CharField(help_text="IANA time zone of the days and hours.")


class ReportStatsOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    ctr = _percent("clicks / impressions * 100; 0 without impressions.")
    conversions = serializers.IntegerField()
    conversion_rate = _percent("conversions / clicks * 100; 0 without clicks.")
    spend = _money("What advertisers were charged (advertiser views, admins).", required=False)
    revenue = _money("The publishers' earnings (publisher views, admins).", required=False)
    conversion_value = _money("Value the conversions reported (with spend).", required=False)
    ecpm = _money("The view's money / impressions * 1000.")
    ecpc = _money("The view's money / clicks.")
    viewable_impressions = serializers.IntegerField()
    viewable_rate = _percent("viewable impressions / impressions * 100.")
    invalid_events = serializers.IntegerField()
    requests = serializers.IntegerField(required=False, help_text="Ad requests (zone side).")
    fills = serializers.IntegerField(required=False, help_text="Requests answered with an ad.")
    fill_rate = serializers.FloatField(required=False, help_text="fills / requests * 100.")


class ReportDayStatsOutput(ReportStatsOutput):
    date = serializers.DateField()


def _analytics_output(name: str, id_field: str) -> type[serializers.Serializer]:
    attrs = {
        id_field: serializers.IntegerField(),
        "stats": ReportStatsOutput(),
        "daily_trend": ReportDayStatsOutput(many=True),
    }
    return type(name, (ReportRangeOutput,), attrs)


CampaignAnalyticsOutput = _analytics_output("CampaignAnalyticsOutput", "campaign_id")
AdAnalyticsOutput = _analytics_output("AdAnalyticsOutput", "ad_id")
PublisherAnalyticsOutput = _analytics_output("PublisherAnalyticsOutput", "publisher_id")
ZoneAnalyticsOutput = _analytics_output("ZoneAnalyticsOutput", "zone_id")


class ReportSummaryTotalsOutput(serializers.Serializer):
    total_impressions = serializers.IntegerField()
    total_clicks = serializers.IntegerField()
    ctr = _percent("clicks / impressions * 100.")
    total_conversions = serializers.IntegerField()
    conversion_rate = _percent("conversions / clicks * 100.")
    total_spend = _money("Advertiser charges (not for publishers).", required=False)
    total_conversion_value = _money(required=False)
    total_revenue = _money("Publisher earnings (not for advertisers).", required=False)
    platform_revenue = _money("Spend - revenue (admins and finance).", required=False)
    ecpm = _money()
    ecpc = _money()
    total_viewable_impressions = serializers.IntegerField()
    viewable_rate = _percent("viewable / impressions * 100.")
    total_invalid_events = serializers.IntegerField()


class RevenueDayOutput(serializers.Serializer):
    date = serializers.DateField()
    revenue = _money("Publisher earnings (publishers, admins).", required=False)
    spend = _money("Advertiser charges (advertisers, admins).", required=False)
    platform_revenue = _money(required=False)


class ReportSummaryOutput(ReportRangeOutput):
    summary = ReportSummaryTotalsOutput()
    revenue_over_time = RevenueDayOutput(many=True)


class AdvertiserRevenueOutput(serializers.Serializer):
    advertiser_id = serializers.IntegerField()
    company = serializers.CharField()
    spend = _money()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()


class PublisherPayoutOutput(serializers.Serializer):
    publisher_id = serializers.IntegerField()
    name = serializers.CharField()
    revenue = _money()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()


class FinancialReportOutput(ReportSummaryOutput):
    per_advertiser_revenue = AdvertiserRevenueOutput(many=True)
    per_publisher_payouts = PublisherPayoutOutput(many=True)


class ReportFiltersOutput(serializers.Serializer):
    campaign_id = serializers.IntegerField(required=False)
    ad_id = serializers.IntegerField(required=False)
    zone_id = serializers.IntegerField(required=False)
    publisher_id = serializers.IntegerField(required=False)


class FamilyReportOutput(ReportRangeOutput):
    filters = ReportFiltersOutput()


class OverviewReportOutput(FamilyReportOutput):
    totals = ReportStatsOutput()
    daily = ReportDayStatsOutput(many=True)


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 23}, {"type": "string"}]}
)
class HourBucketField(serializers.Field):
    """An hour of day (a number) or an hour's start (a string), as the bucket says."""

    def to_representation(self, value):
        return value


class HourStatsOutput(ReportStatsOutput):
    hour = HourBucketField(
        help_text="`hour_of_day`: the local hour of day (0-23); `hour`: the local ISO 8601 "
        "start of the hour."
    )


class HourlyReportOutput(FamilyReportOutput):
    bucket = serializers.ChoiceField(choices=HOURLY_BUCKETS)
    totals = ReportStatsOutput()
    hours = HourStatsOutput(many=True)


class ViewabilityFiguresOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    viewable_impressions = serializers.IntegerField()
    viewable_rate = _percent("viewable / impressions * 100.")


class ViewabilityDayOutput(ViewabilityFiguresOutput):
    date = serializers.DateField()


class ViewabilityReportOutput(FamilyReportOutput):
    totals = ViewabilityFiguresOutput()
    daily = ViewabilityDayOutput(many=True)


class VideoFiguresOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    starts = serializers.IntegerField()
    start_rate = _percent("starts / impressions * 100.")
    first_quartiles = serializers.IntegerField()
    midpoints = serializers.IntegerField()
    third_quartiles = serializers.IntegerField()
    completes = serializers.IntegerField()
    first_quartile_rate = _percent("first quartiles / starts * 100.")
    midpoint_rate = _percent("midpoints / starts * 100.")
    third_quartile_rate = _percent("third quartiles / starts * 100.")
    completion_rate = _percent("completes / starts * 100.")


class VideoDayOutput(VideoFiguresOutput):
    date = serializers.DateField()


class VideoStageOutput(serializers.Serializer):
    stage = serializers.ChoiceField(
        choices=("start", "firstQuartile", "midpoint", "thirdQuartile", "complete")
    )
    count = serializers.IntegerField()
    rate = _percent("count / starts * 100.")


class VideoReportOutput(FamilyReportOutput):
    totals = VideoFiguresOutput()
    funnel = VideoStageOutput(many=True)
    daily = VideoDayOutput(many=True)


class TimeToConvertOutput(serializers.Serializer):
    count = serializers.IntegerField()
    avg_seconds = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    min_seconds = serializers.FloatField(allow_null=True)
    max_seconds = serializers.FloatField(allow_null=True)


class AttributionGoalOutput(serializers.Serializer):
    goal_id = serializers.IntegerField(allow_null=True)
    goal_name = serializers.CharField()
    goal_type = serializers.CharField()
    conversions = serializers.IntegerField()
    converting_clicks = serializers.IntegerField(help_text="Distinct clicks that converted.")
    conversion_rate = _percent("conversions / clicks of the range * 100.")
    conversion_value = _money(required=False)
    spend = _money(required=False)
    cost_per_conversion = _money(required=False)
    time_to_convert = TimeToConvertOutput()


class AttributionTotalsOutput(serializers.Serializer):
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    converting_clicks = serializers.IntegerField()
    conversion_rate = _percent("conversions / clicks * 100.")
    conversion_value = _money(required=False)
    time_to_convert = TimeToConvertOutput()


class AttributionReportOutput(FamilyReportOutput):
    truncated = serializers.BooleanField(
        help_text="More conversions than REPORT_ATTRIBUTION_MAX_ROWS: the oldest were read."
    )
    totals = AttributionTotalsOutput()
    goals = AttributionGoalOutput(many=True)


class FloorZoneOutput(serializers.Serializer):
    zone_id = serializers.IntegerField()
    zone_name = serializers.CharField()
    floor_price = _money("The zone's floor, a CPM; null once the zone is deleted.", allow_null=True)
    requests = serializers.IntegerField()
    fills = serializers.IntegerField()
    fill_rate = _percent("fills / requests * 100.")
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    revenue = _money(required=False)
    spend = _money(required=False)
    avg_winning_cpm = _money("spend / impressions * 1000.")
    cpm_over_floor = serializers.CharField(
        allow_null=True, help_text="avg_winning_cpm - floor_price; null without impressions."
    )


class FloorTotalsOutput(serializers.Serializer):
    zones = serializers.IntegerField()
    requests = serializers.IntegerField()
    fills = serializers.IntegerField()
    fill_rate = _percent("fills / requests * 100.")
    impressions = serializers.IntegerField()
    revenue = _money(required=False)
    spend = _money(required=False)
    avg_winning_cpm = _money()


class FloorReportOutput(FamilyReportOutput):
    totals = FloorTotalsOutput()
    zones = FloorZoneOutput(many=True)


class DeliveryFiguresOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    ctr = _percent("clicks / impressions * 100; 0 without impressions.")
    conversions = serializers.IntegerField()
    conversion_rate = _percent("conversions / clicks * 100; 0 without clicks.")
    spend = _money("What advertisers were charged (advertiser views, admins).", required=False)
    revenue = _money("The publishers' earnings (publisher views, admins).", required=False)
    conversion_value = _money("Value the conversions reported (with spend).", required=False)
    ecpm = _money("The view's money (spend, for publishers revenue) / impressions * 1000.")
    ecpc = _money("The view's money / clicks.")


class GeoLocationOutput(DeliveryFiguresOutput):
    country = serializers.CharField(
        help_text=f"ISO 3166-1 alpha-2 code, or `{UNKNOWN}` where the serve had no country."
    )
    region = serializers.CharField(
        required=False,
        help_text=f"With `level=region`: ISO 3166-2 code (`DE-BY`), or `{UNKNOWN}`.",
    )


class GeoReportOutput(FamilyReportOutput):
    level = serializers.ChoiceField(choices=GEO_LEVELS)
    totals = DeliveryFiguresOutput()
    locations = GeoLocationOutput(many=True, help_text="Sorted by impressions, most first.")


class DeviceClassOutput(DeliveryFiguresOutput):
    device = serializers.ChoiceField(choices=(*DEVICE_CLASSES, UNKNOWN))


class DevicesReportOutput(FamilyReportOutput):
    totals = DeliveryFiguresOutput()
    devices = DeviceClassOutput(many=True, help_text="Sorted by impressions, most first.")
