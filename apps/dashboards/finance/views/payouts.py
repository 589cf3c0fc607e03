"""Finance's payouts: the filtered list with totals, one payout with the publisher's payout
details, the CSV statement, approve and mark paid, and generating a finished month's payouts
(``payouts_generate``, as the monthly task does)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.platform_settings import setting_get
from apps.billing import selectors, services

from ...accounts.shared import SERVICE_ERRORS, message_service_error
from ...advertiser.views.common import paginate, query_without_page
from ...billing.downloads import payout_download
from ...billing.figures import payout_details_rows, payouts_label
from ..access import finance_page
from ..forms import PayoutFilterForm, PayoutMarkPaidForm, PayoutsGenerateForm
from .common import payout_or_404, publisher_choices, row_done, row_failed

ROW_TEMPLATE = "dashboards/finance/_payout_row.html"
ACTIONS = ("approve", "mark_paid")


@require_GET
@finance_page
def payouts(request: HttpRequest) -> HttpResponse:
    form = PayoutFilterForm(request.GET or None, publishers=publisher_choices(request.user))
    context = {
        "form": form,
        "filtered": any(request.GET.get(name) for name in form.fields),
        "generate_form": PayoutsGenerateForm(),
        "minimum_payout": setting_get("minimum_payout"),
        "currency": setting_get("currency"),
        "query": query_without_page(request),
        "page": None,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "dashboards/finance/payouts.html", context, status=422)
    data = form.cleaned_data if form.is_bound else {}
    qs = selectors.payout_list(
        user=request.user,
        status=data.get("status") or None,
        publisher_id=data.get("publisher") or None,
    )
    page = paginate(request, qs)
    page.object_list = payouts_label(list(page.object_list))
    context["page"] = page
    context["totals"] = list(
        qs.order_by().values("currency").annotate(total=Sum("amount"), count=Count("id"))
    )
    return render(request, "dashboards/finance/payouts.html", context)


@require_POST
@finance_page
def payouts_generate(request: HttpRequest) -> HttpResponse:
    form = PayoutsGenerateForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("month", []):
            messages.error(request, f"Month: {error}")
        return redirect("finance:payouts")
    month = form.cleaned_data["month"]
    try:
        made, carried = services.payouts_generate(month=month)
    except SERVICE_ERRORS as exc:
        message_service_error(request, exc)
        return redirect("finance:payouts")
    label = f"{month:%B %Y}"
    if made:
        total = sum(payout.amount for payout in made)
        messages.success(
            request,
            f"{len(made)} payout{'s' if len(made) != 1 else ''} made up to the end of {label}, "
            f"{total} {made[0].currency} in all. Approve them, then mark them paid once sent.",
        )
    else:
        messages.info(request, f"No new payouts up to the end of {label}.")
    if carried:
        messages.info(
            request,
            f"{carried} publisher{'s' if carried != 1 else ''} earned less than the minimum "
            f"payout of {setting_get('minimum_payout')} {setting_get('currency')}; "
            "their earnings carry over to the next month.",
        )
    return redirect("finance:payouts")


@require_GET
@finance_page
def payout_detail(request: HttpRequest, payout_uuid: uuid.UUID) -> HttpResponse:
    payout = payouts_label([payout_or_404(request, payout_uuid)])[0]
    context = {
        "payout": payout,
        "lines": list(payout.lines.all()),
        "payout_details": payout_details_rows(payout.publisher),
    }
    return render(request, "dashboards/finance/payout_detail.html", context)


@require_GET
@finance_page
def payout_csv(request: HttpRequest, payout_uuid: uuid.UUID) -> HttpResponse:
    return payout_download(payout_or_404(request, payout_uuid))


@require_POST
@finance_page
def payout_action(request: HttpRequest, payout_uuid: uuid.UUID, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("Unknown action.")
    payout = payout_or_404(request, payout_uuid)
    answer = {
        "template": ROW_TEMPLATE,
        "default_url": reverse("finance:payout_detail", args=[payout.uuid]),
    }
    name = payout.publisher.name
    try:
        if action == "approve":
            payout = services.payout_approve(payout=payout, actor=request.user)
            note = f"Payout to {name} approved."
        else:
            form = PayoutMarkPaidForm(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    [f"Payment reference: {e}" for e in form.errors.get("reference", [])]
                )
            payout = services.payout_mark_paid(
                payout=payout, actor=request.user, reference=form.cleaned_data["reference"]
            )
            note = f"Payout to {name} marked paid."
    except SERVICE_ERRORS as exc:
        return row_failed(request, exc, context={"payout": payout}, **answer)
    return row_done(request, context={"payout": payout}, note=note, **answer)
