"""Advertisers API: the advertiser profile (company, currency, time zone, partner managers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.schema import envelope, error_response

from .. import selectors, services
from ..models import Advertiser
from ..permissions import CanUseCampaigns
from ..serializers import (
    AdvertiserCreateInput,
    AdvertiserListQuery,
    AdvertiserOutput,
    AdvertiserUpdateInput,
)

TAGS = ["Advertisers"]


def advertiser_for(request, advertiser_id: int) -> Advertiser:
    advertiser = selectors.advertiser_get(user=request.user, advertiser_id=advertiser_id)
    if advertiser is None:
        raise NotFoundError("Advertiser not found.")
    return advertiser


class AdvertiserListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="advertisers_list",
        summary="List advertisers",
        parameters=[AdvertiserListQuery],
        responses={200: envelope(AdvertiserOutput, many=True)},
        description="Admins and finance see all; an advertiser its own profile; a partner "
        "the advertisers it manages.",
    )
    def get(self, request):
        query = validate_query(AdvertiserListQuery, request)
        if request.user.role == Role.ADVERTISER:
            services.advertiser_ensure(user=request.user)
        advertisers = selectors.advertiser_list(user=request.user, search=query.get("search", ""))
        return paginated(request, advertisers, AdvertiserOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="advertisers_create",
        summary="Create an advertiser profile",
        request=AdvertiserCreateInput,
        responses={201: envelope(AdvertiserOutput), 409: error_response(409)},
        description="Admin only: the profile of an advertiser-role user.",
        examples=[
            OpenApiExample(
                "Create",
                value={"user_id": 5, "company": "Acme Inc", "currency": "EUR"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        if request.user.role != Role.ADMIN:
            raise PermissionDenied("Admin role required.")
        data = dict(validate_body(AdvertiserCreateInput, request))
        if "timezone" in data:
            data["timezone_name"] = data.pop("timezone")
        advertiser = services.advertiser_create(**data)
        return ok(AdvertiserOutput(advertiser).data, status=201)


class AdvertiserDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="advertisers_retrieve",
        summary="Get an advertiser",
        description="Admin, finance, advertiser or partner: admins and finance any advertiser, an "
        "advertiser its own profile, a partner the advertisers it manages; others are "
        "404.",
        responses={200: envelope(AdvertiserOutput)},
    )
    def get(self, request, advertiser_id: int):
        return ok(AdvertiserOutput(advertiser_for(request, advertiser_id)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="advertisers_update",
        summary="Update an advertiser",
        request=AdvertiserUpdateInput,
        responses={200: envelope(AdvertiserOutput), 409: error_response(409)},
        description="The advertiser itself or an admin; `manager_ids` and `client_slug` are "
        "admin only.",
    )
    def put(self, request, advertiser_id: int):
        advertiser = advertiser_for(request, advertiser_id)
        user = request.user
        if user.role not in (Role.ADMIN, Role.ADVERTISER):
            raise PermissionDenied("Only the advertiser or an admin can change this profile.")
        body = request.data if isinstance(request.data, dict) else {}
        if "manager_ids" in body and user.role != Role.ADMIN:
            raise PermissionDenied("Only admins change manager_ids.")
        if "client_slug" in body and user.role != Role.ADMIN:
            raise PermissionDenied("Only admins change client_slug.")
        data = dict(validate_body(AdvertiserUpdateInput, request, partial=True))
        if "timezone" in data:
            data["timezone_name"] = data.pop("timezone")
        advertiser = services.advertiser_update(advertiser=advertiser, **data)
        advertiser = selectors.advertiser_get(user=user, advertiser_id=advertiser.pk)
        return ok(AdvertiserOutput(advertiser).data)

    @extend_schema(
        tags=TAGS,
        operation_id="advertisers_partial_update",
        summary="Partially update an advertiser",
        description="The advertiser itself or an admin (partners and finance are refused). The "
        "same as PUT: only the fields sent change, and `manager_ids` and "
        "`client_slug` are admin only.",
        request=AdvertiserUpdateInput,
        responses={200: envelope(AdvertiserOutput), 409: error_response(409)},
    )
    def patch(self, request, advertiser_id: int):
        return self.put(request, advertiser_id)
