"""Post finished days of spend to the ledger (what the daily rollup task does)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.billing.services import spend_post_due


class Command(BaseCommand):
    help = (
        "Post each advertiser's spend per campaign for every day that is over in its time "
        "zone (up to --date), from the hourly rollups into the ledger. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Post up to and including this day (YYYY-MM-DD).")
        parser.add_argument("--advertiser", type=int, action="append", help="Advertiser id.")

    def handle(self, *args, **options):
        through = None
        if options["date"]:
            try:
                through = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        posted = spend_post_due(through=through, advertiser_ids=options["advertiser"])
        self.stdout.write(self.style.SUCCESS(f"{posted} advertiser-day(s) of spend posted."))
