"""Make a month's publisher payouts (what the monthly task does)."""

from django.core.management.base import BaseCommand

from apps.billing.management.commands.billing_invoices import month_arg
from apps.billing.services import payouts_generate


class Command(BaseCommand):
    help = (
        "Make the payout up to the end of --month (default: last month) for every publisher "
        "whose earnings reach the minimum payout; the others carry over. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month).")

    def handle(self, *args, **options):
        payouts, carried = payouts_generate(month=month_arg(options["month"]))
        for payout in payouts:
            self.stdout.write(f"  {payout.publisher}  {payout.amount} {payout.currency}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(payouts)} payout(s) made, {carried} carried over.")
        )
