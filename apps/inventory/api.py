"""Inventory API: publishers (with approval), websites, zones and their embed code.

Roles: a publisher works on its own objects, an admin on everyone's, finance reads everything
and changes nothing; advertisers and partners get 403. Another publisher's id answers 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import IsAdmin
from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.schema import MessageOutput, envelope, error_response

from . import selectors, services
from .embed import zone_embed
from .models import Publisher, Website, Zone
from .permissions import CanUseInventory
from .serializers import (
    PublisherCreateInput,
    PublisherListQuery,
    PublisherOutput,
    PublisherRejectInput,
    PublisherUpdateInput,
    WebsiteCreateInput,
    WebsiteListQuery,
    WebsiteOutput,
    WebsiteUpdateInput,
    ZoneCreateInput,
    ZoneEmbedOutput,
    ZoneListQuery,
    ZoneOutput,
    ZoneUpdateInput,
)

PUBLISHERS = ["Publishers"]
WEBSITES = ["Websites"]
ZONES = ["Zones"]


def _require_admin(request) -> None:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied("Admin role required.")


def _publisher(request, publisher_id: int) -> Publisher:
    publisher = selectors.publisher_get(user=request.user, publisher_id=publisher_id)
    if publisher is None:
        raise NotFoundError("Publisher not found.")
    return publisher


def _website(request, website_id: int) -> Website:
    website = selectors.website_get(user=request.user, website_id=website_id)
    if website is None:
        raise NotFoundError("Website not found.")
    return website


def _zone(request, zone_id: int) -> Zone:
    zone = selectors.zone_get(user=request.user, zone_id=zone_id)
    if zone is None:
        raise NotFoundError("Zone not found.")
    return zone


# --- Publishers -----------------------------------------------------------------------------


class PublisherListApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_list",
        summary="List publishers",
        parameters=[PublisherListQuery],
        responses={200: envelope(PublisherOutput, many=True)},
        description="Admins and finance see every publisher; a publisher sees its own record.",
    )
    def get(self, request):
        query = validate_query(PublisherListQuery, request)
        publishers = selectors.publisher_list(user=request.user, status=query.get("status"))
        return paginated(request, publishers, PublisherOutput)

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_create",
        summary="Create a publisher",
        request=PublisherCreateInput,
        responses={201: envelope(PublisherOutput), 409: error_response(409)},
        description="Admin only. The user must have the publisher role and no publisher yet.",
        examples=[
            OpenApiExample(
                "Create a publisher",
                value={
                    "name": "My Publisher",
                    "user_id": 5,
                    "website_url": "https://example.com",
                    "description": "Optional description",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        _require_admin(request)
        data = dict(validate_body(PublisherCreateInput, request))
        publisher = services.publisher_create(user=data.pop("user_id"), actor=request.user, **data)
        return ok(PublisherOutput(publisher).data, status=201)


class PublisherDetailApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_retrieve",
        summary="Get a publisher",
        description="Admin, finance or publisher: admins and finance see all, a publisher only "
        "its own; others' ids answer 404.",
        responses={200: envelope(PublisherOutput)},
    )
    def get(self, request, publisher_id: int):
        return ok(PublisherOutput(_publisher(request, publisher_id)).data)

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_update",
        summary="Update a publisher",
        request=PublisherUpdateInput,
        responses={200: envelope(PublisherOutput)},
        description=(
            "Send only the fields to change. The owner may change its profile, payout and "
            "blocking lists; `status`, `revenue_share` and `rejection_reason` are admin only "
            "(403 otherwise)."
        ),
        examples=[
            OpenApiExample("Approve (admin)", value={"status": "approved"}, request_only=True),
            OpenApiExample(
                "Payout details (owner)",
                value={
                    "payout_method": "paypal",
                    "payout_details": {"email": "pay@example.com"},
                    "blocked_categories": ["gambling"],
                },
                request_only=True,
            ),
        ],
    )
    def put(self, request, publisher_id: int):
        publisher = _publisher(request, publisher_id)
        data = validate_body(PublisherUpdateInput, request, partial=True)
        publisher = services.publisher_update(publisher=publisher, actor=request.user, **data)
        return ok(PublisherOutput(publisher).data)

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_partial_update",
        summary="Partially update a publisher",
        description="Admin or publisher (finance is read-only); a publisher only on its own. The "
        "same as PUT: only the fields sent change; `status`, `revenue_share` and "
        "`rejection_reason` are admin only (403 otherwise).",
        request=PublisherUpdateInput,
        responses={200: envelope(PublisherOutput)},
    )
    def patch(self, request, publisher_id: int):
        return self.put(request, publisher_id)

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_destroy",
        summary="Delete a publisher",
        responses={200: MessageOutput, 409: error_response(409)},
        description="Admin only. Deletes the publisher with its websites and zones; 409 "
        "`publisher_has_money_records` when payouts or ledger entries refer to it (they are "
        "kept).",
    )
    def delete(self, request, publisher_id: int):
        _require_admin(request)
        services.publisher_delete(publisher=_publisher(request, publisher_id))
        return Response({"success": True, "message": "Publisher deleted."})


class PublisherApproveApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_approve",
        summary="Approve a publisher",
        request=None,
        responses={200: envelope(PublisherOutput)},
        description="Admin only. Emits publisher.approved unless already approved.",
    )
    def post(self, request, publisher_id: int):
        publisher = services.publisher_approve(
            publisher=_publisher(request, publisher_id), actor=request.user
        )
        return ok(PublisherOutput(publisher).data)


class PublisherRejectApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=PUBLISHERS,
        operation_id="publishers_reject",
        summary="Reject a publisher",
        request=PublisherRejectInput,
        responses={200: envelope(PublisherOutput)},
        description="Admin only. Emits publisher.rejected unless already rejected.",
    )
    def post(self, request, publisher_id: int):
        publisher = _publisher(request, publisher_id)
        data = validate_body(PublisherRejectInput, request) if request.data else {}
        publisher = services.publisher_reject(
            publisher=publisher, actor=request.user, reason=data.get("reason", "")
        )
        return ok(PublisherOutput(publisher).data)


# --- Websites -------------------------------------------------------------------------------


class WebsiteListApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_list",
        summary="List websites",
        description="Admin, finance or publisher: admins and finance see all, a publisher only "
        "its own. Paginated, oldest first; filter by `publisher_id`.",
        parameters=[WebsiteListQuery],
        responses={200: envelope(WebsiteOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(WebsiteListQuery, request)
        websites = selectors.website_list(user=request.user, publisher_id=query.get("publisher_id"))
        return paginated(request, websites, WebsiteOutput)

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_create",
        summary="Create a website",
        request=WebsiteCreateInput,
        responses={201: envelope(WebsiteOutput)},
        description="The caller must own `publisher_id` (admins: any); otherwise 404.",
        examples=[
            OpenApiExample(
                "Create a website",
                value={
                    "publisher_id": 1,
                    "name": "My Site",
                    "url": "https://mysite.com",
                    "category": "news",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = dict(validate_body(WebsiteCreateInput, request))
        publisher = _publisher(request, data.pop("publisher_id"))
        website = services.website_create(publisher=publisher, **data)
        return ok(WebsiteOutput(website).data, status=201)


class WebsiteDetailApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_retrieve",
        summary="Get a website",
        description="Admin, finance or publisher: admins and finance see all, a publisher only "
        "its own; others' ids answer 404.",
        responses={200: envelope(WebsiteOutput)},
    )
    def get(self, request, website_id: int):
        return ok(WebsiteOutput(_website(request, website_id)).data)

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_update",
        summary="Update a website",
        request=WebsiteUpdateInput,
        responses={200: envelope(WebsiteOutput)},
        description="Send only the fields to change.",
    )
    def put(self, request, website_id: int):
        website = _website(request, website_id)
        data = dict(validate_body(WebsiteUpdateInput, request, partial=True))
        if "publisher_id" in data:
            data["publisher"] = _publisher(request, data.pop("publisher_id"))
        website = services.website_update(website=website, **data)
        return ok(WebsiteOutput(website).data)

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_partial_update",
        summary="Partially update a website",
        description="Admin or publisher (finance is read-only); a publisher only on its own. The "
        "same as PUT: only the fields sent change; a new `publisher_id` must be one "
        "the caller may see. Serving picks up the change.",
        request=WebsiteUpdateInput,
        responses={200: envelope(WebsiteOutput)},
    )
    def patch(self, request, website_id: int):
        return self.put(request, website_id)

    @extend_schema(
        tags=WEBSITES,
        operation_id="websites_destroy",
        summary="Delete a website",
        responses={200: MessageOutput},
        description="Deletes the website with its zones.",
    )
    def delete(self, request, website_id: int):
        services.website_delete(website=_website(request, website_id))
        return Response({"success": True, "message": "Website deleted."})


# --- Zones ----------------------------------------------------------------------------------


class ZoneListApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=ZONES,
        operation_id="zones_list",
        summary="List zones",
        description="Admin, finance or publisher: admins and finance see all, a publisher only "
        "its own. Paginated, oldest first; filter by `website_id`, `publisher_id`, "
        "`type` and `status`.",
        parameters=[ZoneListQuery],
        responses={200: envelope(ZoneOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(ZoneListQuery, request)
        zones = selectors.zone_list(
            user=request.user,
            website_id=query.get("website_id"),
            publisher_id=query.get("publisher_id"),
            zone_type=query.get("type"),
            status=query.get("status"),
        )
        return paginated(request, zones, ZoneOutput)

    @extend_schema(
        tags=ZONES,
        operation_id="zones_create",
        summary="Create a zone",
        request=ZoneCreateInput,
        responses={201: envelope(ZoneOutput)},
        description=(
            "The caller must own `website_id`'s publisher (admins: any); otherwise 404. "
            "Banner and html zones need `width` and `height`."
        ),
        examples=[
            OpenApiExample(
                "Create a zone",
                value={
                    "website_id": 1,
                    "name": "Header Banner",
                    "type": "banner",
                    "width": 728,
                    "height": 90,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = dict(validate_body(ZoneCreateInput, request))
        website = _website(request, data.pop("website_id"))
        zone = services.zone_create(website=website, **data)
        return ok(ZoneOutput(zone).data, status=201)


class ZoneDetailApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=ZONES,
        operation_id="zones_retrieve",
        summary="Get a zone",
        description="Admin, finance or publisher: admins and finance see all, a publisher only "
        "its own; others' ids answer 404.",
        responses={200: envelope(ZoneOutput)},
    )
    def get(self, request, zone_id: int):
        return ok(ZoneOutput(_zone(request, zone_id)).data)

    @extend_schema(
        tags=ZONES,
        operation_id="zones_update",
        summary="Update a zone",
        request=ZoneUpdateInput,
        responses={200: envelope(ZoneOutput)},
        description="Send only the fields to change.",
        examples=[
            OpenApiExample(
                "Pause and raise the floor",
                value={"status": "paused", "floor_price": "0.75"},
                request_only=True,
            )
        ],
    )
    def put(self, request, zone_id: int):
        zone = _zone(request, zone_id)
        data = dict(validate_body(ZoneUpdateInput, request, partial=True))
        if "website_id" in data:
            data["website"] = _website(request, data.pop("website_id"))
        zone = services.zone_update(zone=zone, **data)
        return ok(ZoneOutput(zone).data)

    @extend_schema(
        tags=ZONES,
        operation_id="zones_partial_update",
        summary="Partially update a zone",
        description="Admin or publisher (finance is read-only); a publisher only on its own. The "
        "same as PUT: only the fields sent change and the size rules are checked on "
        "the result. Serving picks up the change.",
        request=ZoneUpdateInput,
        responses={200: envelope(ZoneOutput)},
    )
    def patch(self, request, zone_id: int):
        return self.put(request, zone_id)

    @extend_schema(
        tags=ZONES,
        operation_id="zones_destroy",
        summary="Delete a zone",
        description="Admin or publisher (finance is read-only); a publisher only on its own. "
        "Deletes the zone for good; it stops serving ads.",
        responses={200: MessageOutput},
    )
    def delete(self, request, zone_id: int):
        services.zone_delete(zone=_zone(request, zone_id))
        return Response({"success": True, "message": "Zone deleted."})


class ZoneEmbedApi(APIView):
    permission_classes = [CanUseInventory]

    @extend_schema(
        tags=ZONES,
        operation_id="zones_embed",
        summary="Get a zone's embed code",
        responses={200: envelope(ZoneEmbedOutput)},
        description=(
            "Ready-to-paste tags for the zone: async JavaScript, a sandboxed iframe, and an "
            "image with a click link for places without JavaScript."
        ),
    )
    def get(self, request, zone_id: int):
        return ok(zone_embed(zone=_zone(request, zone_id)))
