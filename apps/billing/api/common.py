"""What every billing view shares: who may call it, the lookups that answer 404 for other
accounts' objects, downloads, and starting the in-process periodic work."""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import HasRole
from apps.common.errors import NotFoundError

from .. import selectors
from ..models import Invoice, Payout, Wallet
from ..services import in_process_worker_start

CUSTOMER_ROLES = (Role.ADMIN, Role.FINANCE, Role.ADVERTISER, Role.PARTNER)
PAYOUT_ROLES = (Role.ADMIN, Role.FINANCE, Role.PUBLISHER)
FINANCE_ROLES = (Role.ADMIN, Role.FINANCE)


class RolePermission(HasRole):
    """``read_roles`` may GET; ``write_roles`` may do the rest."""

    read_roles: tuple[Role, ...] = ()
    write_roles: tuple[Role, ...] = ()

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = self.read_roles if request.method in SAFE_METHODS else self.write_roles
        return user.role in roles


class CustomerBilling(RolePermission):
    """Wallets and invoices: advertisers and partners (their own), admins and finance."""

    read_roles = write_roles = CUSTOMER_ROLES
    message = "Wallets and invoices are for advertisers, partners, admins and finance."


class InvoiceReaders(RolePermission):
    """Seed 001: anyone signed in may read invoices; admins and finance see all, others
    their own (a publisher has none: an empty list, and 404 for an invoice)."""

    read_roles = tuple(Role)
    write_roles = FINANCE_ROLES
    message = "Only admins and finance may do this."


class PayoutReadsFinanceWrites(RolePermission):
    read_roles = PAYOUT_ROLES
    write_roles = FINANCE_ROLES
    message = "Payouts are for publishers (their own), admins and finance; finance writes."


class FinanceOnly(RolePermission):
    read_roles = write_roles = FINANCE_ROLES
    message = "Only admins and finance may do this."


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Downloads answer their file whatever ``Accept`` says (errors still come as JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class BillingApiView(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        in_process_worker_start()


def download(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


PDF_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The document as a PDF file.")
CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="The document as CSV.")


def wallet_for(request, wallet_id: int) -> Wallet:
    wallet = selectors.wallet_get(user=request.user, wallet_id=wallet_id)
    if wallet is None:
        raise NotFoundError("Wallet not found.")
    return wallet


def invoice_for(request, invoice_uuid: uuid.UUID) -> Invoice:
    invoice = selectors.invoice_get(user=request.user, invoice_uuid=invoice_uuid)
    if invoice is None:
        raise NotFoundError("Invoice not found.")
    return invoice


def payout_for(request, payout_uuid: uuid.UUID) -> Payout:
    payout = selectors.payout_get(user=request.user, payout_uuid=payout_uuid)
    if payout is None:
        raise NotFoundError("Payout not found.")
    return payout
