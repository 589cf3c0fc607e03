"""Payouts API: publishers see their own, finance and admins all; finance makes, approves
and marks them paid; each downloads as a CSV statement."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema

from apps.campaigns.services.advertisers import not_found
from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.schema import envelope, error_response
from apps.inventory.models import Publisher

from .. import documents, selectors, services
from ..serializers import (
    PayoutCreateInput,
    PayoutDetailOutput,
    PayoutListQuery,
    PayoutMarkPaidInput,
    PayoutOutput,
)
from .common import (
    CSV_RESPONSE,
    BillingApiView,
    FinanceOnly,
    IgnoreAcceptNegotiation,
    PayoutReadsFinanceWrites,
    download,
    payout_for,
)

TAGS = ["Payouts"]
CONFLICT = {409: error_response(409)}


class PayoutListApi(BillingApiView):
    permission_classes = [PayoutReadsFinanceWrites]

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_list",
        summary="List payouts",
        parameters=[PayoutListQuery],
        responses={200: envelope(PayoutOutput, many=True)},
        description="Publisher earnings per period (their revenue share of the spend on "
        "their zones) and the payout's status: pending → approved → paid.",
    )
    def get(self, request):
        query = validate_query(PayoutListQuery, request)
        payouts = selectors.payout_list(
            user=request.user, status=query.get("status"), publisher_id=query.get("publisher_id")
        )
        return paginated(request, payouts, PayoutOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_create",
        summary="Create a payout",
        request=PayoutCreateInput,
        responses={201: envelope(PayoutDetailOutput), **CONFLICT},
        description="Finance or an admin makes a publisher's payout up to the end of a "
        "finished period (`month`, or `period_end`); it starts where the last payout ended. "
        "Earnings under the `minimum_payout` setting are 400 `below_minimum` and carry over; "
        "409 `already_paid_out` when a payout covers the period. Monthly payouts are made "
        "automatically.",
        examples=[OpenApiExample("A month", value={"publisher_id": 3, "month": "2026-10"})],
    )
    def post(self, request):
        data = dict(validate_body(PayoutCreateInput, request))
        publisher = Publisher.objects.filter(pk=data.pop("publisher_id")).first()
        if publisher is None:
            raise not_found("Publisher", "publisher_id")
        payout = services.payout_create(publisher=publisher, actor=request.user, **data)
        return ok(PayoutDetailOutput(payout).data, status=201)


class PayoutDetailApi(BillingApiView):
    permission_classes = [PayoutReadsFinanceWrites]

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_retrieve",
        summary="Get a payout",
        responses={200: envelope(PayoutDetailOutput)},
        description="One payout with its statement lines (one per zone, each rounded once).",
    )
    def get(self, request, payout_uuid: uuid.UUID):
        return ok(PayoutDetailOutput(payout_for(request, payout_uuid)).data)


class PayoutApproveApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_approve",
        summary="Approve a payout",
        request=None,
        responses={200: envelope(PayoutDetailOutput), **CONFLICT},
        description="Pending → approved; any other state is 409 `invalid_status_transition`.",
    )
    def post(self, request, payout_uuid: uuid.UUID):
        payout = services.payout_approve(
            payout=payout_for(request, payout_uuid), actor=request.user
        )
        return ok(PayoutDetailOutput(payout).data)


class PayoutMarkPaidApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_mark_paid",
        summary="Mark a payout paid",
        request=PayoutMarkPaidInput,
        responses={200: envelope(PayoutDetailOutput), **CONFLICT},
        description="Approved → paid, recorded in the ledger as a `payout` entry. A pending "
        "payout must be approved first (409).",
    )
    def post(self, request, payout_uuid: uuid.UUID):
        payout = payout_for(request, payout_uuid)
        data = validate_body(PayoutMarkPaidInput, request)
        payout = services.payout_mark_paid(payout=payout, actor=request.user, **data)
        return ok(PayoutDetailOutput(payout).data)


class PayoutCsvApi(BillingApiView):
    permission_classes = [PayoutReadsFinanceWrites]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_csv",
        summary="Download a payout statement as CSV",
        responses={(200, "text/csv"): CSV_RESPONSE},
        description="The payout statement: one row per zone, then the total.",
    )
    def get(self, request, payout_uuid: uuid.UUID):
        payout = payout_for(request, payout_uuid)
        return download(
            documents.payout_csv(payout),
            content_type=documents.CSV_CONTENT_TYPE,
            filename=f"payout-{payout.period_end.isoformat()}-{payout.uuid}.csv",
        )
