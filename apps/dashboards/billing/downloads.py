"""Invoice and payout documents for the pages: the same bytes and headers as the API's
``invoices/{uuid}/pdf``, ``invoices/{uuid}/csv`` and ``payouts/{uuid}/csv``.

A PDF that cannot be rendered becomes an error message on the page it was asked from
instead of a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from apps.billing import documents
from apps.billing.api.common import download
from apps.billing.models import Invoice, Payout

INVOICE_KINDS = ("pdf", "csv")


def invoice_download(
    request: HttpRequest, invoice: Invoice, kind: str, *, fallback: str
) -> HttpResponse:
    """``kind`` is ``pdf`` or ``csv``; ``fallback`` is where to go when the PDF fails."""
    if kind == "csv":
        return download(
            documents.invoice_csv(invoice),
            content_type=documents.CSV_CONTENT_TYPE,
            filename=documents.invoice_filename(invoice, "csv"),
        )
    try:
        content = documents.invoice_pdf(invoice)
    except documents.DocumentError as exc:
        messages.error(request, str(exc))
        return redirect(fallback)
    return download(
        content,
        content_type=documents.PDF_CONTENT_TYPE,
        filename=documents.invoice_filename(invoice, "pdf"),
    )


def payout_download(payout: Payout) -> HttpResponse:
    return download(
        documents.payout_csv(payout),
        content_type=documents.CSV_CONTENT_TYPE,
        filename=f"payout-{payout.period_end.isoformat()}-{payout.uuid}.csv",
    )
