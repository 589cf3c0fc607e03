"""Ads API: creatives of a campaign, with admin review."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.schema import MessageOutput, envelope

from .. import selectors, services
from ..models import Ad, Campaign
from ..permissions import CanUseCampaigns
from ..serializers import AdCreateInput, AdListQuery, AdOutput, AdReviewInput, AdUpdateInput

TAGS = ["Ads"]
ADMIN_ONLY_FIELDS = ("review_status", "review_note")


def ad_for(request, ad_id: int) -> Ad:
    ad = selectors.ad_get(user=request.user, ad_id=ad_id)
    if ad is None:
        raise NotFoundError("Ad not found.")
    return ad


def _campaign_for_ad(request, campaign_id: int) -> Campaign:
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


def _refuse_review_fields(request) -> None:
    data = request.data if isinstance(request.data, dict) else {}
    if request.user.role != Role.ADMIN and any(f in data for f in ADMIN_ONLY_FIELDS):
        raise PermissionDenied("Only admins can change review_status.")


class AdListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="ads_list",
        summary="List ads",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Paginated, newest first, without deleted ads or ads of deleted "
        "campaigns; filter by `campaign_id`, `status`, `review_status`, `type` and "
        "`advertiser_id`.",
        parameters=[AdListQuery],
        responses={200: envelope(AdOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(AdListQuery, request)
        ads = selectors.ad_list(
            user=request.user,
            campaign_id=query.get("campaign_id"),
            status=query.get("status"),
            review_status=query.get("review_status"),
            ad_type=query.get("type"),
            advertiser_id=query.get("advertiser_id"),
        )
        return paginated(request, ads, AdOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="ads_create",
        summary="Create an ad",
        request=AdCreateInput,
        responses={201: envelope(AdOutput)},
        description="Per type: banner needs image_url, width, height; text needs headline; "
        "native needs headline, body, image_url; html needs html, width, height (served only "
        "inside a sandboxed iframe); video needs video_url, video_mime, duration_seconds. "
        "`review_status` is for admins; new ads await review unless auto-approval is on.",
        examples=[
            OpenApiExample(
                "Banner",
                value={
                    "campaign_id": 1,
                    "name": "Banner Ad 300x250",
                    "type": "banner",
                    "headline": "Click Here",
                    "destination_url": "https://example.com",
                    "image_url": "https://cdn.example.com/banner.jpg",
                    "width": 300,
                    "height": 250,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Video",
                value={
                    "campaign_id": 1,
                    "name": "Pre-roll 15s",
                    "type": "video",
                    "destination_url": "https://example.com",
                    "video_url": "https://cdn.example.com/spot.mp4",
                    "video_mime": "video/mp4",
                    "duration_seconds": 15,
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        _refuse_review_fields(request)
        data = dict(validate_body(AdCreateInput, request))
        campaign = _campaign_for_ad(request, data.pop("campaign_id"))
        ad = services.ad_create(campaign=campaign, actor=request.user, **data)
        return ok(AdOutput(ad).data, status=201)


class AdDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="ads_retrieve",
        summary="Get an ad",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Deleted ads and ads out of scope answer 404.",
        responses={200: envelope(AdOutput)},
    )
    def get(self, request, ad_id: int):
        return ok(AdOutput(ad_for(request, ad_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="ads_update",
        summary="Update an ad",
        request=AdUpdateInput,
        responses={200: envelope(AdOutput)},
        description="Send only the fields you want to change. Changing the creative of a "
        "reviewed ad sends it back to review (unless auto-approval is on).",
    )
    def put(self, request, ad_id: int):
        ad = ad_for(request, ad_id)
        _refuse_review_fields(request)
        data = dict(validate_body(AdUpdateInput, request, partial=True))
        campaign_id = data.pop("campaign_id", None)
        if campaign_id is not None and campaign_id != ad.campaign_id:
            data["campaign"] = _campaign_for_ad(request, campaign_id)
        ad = services.ad_update(ad=ad, actor=request.user, **data)
        return ok(AdOutput(ad).data)

    @extend_schema(
        tags=TAGS,
        operation_id="ads_partial_update",
        summary="Partially update an ad",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. The same as PUT: only the fields sent change; only admins may send "
        "`review_status` or `review_note`, and a changed creative goes back to review "
        "unless auto-approval is on.",
        request=AdUpdateInput,
        responses={200: envelope(AdOutput)},
    )
    def patch(self, request, ad_id: int):
        return self.put(request, ad_id)

    @extend_schema(
        tags=TAGS,
        operation_id="ads_destroy",
        summary="Delete an ad",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. A soft delete: the ad stops serving and answers 404 from then on; "
        "the deletion is recorded in the audit log.",
        responses={200: MessageOutput},
    )
    def delete(self, request, ad_id: int):
        services.ad_delete(ad=ad_for(request, ad_id))
        return Response({"success": True, "message": "Ad deleted."})


class _AdReviewApi(APIView):
    permission_classes = [CanUseCampaigns]
    review_status = ""

    def post(self, request, ad_id: int):
        if request.user.role != Role.ADMIN:
            raise PermissionDenied("Only admins review ads.")
        ad = ad_for(request, ad_id)
        data = validate_body(AdReviewInput, request) if request.data else {}
        ad = services.ad_review(
            ad=ad, actor=request.user, review_status=self.review_status, note=data.get("note")
        )
        return ok(AdOutput(ad).data)


class AdApproveApi(_AdReviewApi):
    review_status = "approved"

    @extend_schema(
        tags=TAGS,
        operation_id="ads_approve",
        summary="Approve an ad",
        request=AdReviewInput,
        responses={200: envelope(AdOutput)},
        description="Admin only.",
    )
    def post(self, request, ad_id: int):
        return super().post(request, ad_id)


class AdRejectApi(_AdReviewApi):
    review_status = "rejected"

    @extend_schema(
        tags=TAGS,
        operation_id="ads_reject",
        summary="Reject an ad",
        request=AdReviewInput,
        responses={200: envelope(AdOutput)},
        description="Admin only; `note` tells the advertiser why.",
    )
    def post(self, request, ad_id: int):
        return super().post(request, ad_id)
