"""Issue a month's invoices (what the monthly task does)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.billing.services import invoices_issue_monthly


def month_arg(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise CommandError(f"--month must be YYYY-MM: {exc}") from exc


class Command(BaseCommand):
    help = (
        "Issue the invoice of --month (default: last month) for every advertiser with "
        "unbilled spend in it. Safe to run again: billed spend is never billed twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month).")
        parser.add_argument("--advertiser", type=int, action="append", help="Advertiser id.")

    def handle(self, *args, **options):
        invoices = invoices_issue_monthly(
            month=month_arg(options["month"]), advertiser_ids=options["advertiser"]
        )
        for invoice in invoices:
            self.stdout.write(f"  {invoice.number}  {invoice.total} {invoice.currency}")
        self.stdout.write(self.style.SUCCESS(f"{len(invoices)} invoice(s) issued."))
