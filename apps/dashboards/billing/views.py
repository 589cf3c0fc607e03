"""Billing pages of advertisers (wallet, ledger, invoices) and publishers (payouts).

Advertiser pages show the advertiser chosen by the advertiser pages' switcher (partners act
for the advertisers they manage); every object is read through ``apps.billing.selectors``
with the signed-in user, as the API reads it, so another account's invoice or payout is a
404. Writes go through ``apps.billing.services``: the billing details through
``wallet_update``, a card top-up through ``checkout_start``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.platform_settings import setting_get
from apps.billing import selectors, services
from apps.billing.models import Invoice, Payout, PayoutStatus, Wallet
from apps.billing.payments import payment_provider

from ..accounts.shared import SERVICE_ERRORS, form_add_errors, message_service_error
from ..advertiser.acting import act_for, advertiser_page
from ..advertiser.views.common import paginate, query_without_page
from ..publisher.access import publisher_page
from .downloads import invoice_download, payout_download
from .figures import (
    invoices_mark_due,
    payment_terms_days,
    payouts_label,
    publisher_balance,
    tax_percent,
    wallet_summary,
)
from .forms import (
    BILLING_FIELDS,
    BillingDetailsForm,
    InvoiceStatusFilterForm,
    TopUpForm,
    TransactionFilterForm,
)

RECENT_TRANSACTIONS = 5
RECENT_INVOICES = 3
CHECKOUT_RETURNS = {
    "success": (
        messages.SUCCESS,
        "Thank you. Your card payment is being confirmed; it appears in your balance as soon "
        "as the payment provider reports it.",
    ),
    "cancelled": (messages.INFO, "The card payment was cancelled; nothing was charged."),
}


def _wallet(request: HttpRequest) -> Wallet:
    """The shown advertiser's wallet (made on first need, as the billing services do)."""
    wallet = selectors.wallet_list(user=request.user, advertiser_id=request.advertiser.pk).first()
    if wallet is None:
        wallet = services.wallet_ensure(advertiser=request.advertiser)
        wallet.advertiser = request.advertiser
    return wallet


def _card_payments_enabled() -> bool:
    provider = payment_provider()
    return provider is not None and provider.can_checkout


def _invoice_or_404(request: HttpRequest, invoice_uuid: uuid.UUID) -> Invoice:
    invoice = selectors.invoice_get(user=request.user, invoice_uuid=invoice_uuid)
    if invoice is None:
        raise Http404("Invoice not found.")
    act_for(request, invoice.wallet.advertiser)
    return invoice


def _payout_or_404(request: HttpRequest, payout_uuid: uuid.UUID) -> Payout:
    payout = selectors.payout_get(user=request.user, payout_uuid=payout_uuid)
    if payout is None:
        raise Http404("Payout not found.")
    return payout


# --- Wallet -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@advertiser_page
def wallet(request: HttpRequest) -> HttpResponse:
    services.in_process_worker_start()
    wallet = _wallet(request)
    form = BillingDetailsForm(
        request.POST if request.method == "POST" else None,
        initial=BillingDetailsForm.initial_for(wallet),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.wallet_update(
                wallet=wallet, **{name: form.cleaned_data[name] for name in BILLING_FIELDS}
            )
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, "Billing details saved. Your next invoice will show them.")
            return redirect("billing_ui:wallet")
    returned = CHECKOUT_RETURNS.get(request.GET.get("checkout", ""))
    if returned:
        messages.add_message(request, *returned)
    context = {
        "summary": wallet_summary(wallet),
        "wallet": wallet,
        "form": form,
        "topup_form": TopUpForm(),
        "card_payments": _card_payments_enabled(),
        "bank_instructions": setting_get("bank_transfer_instructions"),
        "payee_address": setting_get("billing_address"),
        "support_email": setting_get("support_email"),
        "payment_terms_days": payment_terms_days(),
        "recent_transactions": list(
            selectors.transaction_list(wallet=wallet)[:RECENT_TRANSACTIONS]
        ),
        "recent_invoices": invoices_mark_due(
            list(
                selectors.invoice_list(user=request.user, advertiser_id=request.advertiser.pk)[
                    :RECENT_INVOICES
                ]
            )
        ),
        "tab": "wallet",
    }
    return render(
        request,
        "dashboards/billing/wallet.html",
        context,
        status=422 if form.errors else 200,
    )


@require_POST
@advertiser_page
def topup(request: HttpRequest) -> HttpResponse:
    """Start a card top-up and send the payer to the provider's checkout page."""
    wallet = _wallet(request)
    form = TopUpForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Top-up amount: {error}")
        return redirect("billing_ui:wallet")
    back = request.build_absolute_uri(reverse("billing_ui:wallet"))
    try:
        _, checkout_url = services.checkout_start(
            wallet=wallet,
            amount=form.cleaned_data["amount"],
            actor=request.user,
            success_url=f"{back}?checkout=success",
            cancel_url=f"{back}?checkout=cancelled",
        )
    except SERVICE_ERRORS as exc:
        message_service_error(request, exc)
        return redirect("billing_ui:wallet")
    return redirect(checkout_url)


# --- Ledger -------------------------------------------------------------------------------


@require_GET
@advertiser_page
def transactions(request: HttpRequest) -> HttpResponse:
    wallet = _wallet(request)
    form = TransactionFilterForm(request.GET or None)
    kind = form.cleaned_data.get("kind") if form.is_valid() else ""
    page = paginate(request, selectors.transaction_list(wallet=wallet, kind=kind or None))
    context = {
        "wallet": wallet,
        "form": form,
        "kind": kind,
        "page": page,
        "query": query_without_page(request),
        "tab": "transactions",
    }
    return render(request, "dashboards/billing/transactions.html", context)


# --- Invoices -----------------------------------------------------------------------------


@require_GET
@advertiser_page
def invoices(request: HttpRequest) -> HttpResponse:
    form = InvoiceStatusFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    page = paginate(
        request,
        selectors.invoice_list(
            user=request.user, status=status or None, advertiser_id=request.advertiser.pk
        ),
    )
    page.object_list = invoices_mark_due(list(page.object_list))
    context = {
        "form": form,
        "status": status,
        "page": page,
        "query": query_without_page(request),
        "payment_terms_days": payment_terms_days(),
        "tab": "invoices",
    }
    return render(request, "dashboards/billing/invoices.html", context)


@require_GET
@advertiser_page
def invoice_detail(request: HttpRequest, invoice_uuid: uuid.UUID) -> HttpResponse:
    invoice = invoices_mark_due([_invoice_or_404(request, invoice_uuid)])[0]
    context = {
        "invoice": invoice,
        "items": list(invoice.items.all()),
        "entries": list(selectors.invoice_transactions(invoice)),
        "tax_percent": tax_percent(invoice),
        "tab": "invoices",
    }
    return render(request, "dashboards/billing/invoice_detail.html", context)


@require_GET
@advertiser_page
def invoice_document(request: HttpRequest, invoice_uuid: uuid.UUID, kind: str) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_uuid)
    fallback = reverse("billing_ui:invoice_detail", args=[invoice.uuid])
    return invoice_download(request, invoice, kind, fallback=fallback)


# --- Publisher payouts --------------------------------------------------------------------


@require_GET
@publisher_page
def payouts(request: HttpRequest) -> HttpResponse:
    publisher = request.publisher
    status = request.GET.get("status", "")
    if status not in PayoutStatus.values:
        status = ""
    page = paginate(request, selectors.payout_list(user=request.user, status=status or None))
    page.object_list = payouts_label(list(page.object_list))
    context = {
        "publisher": publisher,
        "balance": publisher_balance(publisher),
        "currency": setting_get("currency"),
        "status": status,
        "status_choices": PayoutStatus.choices,
        "page": page,
        "query": query_without_page(request),
    }
    return render(request, "dashboards/billing/payouts.html", context)


@require_GET
@publisher_page
def payout_detail(request: HttpRequest, payout_uuid: uuid.UUID) -> HttpResponse:
    payout = _payout_or_404(request, payout_uuid)
    context = {"publisher": request.publisher, "payout": payout, "lines": list(payout.lines.all())}
    return render(request, "dashboards/billing/payout_detail.html", context)


@require_GET
@publisher_page
def payout_csv(request: HttpRequest, payout_uuid: uuid.UUID) -> HttpResponse:
    return payout_download(_payout_or_404(request, payout_uuid))
