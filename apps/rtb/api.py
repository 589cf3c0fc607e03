"""``GET /api/v1/reports/rtb``: our OpenRTB buying per campaign (bids, wins, win rate, losses,
billed impressions, average bid and clearing CPM, spend), JSON or CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from apps.accounts.models import Role
from apps.campaigns import selectors as campaign_selectors
from apps.reporting.api import CanReadAdvertiserReports, ReportApi, _responses
from apps.reporting.reports import Report
from apps.reporting.scope import viewer_for
from apps.reporting.serializers import ReportPeriodQuery

from .selectors import campaign_rtb_statistics

COLUMNS = [
    "campaign_id",
    "advertiser_id",
    "bids",
    "wins",
    "losses",
    "billed_impressions",
    "win_rate",
    "average_bid_cpm",
    "average_clearing_cpm",
    "spend",
]


class RtbReportQuery(ReportPeriodQuery):
    campaign_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Only this campaign (one you may see)."
    )


class RtbReportRow(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    advertiser_id = serializers.IntegerField()
    bids = serializers.IntegerField()
    wins = serializers.IntegerField(help_text="Win notices received.")
    losses = serializers.IntegerField(help_text="Loss notices received.")
    billed_impressions = serializers.IntegerField(help_text="Billing notices counted (once each).")
    win_rate = serializers.FloatField(help_text="wins / bids * 100, 2 places.")
    average_bid_cpm = serializers.CharField(allow_null=True)
    average_clearing_cpm = serializers.CharField(
        allow_null=True, help_text="The average clearing CPM of won bids (platform currency)."
    )
    spend = serializers.CharField(help_text="What the billed impressions cost, platform currency.")


class RtbReportOutput(serializers.Serializer):
    range = serializers.DictField()
    rows = RtbReportRow(many=True)


class RtbReportApi(ReportApi):
    permission_classes = [CanReadAdvertiserReports]

    @extend_schema(
        tags=["Reports"],
        operation_id="reports_rtb",
        summary="OpenRTB buying report",
        parameters=[RtbReportQuery],
        responses=_responses(RtbReportOutput),
        description="Our bids on OpenRTB 2.6 requests per campaign: bids, win and loss "
        "notices, win rate, billed impressions, average bid and clearing CPM and spend "
        "(platform currency). Advertisers and partners see their own campaigns; admins and "
        "finance all.",
    )
    def get(self, request):
        from apps.common.api import validate_query
        from apps.reporting.periods import range_resolve

        query = validate_query(RtbReportQuery, request)
        viewer = viewer_for(request.user, timezone_name=query.get("timezone"))
        rng = range_resolve(
            tz=viewer.tz,
            period=query.get("period") or "last_30_days",
            first_day=query.get("from"),
            last_day=query.get("to"),
        )
        since = rng.start_utc or datetime(2000, 1, 1, tzinfo=UTC)
        campaign_ids = None
        if request.user.role not in (Role.ADMIN, Role.FINANCE):
            campaign_ids = list(
                campaign_selectors.campaign_list(user=request.user).values_list("id", flat=True)
            )
        if query.get("campaign_id"):
            wanted = query["campaign_id"]
            campaign_ids = [wanted] if campaign_ids is None or wanted in campaign_ids else []
        rows = campaign_rtb_statistics(since=since, until=rng.end_utc, campaign_ids=campaign_ids)
        rng = rng.settled(since) if rng.is_open else rng
        data = {"range": rng.describe(), "rows": rows}
        return self.answer(Report("rtb", rng, data, COLUMNS, rows), query)
