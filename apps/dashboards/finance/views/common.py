"""Lookups the finance views share: objects through the billing selectors (404 when not
visible), the filters' choice lists, and the answer to a row action (an htmx row swap, or a
message and a redirect back)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.models import User
from apps.billing import selectors
from apps.billing.models import Invoice, Payout, Wallet
from apps.campaigns.selectors import advertiser_list
from apps.inventory.selectors import publisher_list

from ...accounts.shared import message_service_error, service_error_messages
from ...billing.figures import invoices_mark_due, payouts_label
from ..access import is_htmx, next_url

CHOICES_LIMIT = 2000


def invoice_or_404(request: HttpRequest, invoice_uuid: uuid.UUID) -> Invoice:
    invoice = selectors.invoice_get(user=request.user, invoice_uuid=invoice_uuid)
    if invoice is None:
        raise Http404("Invoice not found.")
    return invoice


def payout_or_404(request: HttpRequest, payout_uuid: uuid.UUID) -> Payout:
    payout = selectors.payout_get(user=request.user, payout_uuid=payout_uuid)
    if payout is None:
        raise Http404("Payout not found.")
    return payout


def wallet_or_404(request: HttpRequest, wallet_id: int) -> Wallet:
    wallet = selectors.wallet_get(user=request.user, wallet_id=wallet_id)
    if wallet is None:
        raise Http404("Wallet not found.")
    return wallet


def advertisers_for(user: User):
    """Advertisers the user may bill, by name (the campaign selectors' scope)."""
    return (
        advertiser_list(user=user)
        .prefetch_related(None)
        .select_related(None)
        .only("id", "company", "currency")
        .order_by("company", "id")
    )


def advertiser_choices(user: User) -> list[tuple[int, str]]:
    return list(advertisers_for(user).values_list("id", "company")[:CHOICES_LIMIT])


def publisher_choices(user: User) -> list[tuple[int, str]]:
    return list(
        publisher_list(user=user)
        .select_related(None)
        .order_by("name", "id")
        .values_list("id", "name")[:CHOICES_LIMIT]
    )


def _decorate(context: dict) -> None:
    if "invoice" in context:
        invoices_mark_due([context["invoice"]])
    if "payout" in context:
        payouts_label([context["payout"]])


def row_done(
    request: HttpRequest, *, template: str, context: dict, note: str, default_url: str
) -> HttpResponse:
    """After an action: the updated row for htmx, else a message and back."""
    _decorate(context)
    if is_htmx(request):
        return render(request, template, {**context, "note": note})
    messages.success(request, note)
    return redirect(next_url(request, default_url))


def row_failed(
    request: HttpRequest, exc: Exception, *, template: str, context: dict, default_url: str
) -> HttpResponse:
    """A refused action: the row with the reason for htmx, else an error message and back."""
    _decorate(context)
    if is_htmx(request):
        error = " ".join(message for _, message in service_error_messages(exc))
        return render(request, template, {**context, "error": error})
    message_service_error(request, exc)
    return redirect(next_url(request, default_url))
