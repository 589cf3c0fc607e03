"""Invoices API (seed 001's read-only list and detail by uuid, PDF and CSV downloads) and
the finance actions: create on demand, issue, mark paid, void."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema

from apps.campaigns.models import Advertiser
from apps.campaigns.services.advertisers import not_found
from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.schema import envelope, error_response

from .. import documents, selectors, services
from ..models import Invoice
from ..serializers import (
    InvoiceCreateInput,
    InvoiceDetailOutput,
    InvoiceItemOutput,
    InvoiceListQuery,
    InvoiceMarkPaidInput,
    InvoiceOutput,
    InvoiceVoidInput,
    TransactionOutput,
)
from .common import (
    CSV_RESPONSE,
    PDF_RESPONSE,
    BillingApiView,
    FinanceOnly,
    IgnoreAcceptNegotiation,
    InvoiceReaders,
    download,
    invoice_for,
)

TAGS = ["Invoices"]
CONFLICT = {409: error_response(409)}


def invoice_detail(invoice: Invoice) -> dict:
    data = dict(InvoiceOutput(invoice).data)
    data["items"] = InvoiceItemOutput(invoice.items.all(), many=True).data
    data["transactions"] = TransactionOutput(
        selectors.invoice_transactions(invoice), many=True
    ).data
    return data


class InvoiceListApi(BillingApiView):
    permission_classes = [InvoiceReaders]

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_list",
        summary="List invoices",
        parameters=[InvoiceListQuery],
        responses={200: envelope(InvoiceOutput, many=True)},
        description="Admins and finance see all invoices; advertisers their own, partners "
        "those of the advertisers they manage; publishers have none (an empty list).",
    )
    def get(self, request):
        query = validate_query(InvoiceListQuery, request)
        invoices = selectors.invoice_list(
            user=request.user, status=query.get("status"), advertiser_id=query.get("advertiser_id")
        )
        return paginated(request, invoices, InvoiceOutput)

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_create",
        summary="Create an invoice",
        request=InvoiceCreateInput,
        responses={201: envelope(InvoiceDetailOutput), **CONFLICT},
        description="Finance or an admin invoices an advertiser's posted, unbilled spend of "
        "a finished period (`month` or `period_start`/`period_end`, the advertiser's local "
        "days) on demand; it is issued unless `issue` is false. 400 `nothing_to_invoice` or "
        "`period_not_over`; 409 `already_invoiced`. Monthly invoices are made automatically.",
        examples=[
            OpenApiExample("A month", value={"advertiser_id": 7, "month": "2026-10"}),
            OpenApiExample(
                "A period, as a draft",
                value={
                    "advertiser_id": 7,
                    "period_start": "2026-10-01",
                    "period_end": "2026-10-15",
                    "issue": False,
                },
            ),
        ],
    )
    def post(self, request):
        data = dict(validate_body(InvoiceCreateInput, request))
        advertiser = Advertiser.objects.filter(pk=data.pop("advertiser_id")).first()
        if advertiser is None:
            raise not_found("Advertiser", "advertiser_id")
        invoice = services.invoice_create(
            wallet=services.wallet_ensure(advertiser=advertiser), actor=request.user, **data
        )
        return ok(invoice_detail(invoice), status=201)


class InvoiceDetailApi(BillingApiView):
    permission_classes = [InvoiceReaders]

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_retrieve",
        summary="Get an invoice",
        responses={200: envelope(InvoiceDetailOutput)},
        description="One invoice with its line `items` (one per campaign, each rounded once) "
        "and the ledger `transactions` applied to it.",
    )
    def get(self, request, invoice_uuid: uuid.UUID):
        return ok(invoice_detail(invoice_for(request, invoice_uuid)))


class InvoicePdfApi(BillingApiView):
    permission_classes = [InvoiceReaders]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_pdf",
        summary="Download an invoice as PDF",
        responses={(200, "application/pdf"): PDF_RESPONSE},
        description="The invoice as a PDF with the platform's name and the customer's "
        "billing details.",
    )
    def get(self, request, invoice_uuid: uuid.UUID):
        invoice = invoice_for(request, invoice_uuid)
        return download(
            documents.invoice_pdf(invoice),
            content_type=documents.PDF_CONTENT_TYPE,
            filename=documents.invoice_filename(invoice, "pdf"),
        )


class InvoiceCsvApi(BillingApiView):
    permission_classes = [InvoiceReaders]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_csv",
        summary="Download an invoice as CSV",
        responses={(200, "text/csv"): CSV_RESPONSE},
        description="The invoice's lines as CSV, then subtotal, tax and total rows.",
    )
    def get(self, request, invoice_uuid: uuid.UUID):
        invoice = invoice_for(request, invoice_uuid)
        return download(
            documents.invoice_csv(invoice),
            content_type=documents.CSV_CONTENT_TYPE,
            filename=documents.invoice_filename(invoice, "csv"),
        )


class InvoiceIssueApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_issue",
        summary="Issue an invoice",
        request=None,
        responses={200: envelope(InvoiceDetailOutput), **CONFLICT},
        description="Draft → open: the next number, the billing details frozen, rounding and "
        "tax charged to the wallet. Any other state is 409 `invalid_status_transition`.",
    )
    def post(self, request, invoice_uuid: uuid.UUID):
        invoice = services.invoice_issue(
            invoice=invoice_for(request, invoice_uuid), actor=request.user
        )
        return ok(invoice_detail(invoice))


class InvoiceMarkPaidApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_mark_paid",
        summary="Mark an invoice paid",
        request=InvoiceMarkPaidInput,
        responses={200: envelope(InvoiceDetailOutput), **CONFLICT},
        description="Open → paid. A postpaid wallet's payment is recorded as a deposit of "
        "the total (`payment.completed`). A draft, void or paid invoice is 409.",
    )
    def post(self, request, invoice_uuid: uuid.UUID):
        invoice = invoice_for(request, invoice_uuid)
        data = validate_body(InvoiceMarkPaidInput, request)
        invoice = services.invoice_mark_paid(invoice=invoice, actor=request.user, **data)
        return ok(invoice_detail(invoice))


class InvoiceVoidApi(BillingApiView):
    permission_classes = [FinanceOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="invoices_void",
        summary="Void an invoice",
        request=InvoiceVoidInput,
        responses={200: envelope(InvoiceDetailOutput), **CONFLICT},
        description="Draft or open → void: rounding and tax are reversed and the charges "
        "go back to be billed again. A paid or void invoice is 409.",
    )
    def post(self, request, invoice_uuid: uuid.UUID):
        invoice = invoice_for(request, invoice_uuid)
        data = validate_body(InvoiceVoidInput, request)
        invoice = services.invoice_void(invoice=invoice, actor=request.user, **data)
        return ok(invoice_detail(invoice))
