"""Finance's invoices: the filtered list with totals, one invoice, its PDF and CSV, and the
actions of ``apps.billing.services``: invoice an advertiser's month on demand, issue, mark
paid, void. A refused action (a paid invoice voided, a draft marked paid, nothing to bill)
is the service's message on the page, never a 500."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.billing import selectors, services
from apps.billing.models import InvoiceStatus

from ...accounts.shared import SERVICE_ERRORS, form_add_errors
from ...advertiser.views.common import paginate, query_without_page
from ...billing.downloads import invoice_download
from ...billing.figures import (
    invoices_in_period,
    invoices_mark_due,
    overdue_q,
    payment_terms_days,
    tax_percent,
)
from ..access import finance_page
from ..forms import (
    OVERDUE,
    InvoiceCreateForm,
    InvoiceFilterForm,
    InvoiceMarkPaidForm,
    InvoiceVoidForm,
)
from .common import (
    advertiser_choices,
    advertisers_for,
    invoice_or_404,
    row_done,
    row_failed,
)

ROW_TEMPLATE = "dashboards/finance/_invoice_row.html"
ACTIONS = ("issue", "mark_paid", "void")


def _filtered(request: HttpRequest, form: InvoiceFilterForm):
    data = form.cleaned_data
    status = data.get("status") or None
    qs = selectors.invoice_list(
        user=request.user,
        status=None if status == OVERDUE else status,
        advertiser_id=data.get("advertiser") or None,
    )
    if status == OVERDUE:
        qs = qs.filter(overdue_q())
    return invoices_in_period(qs, data.get("period_from"), data.get("period_to"))


@require_GET
@finance_page
def invoices(request: HttpRequest) -> HttpResponse:
    form = InvoiceFilterForm(request.GET or None, advertisers=advertiser_choices(request.user))
    context = {
        "form": form,
        "filtered": any(request.GET.get(name) for name in form.fields),
        "payment_terms_days": payment_terms_days(),
        "query": query_without_page(request),
        "page": None,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "dashboards/finance/invoices.html", context, status=422)
    qs = _filtered(request, form) if form.is_bound else selectors.invoice_list(user=request.user)
    page = paginate(request, qs)
    page.object_list = invoices_mark_due(list(page.object_list))
    context["page"] = page
    # What the listed invoices bill; a void invoice bills nothing.
    context["totals"] = list(
        qs.exclude(status=InvoiceStatus.VOID)
        .order_by()
        .values("currency")
        .annotate(total=Sum("total"), count=Count("id"))
        .order_by("currency")
    )
    return render(request, "dashboards/finance/invoices.html", context)


@require_http_methods(["GET", "POST"])
@finance_page
def invoice_create(request: HttpRequest) -> HttpResponse:
    advertisers = advertisers_for(request.user)
    initial = {}
    if request.GET.get("advertiser", "").isdigit():
        initial["advertiser"] = int(request.GET["advertiser"])
    form = InvoiceCreateForm(
        request.POST if request.method == "POST" else None,
        advertisers=advertisers,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        first, last = form.period()
        try:
            invoice = services.invoice_create(
                wallet=services.wallet_ensure(advertiser=form.cleaned_data["advertiser"]),
                period_start=first,
                period_end=last,
                actor=request.user,
                issue=form.cleaned_data["issue"],
            )
        except SERVICE_ERRORS as exc:
            form_add_errors(form, exc, field_map={"period_start": "month", "period_end": "month"})
        else:
            name = invoice.number or "A draft invoice"
            messages.success(
                request,
                f"{name} for {invoice.wallet.advertiser.company}, {first:%B %Y}: "
                f"{invoice.total} {invoice.currency}.",
            )
            return redirect("finance:invoice_detail", invoice_uuid=invoice.uuid)
    return render(
        request,
        "dashboards/finance/invoice_create.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@require_GET
@finance_page
def invoice_detail(request: HttpRequest, invoice_uuid: uuid.UUID) -> HttpResponse:
    invoice = invoices_mark_due([invoice_or_404(request, invoice_uuid)])[0]
    context = {
        "invoice": invoice,
        "items": list(invoice.items.all()),
        "entries": list(selectors.invoice_transactions(invoice)),
        "tax_percent": tax_percent(invoice),
        "mark_paid_form": InvoiceMarkPaidForm(),
        "void_form": InvoiceVoidForm(),
    }
    return render(request, "dashboards/finance/invoice_detail.html", context)


@require_GET
@finance_page
def invoice_document(request: HttpRequest, invoice_uuid: uuid.UUID, kind: str) -> HttpResponse:
    invoice = invoice_or_404(request, invoice_uuid)
    fallback = reverse("finance:invoice_detail", args=[invoice.uuid])
    return invoice_download(request, invoice, kind, fallback=fallback)


def _form_error(form) -> ValidationError:
    return ValidationError(
        [
            f"{form.fields[name].label}: {error}"
            for name, errors in form.errors.items()
            for error in errors
        ]
    )


@require_POST
@finance_page
def invoice_action(request: HttpRequest, invoice_uuid: uuid.UUID, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("Unknown action.")
    invoice = invoice_or_404(request, invoice_uuid)
    default_url = reverse("finance:invoice_detail", args=[invoice.uuid])
    answer = {"template": ROW_TEMPLATE, "default_url": default_url}
    try:
        if action == "issue":
            invoice = services.invoice_issue(invoice=invoice, actor=request.user)
            note = f"Invoice {invoice.number} issued."
        elif action == "mark_paid":
            form = InvoiceMarkPaidForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            invoice = services.invoice_mark_paid(
                invoice=invoice,
                actor=request.user,
                reference=form.cleaned_data["reference"],
                method=form.cleaned_data["method"],
            )
            note = f"Invoice {invoice.number} marked paid."
        else:
            form = InvoiceVoidForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            invoice = services.invoice_void(
                invoice=invoice, actor=request.user, reason=form.cleaned_data["reason"]
            )
            note = f"Invoice {invoice.number or '(draft)'} voided."
    except SERVICE_ERRORS as exc:
        return row_failed(request, exc, context={"invoice": invoice}, **answer)
    return row_done(request, context={"invoice": invoice}, note=note, **answer)
