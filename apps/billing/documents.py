"""Invoice PDF and CSV, payout statement CSV.

The PDF is ``templates/billing/invoice_pdf.html`` rendered by xhtml2pdf (HTML + CSS to PDF,
pure Python on reportlab). The numbers come from the invoice as stored, so the PDF, the CSV
and the API always agree.
"""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string

from apps.accounts.platform_settings import setting_get
from apps.reporting.exports import _cell as csv_cell

from .models import Invoice, Payout
from .money import as_text
from .selectors import (
    invoice_amount_due,
    invoice_due_date,
    invoice_transactions,
    payment_terms_days,
)

PDF_CONTENT_TYPE = "application/pdf"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class DocumentError(RuntimeError):
    pass


def _platform() -> dict:
    return {
        "name": setting_get("site_name"),
        "address": setting_get("billing_address"),
        "email": setting_get("support_email"),
        # Bank details and how to pay, as finance wrote them in the platform settings.
        "payment_instructions": setting_get("bank_transfer_instructions"),
    }


def invoice_filename(invoice: Invoice, extension: str) -> str:
    return f"{invoice.number or f'draft-{invoice.uuid}'}.{extension}"


def invoice_pdf(invoice: Invoice) -> bytes:
    from xhtml2pdf import pisa

    advertiser = invoice.wallet.advertiser
    terms = payment_terms_days()
    html = render_to_string(
        "billing/invoice_pdf.html",
        {
            "platform": _platform(),
            "invoice": invoice,
            "customer": {
                "name": invoice.billing_name or invoice.wallet.billing_name or advertiser.company,
                "address": invoice.billing_address or invoice.wallet.billing_address,
                "vat_id": invoice.vat_id or invoice.wallet.vat_id,
                "email": advertiser.user.email,
            },
            "items": list(invoice.items.all()),
            "transactions": list(invoice_transactions(invoice)),
            "tax_percent": f"{invoice.tax_rate * 100:.2f}",
            "terms_days": terms,
            "due_date": invoice_due_date(invoice, terms_days=terms),
            "amount_due": invoice_amount_due(invoice),
            "prepaid": invoice.wallet.mode == "prepaid",
        },
    )
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise DocumentError(f"The invoice PDF could not be rendered ({result.err} errors).")
    return output.getvalue()


def _csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def invoice_csv(invoice: Invoice) -> str:
    """One row per line, then subtotal, tax and total rows."""
    head = [invoice.number or "", invoice.period_start, invoice.period_end]
    rows = [
        [
            "invoice_number",
            "period_start",
            "period_end",
            "line",
            "description",
            "campaign_id",
            "impressions",
            "clicks",
            "conversions",
            "amount",
            "currency",
        ]
    ]
    for number, item in enumerate(invoice.items.all(), start=1):
        rows.append(
            [
                *head,
                number,
                item.description,
                item.campaign_id,
                item.impressions,
                item.clicks,
                item.conversions,
                as_text(item.amount),
                invoice.currency,
            ]
        )
    tax_label = f"Tax ({invoice.tax_rate * 100:.2f}%)"
    for label, amount in (
        ("Subtotal", invoice.subtotal),
        (tax_label, invoice.tax),
        ("Total", invoice.total),
    ):
        rows.append([*head, "", label, "", "", "", "", as_text(amount), invoice.currency])
    return _csv(rows)


def payout_csv(payout: Payout) -> str:
    """The payout statement: one row per zone, then the total."""
    head = [payout.uuid, payout.period_start, payout.period_end]
    rows = [
        [
            "payout_id",
            "period_start",
            "period_end",
            "zone_id",
            "zone",
            "website",
            "impressions",
            "clicks",
            "conversions",
            "earnings",
            "currency",
        ]
    ]
    for line in payout.lines.all():
        rows.append(
            [
                *head,
                line.zone_id,
                line.zone_name,
                line.website_name,
                line.impressions,
                line.clicks,
                line.conversions,
                as_text(line.amount),
                payout.currency,
            ]
        )
    rows.append([*head, "", "Total", "", "", "", "", as_text(payout.amount), payout.currency])
    return _csv(rows)
