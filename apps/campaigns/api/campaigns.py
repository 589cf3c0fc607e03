"""Campaigns API: CRUD, create-or-resolve by ``source.reference_id``, pause/resume."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import ConflictError, FieldValidationError, NotFoundError
from apps.common.schema import MessageOutput, envelope, error_response

from .. import selectors, services
from ..models import Campaign
from ..permissions import CanUseCampaigns
from ..serializers import (
    CampaignCreateInput,
    CampaignListQuery,
    CampaignOutput,
    CampaignResolveQuery,
    CampaignUpdateInput,
)

TAGS = ["Campaigns"]

SEED_EXAMPLE = OpenApiExample(
    "Create a campaign",
    value={
        "name": "Summer Sale",
        "bid_amount": "1.50",
        "daily_budget": "50.00",
        "start_date": "2026-03-10",
        "end_date": None,
    },
    request_only=True,
)
SOURCE_EXAMPLE = OpenApiExample(
    "Create or resolve by source",
    value={
        "advertiser_id": 7,
        "name": "Partner order 8812",
        "bid_amount": "2.00",
        "start_date": "2026-03-10",
        "targeting": {"countries": ["US"], "devices": ["mobile"], "days": [0, 1, 2, 3, 4]},
        "frequency_cap": {"impressions": 3, "window_hours": 24},
        "source": {"system": "partner-x", "reference_id": "order-8812"},
    },
    request_only=True,
)


def campaign_for(request, campaign_id: int) -> Campaign:
    campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    if campaign is None:
        raise NotFoundError("Campaign not found.")
    return campaign


class CampaignListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_list",
        summary="List campaigns",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Paginated, newest first, without deleted campaigns; filter by "
        "`status`, `pricing_model`, `advertiser_id` and `search` (part of the name).",
        parameters=[CampaignListQuery],
        responses={200: envelope(CampaignOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(CampaignListQuery, request)
        campaigns = selectors.campaign_list(
            user=request.user,
            status=query.get("status"),
            pricing_model=query.get("pricing_model"),
            advertiser_id=query.get("advertiser_id"),
            search=query.get("search", ""),
        )
        return paginated(request, campaigns, CampaignOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_create",
        summary="Create a campaign",
        description="Admin, advertiser or partner. An advertiser creates for itself; an admin or "
        "partner names `advertiser_id` (a partner only one it manages). A new "
        "campaign is draft or active. With a `source.reference_id` that advertiser "
        "already has live, the existing campaign is answered with 200 instead; "
        "otherwise 201 and a `campaign.created` webhook event.",
        request=CampaignCreateInput,
        responses={
            201: envelope(CampaignOutput),
            200: OpenApiResponse(
                envelope(CampaignOutput),
                description="A campaign with the same source.reference_id already exists.",
            ),
        },
        examples=[SEED_EXAMPLE, SOURCE_EXAMPLE],
    )
    def post(self, request):
        data = dict(validate_body(CampaignCreateInput, request))
        advertiser = services.advertiser_acting(
            user=request.user, advertiser_id=data.pop("advertiser_id", None)
        )
        campaign, created = services.campaign_create(advertiser=advertiser, **data)
        if not created:
            return ok(
                CampaignOutput(campaign).data,
                status=200,
                message="A campaign with this source reference_id already exists.",
            )
        return ok(CampaignOutput(campaign).data, status=201)


class CampaignResolveApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_resolve",
        summary="Find a campaign by source reference",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Answers the live campaign created with this `source.reference_id`; "
        "404 when none, 409 when several advertisers have one (narrow with "
        "`advertiser_id`).",
        parameters=[CampaignResolveQuery],
        responses={
            200: envelope(CampaignOutput),
            404: error_response(404),
            409: error_response(409),
        },
    )
    def get(self, request):
        query = validate_query(CampaignResolveQuery, request)
        found = selectors.campaign_by_reference(
            user=request.user,
            reference_id=query["reference_id"].strip(),
            advertiser_id=query.get("advertiser_id"),
        )
        if not found:
            raise NotFoundError("No campaign with this reference_id.")
        if len(found) > 1:
            raise ConflictError(
                "Several advertisers have a campaign with this reference_id; pass advertiser_id.",
                code="ambiguous_reference_id",
            )
        return ok(CampaignOutput(found[0]).data)


class CampaignDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_retrieve",
        summary="Get a campaign",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Deleted campaigns and campaigns out of scope answer 404.",
        responses={200: envelope(CampaignOutput)},
    )
    def get(self, request, campaign_id: int):
        return ok(CampaignOutput(campaign_for(request, campaign_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_update",
        summary="Update a campaign",
        request=CampaignUpdateInput,
        responses={200: envelope(CampaignOutput), 409: error_response(409)},
        description="Send only the fields you want to change. A status change must be an "
        "allowed transition (draft→active|archived, active→paused|completed|archived, "
        "paused→active|completed|archived, completed→archived); others answer 400 "
        "`invalid_status_transition`.",
        examples=[
            OpenApiExample("Pause", value={"status": "paused"}, request_only=True),
            OpenApiExample("New bid", value={"bid_amount": "2.10"}, request_only=True),
        ],
    )
    def put(self, request, campaign_id: int):
        campaign = campaign_for(request, campaign_id)
        data = dict(validate_body(CampaignUpdateInput, request, partial=True))
        advertiser_id = data.pop("advertiser_id", None)
        if advertiser_id is not None and advertiser_id != campaign.advertiser_id:
            raise FieldValidationError(
                "advertiser_id", "A campaign cannot move to another advertiser.", code="immutable"
            )
        campaign = services.campaign_update(campaign=campaign, **data)
        return ok(CampaignOutput(campaign).data)

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_partial_update",
        summary="Partially update a campaign",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. The same as PUT: only the fields sent change, a status change must "
        "be an allowed transition and fires a `campaign.status_changed` webhook "
        "event.",
        request=CampaignUpdateInput,
        responses={200: envelope(CampaignOutput), 409: error_response(409)},
    )
    def patch(self, request, campaign_id: int):
        return self.put(request, campaign_id)

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_destroy",
        summary="Delete a campaign",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. A soft delete: the campaign stops serving, answers 404 from then "
        "on and fires a `campaign.deleted` webhook event.",
        responses={200: MessageOutput},
    )
    def delete(self, request, campaign_id: int):
        services.campaign_delete(campaign=campaign_for(request, campaign_id))
        return Response({"success": True, "message": "Campaign deleted."})


class CampaignPauseApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_pause",
        summary="Pause a campaign",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. Moves an active campaign to paused, so it stops serving, and fires a "
        "`campaign.status_changed` webhook event; a paused one stays as it is, and a "
        "draft, completed or archived one answers 400 `invalid_status_transition`.",
        request=None,
        responses={200: envelope(CampaignOutput)},
    )
    def post(self, request, campaign_id: int):
        campaign = services.campaign_pause(campaign=campaign_for(request, campaign_id))
        return ok(CampaignOutput(campaign).data)


class CampaignResumeApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="campaigns_resume",
        summary="Resume a campaign",
        request=None,
        responses={200: envelope(CampaignOutput)},
        description="Make a paused (or draft) campaign active.",
    )
    def post(self, request, campaign_id: int):
        campaign = services.campaign_activate(campaign=campaign_for(request, campaign_id))
        return ok(CampaignOutput(campaign).data)
