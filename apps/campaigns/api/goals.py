"""Conversion goals API: what an advertiser counts as a conversion, and its pixel."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import FieldValidationError, NotFoundError
from apps.common.schema import MessageOutput, envelope

from .. import selectors, services
from ..models import Campaign, ConversionGoal
from ..permissions import CanUseCampaigns
from ..serializers import (
    ConversionGoalCreateInput,
    ConversionGoalListQuery,
    ConversionGoalOutput,
    ConversionGoalUpdateInput,
)

TAGS = ["Conversion goals"]


def goal_for(request, goal_id: int) -> ConversionGoal:
    goal = selectors.conversion_goal_get(user=request.user, goal_id=goal_id)
    if goal is None:
        raise NotFoundError("Conversion goal not found.")
    return goal


def _campaign(request, campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    if campaign is None:
        raise NotFoundError(
            "Campaign not found.",
            details=[
                {
                    "path": ["body", "campaign_id"],
                    "code": "not_found",
                    "message": "Campaign not found.",
                }
            ],
        )
    return campaign


class ConversionGoalListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_list",
        summary="List conversion goals",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Paginated, newest first, without deleted goals; filter by "
        "`campaign_id`, `type`, `is_active` and `advertiser_id`.",
        parameters=[ConversionGoalListQuery],
        responses={200: envelope(ConversionGoalOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(ConversionGoalListQuery, request)
        goals = selectors.conversion_goal_list(
            user=request.user,
            campaign_id=query.get("campaign_id"),
            goal_type=query.get("type"),
            is_active=query.get("is_active"),
            advertiser_id=query.get("advertiser_id"),
        )
        return paginated(request, goals, ConversionGoalOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_create",
        summary="Create a conversion goal",
        description="Admin, advertiser or partner. The goal belongs to the caller's advertiser, "
        "to `advertiser_id` (admin, or partner for one it manages), or to the "
        "advertiser of `campaign_id`, and may be limited to that campaign.",
        request=ConversionGoalCreateInput,
        responses={201: envelope(ConversionGoalOutput)},
        examples=[
            OpenApiExample(
                "Purchase",
                value={
                    "name": "Purchase",
                    "type": "sale",
                    "default_value": "25.00",
                    "attribution_window_days": 30,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = dict(validate_body(ConversionGoalCreateInput, request))
        campaign = _campaign(request, data.pop("campaign_id", None))
        advertiser_id = data.pop("advertiser_id", None)
        if advertiser_id is None and campaign is not None:
            advertiser_id = campaign.advertiser_id
        advertiser = services.advertiser_acting(user=request.user, advertiser_id=advertiser_id)
        goal = services.conversion_goal_create(advertiser=advertiser, campaign=campaign, **data)
        return ok(ConversionGoalOutput(goal).data, status=201)


class ConversionGoalDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_retrieve",
        summary="Get a conversion goal",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Deleted goals and goals out of scope answer 404.",
        responses={200: envelope(ConversionGoalOutput)},
    )
    def get(self, request, goal_id: int):
        return ok(ConversionGoalOutput(goal_for(request, goal_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_update",
        summary="Update a conversion goal",
        request=ConversionGoalUpdateInput,
        responses={200: envelope(ConversionGoalOutput)},
        description="Send only the fields you want to change; `campaign_id: null` unlinks.",
    )
    def put(self, request, goal_id: int):
        goal = goal_for(request, goal_id)
        data = dict(validate_body(ConversionGoalUpdateInput, request, partial=True))
        advertiser_id = data.pop("advertiser_id", None)
        if advertiser_id is not None and advertiser_id != goal.advertiser_id:
            raise FieldValidationError(
                "advertiser_id", "A goal cannot move to another advertiser.", code="immutable"
            )
        if "campaign_id" in data:
            data["campaign"] = _campaign(request, data.pop("campaign_id"))
        goal = services.conversion_goal_update(goal=goal, **data)
        return ok(ConversionGoalOutput(goal).data)

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_partial_update",
        summary="Partially update a conversion goal",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. The same as PUT: only the fields sent change; `campaign_id: null` "
        "unlinks the goal from its campaign, and a goal cannot move to another "
        "advertiser.",
        request=ConversionGoalUpdateInput,
        responses={200: envelope(ConversionGoalOutput)},
    )
    def patch(self, request, goal_id: int):
        return self.put(request, goal_id)

    @extend_schema(
        tags=TAGS,
        operation_id="conversion_goals_destroy",
        summary="Delete a conversion goal",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. A soft delete: the goal answers 404 from then on; the deletion is "
        "recorded in the audit log.",
        responses={200: MessageOutput},
    )
    def delete(self, request, goal_id: int):
        services.conversion_goal_delete(goal=goal_for(request, goal_id))
        return Response({"success": True, "message": "Conversion goal deleted."})
