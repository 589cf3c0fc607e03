"""Finance overview: money owed to the platform, money it owes publishers, this month's
spend and earnings, and what needs attention first."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.platform_settings import setting_get
from apps.billing import clock, selectors
from apps.billing.models import InvoiceStatus, PayoutStatus
from apps.reporting.periods import range_resolve
from apps.reporting.reports.analytics import summary_report
from apps.reporting.scope import viewer_for

from ...billing.figures import invoices_mark_due, overdue_q, payment_terms_days
from ..access import finance_page

ATTENTION_ROWS = 5


def _invoice_totals(user, now) -> list[dict]:
    """Per currency: open total and count, overdue total and count, drafts."""
    is_open = Q(status=InvoiceStatus.OPEN)
    overdue = overdue_q(at=now)
    return list(
        selectors.invoice_list(user=user)
        .order_by()
        .values("currency")
        .annotate(
            open_total=Sum("total", filter=is_open),
            open_count=Count("id", filter=is_open),
            overdue_total=Sum("total", filter=overdue),
            overdue_count=Count("id", filter=overdue),
            draft_count=Count("id", filter=Q(status=InvoiceStatus.DRAFT)),
        )
        .order_by("currency")
    )


def _payout_totals(user) -> list[dict]:
    pending = Q(status=PayoutStatus.PENDING)
    approved = Q(status=PayoutStatus.APPROVED)
    return list(
        selectors.payout_list(user=user)
        .order_by()
        .values("currency")
        .annotate(
            pending_total=Sum("amount", filter=pending),
            pending_count=Count("id", filter=pending),
            approved_total=Sum("amount", filter=approved),
            approved_count=Count("id", filter=approved),
        )
        .order_by("currency")
    )


def _sum(rows: list[dict], key: str) -> int:
    return sum(row[key] or 0 for row in rows)


@require_GET
@finance_page
def home(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    invoice_totals = _invoice_totals(request.user, now)
    payout_totals = _payout_totals(request.user)
    viewer = viewer_for(request.user)
    today = now.astimezone(viewer.tz).date()
    month = summary_report(
        viewer=viewer,
        rng=range_resolve(tz=viewer.tz, first_day=today.replace(day=1), last_day=today),
    )
    overdue = invoices_mark_due(
        list(
            selectors.invoice_list(user=request.user)
            .filter(overdue_q(at=now))
            .order_by("issued_at", "id")[:ATTENTION_ROWS]
        ),
        at=now,
    )
    waiting_payouts = list(
        selectors.payout_list(user=request.user)
        .filter(status__in=[PayoutStatus.PENDING, PayoutStatus.APPROVED])
        .order_by("period_end", "id")[:ATTENTION_ROWS]
    )
    context = {
        "invoice_totals": [row for row in invoice_totals if row["open_count"]],
        "open_count": _sum(invoice_totals, "open_count"),
        "overdue_count": _sum(invoice_totals, "overdue_count"),
        "draft_count": _sum(invoice_totals, "draft_count"),
        "payout_totals": [
            row for row in payout_totals if row["pending_count"] or row["approved_count"]
        ],
        "pending_count": _sum(payout_totals, "pending_count"),
        "approved_count": _sum(payout_totals, "approved_count"),
        "month": month.data["summary"],
        "month_first": month.rng.first_day,
        "today": today,
        "timezone": viewer.tz.key,
        "currency": setting_get("currency"),
        "payment_terms_days": payment_terms_days(),
        "overdue_invoices": overdue,
        "waiting_payouts": waiting_payouts,
    }
    return render(request, "dashboards/finance/home.html", context)
