"""Finance's wallets: every advertiser's wallet with the figures the billing API answers
(balance, credit, available, today's spend), and one wallet with its ledger, where finance
records a bank transfer (``deposit_record``) or an adjustment (``adjustment_record``). A
refused entry (zero, the wrong currency) is the service's message on the form, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.billing import selectors, services
from apps.billing.models import PaymentMethod, Wallet
from apps.billing.money import cents

from ...accounts.shared import SERVICE_ERRORS, form_add_errors
from ...advertiser.views.common import paginate, query_without_page
from ...billing.figures import WalletSummary
from ..access import finance_page
from ..forms import AdjustmentForm, DepositForm, WalletFilterForm
from .common import wallet_or_404

LIST_TEMPLATE = "dashboards/finance/wallets.html"
DETAIL_TEMPLATE = "dashboards/finance/wallet_detail.html"


def wallet_summaries(wallets: list[Wallet]) -> list[WalletSummary]:
    """Each wallet's figures, computed in one batch as the API's wallet list does."""
    figures = selectors.wallet_figures(wallets)
    summaries = []
    for wallet in wallets:
        figure = figures[wallet.pk]
        available = selectors.wallet_available_micros(wallet, figure)
        summaries.append(
            WalletSummary(
                wallet=wallet,
                balance=cents(figure.balance_micros),
                available=None if available is None else cents(available),
                spend_today=cents(figure.today_micros),
                unposted=cents(figure.unposted_micros),
                posted_through=selectors.wallet_posted_through(wallet),
            )
        )
    return summaries


@require_GET
@finance_page
def wallets(request: HttpRequest) -> HttpResponse:
    form = WalletFilterForm(request.GET or None)
    context = {
        "form": form,
        "filtered": any(request.GET.get(name) for name in form.fields),
        "query": query_without_page(request),
        "page": None,
    }
    if form.is_bound and not form.is_valid():
        return render(request, LIST_TEMPLATE, context, status=422)
    data = form.cleaned_data if form.is_bound else {}
    qs = selectors.wallet_list(user=request.user, mode=data.get("mode") or None)
    if data.get("q"):
        qs = qs.filter(advertiser__company__icontains=data["q"])
    page = paginate(request, qs.order_by("advertiser__company", "id"))
    page.object_list = wallet_summaries(list(page.object_list))
    context["page"] = page
    return render(request, LIST_TEMPLATE, context)


def _detail(
    request: HttpRequest,
    wallet: Wallet,
    *,
    deposit_form: DepositForm | None = None,
    adjustment_form: AdjustmentForm | None = None,
) -> HttpResponse:
    entries = selectors.transaction_list(wallet=wallet).select_related("created_by")
    context = {
        "wallet": wallet,
        "summary": wallet_summaries([wallet])[0],
        "page": paginate(request, entries),
        "deposit_form": deposit_form or DepositForm(currency=wallet.currency),
        "adjustment_form": adjustment_form or AdjustmentForm(currency=wallet.currency),
    }
    failed = any(form is not None and form.errors for form in (deposit_form, adjustment_form))
    return render(request, DETAIL_TEMPLATE, context, status=422 if failed else 200)


@require_GET
@finance_page
def wallet_detail(request: HttpRequest, wallet_id: int) -> HttpResponse:
    return _detail(request, wallet_or_404(request, wallet_id))


def _recorded(request: HttpRequest, wallet: Wallet, note: str) -> HttpResponse:
    messages.success(request, note)
    return redirect("finance:wallet_detail", wallet_id=wallet.pk)


def _refused(form: Form, exc: Exception) -> None:
    if getattr(exc, "error_code", "") == "currency_mismatch" and "currency" in form.fields:
        form.add_error("currency", str(exc.detail))
    else:
        form_add_errors(form, exc)


@require_POST
@finance_page
def wallet_deposit(request: HttpRequest, wallet_id: int) -> HttpResponse:
    wallet = wallet_or_404(request, wallet_id)
    form = DepositForm(request.POST, currency=wallet.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.deposit_record(
                wallet=wallet,
                amount=data["amount"],
                actor=request.user,
                currency=data["currency"] or None,
                method=PaymentMethod.BANK_TRANSFER,
                reference=data["reference"],
                description=data["description"],
            )
        except SERVICE_ERRORS as exc:
            _refused(form, exc)
        else:
            return _recorded(
                request,
                wallet,
                f"Bank transfer of {entry.amount_cents} {entry.currency} recorded for "
                f"{wallet.advertiser.company}.",
            )
    return _detail(request, wallet, deposit_form=form)


@require_POST
@finance_page
def wallet_adjust(request: HttpRequest, wallet_id: int) -> HttpResponse:
    wallet = wallet_or_404(request, wallet_id)
    form = AdjustmentForm(request.POST, currency=wallet.currency)
    if form.is_valid():
        try:
            entry = services.adjustment_record(
                wallet=wallet,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except SERVICE_ERRORS as exc:
            _refused(form, exc)
        else:
            return _recorded(
                request,
                wallet,
                f"Adjustment of {entry.amount_cents:+} {entry.currency} recorded for "
                f"{wallet.advertiser.company}.",
            )
    return _detail(request, wallet, adjustment_form=form)
