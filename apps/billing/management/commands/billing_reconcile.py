"""Compare rollups, ledger and serving counters; optionally post correcting adjustments."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.billing.money import cents
from apps.billing.services import billing_reconcile, drift_adjust


def day_arg(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--{name}: {exc}") from exc


class Command(BaseCommand):
    help = (
        "Report differences between the hourly rollups and the posted ledger (per day and "
        "campaign) and between the serving counters and the rollups. With --adjust and "
        "--reason, post an adjustment for each ledger difference. Exits 1 on drift."
    )

    def add_arguments(self, parser):
        parser.add_argument("--advertiser", type=int, help="Advertiser id.")
        parser.add_argument("--from", dest="first", help="First local day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="last", help="Last local day (YYYY-MM-DD).")
        parser.add_argument("--adjust", action="store_true", help="Post correcting adjustments.")
        parser.add_argument("--reason", default="", help="Why (required with --adjust).")

    def handle(self, *args, **options):
        scope = {
            "advertiser_id": options["advertiser"],
            "first_day": day_arg(options["first"], "from"),
            "last_day": day_arg(options["last"], "to"),
        }
        if options["adjust"]:
            if not options["reason"].strip():
                raise CommandError("--adjust needs --reason.")
            entries = drift_adjust(actor=None, reason=options["reason"], **scope)
            self.stdout.write(self.style.SUCCESS(f"{len(entries)} adjustment(s) posted."))
        report = billing_reconcile(**scope)
        for row in report["ledger_vs_rollups"]:
            self.stdout.write(
                f"ledger  advertiser {row['advertiser_id']} {row['day']} campaign "
                f"{row['campaign_id']}: rollups {cents(row['rollup_micros'])}, ledger "
                f"{cents(row['ledger_micros'])} ({row['difference_micros']} micros)"
            )
        for row in report["counters_vs_rollups"]:
            self.stdout.write(
                f"counter campaign {row['campaign_id']}: counter {cents(row['counter_micros'])}"
                f", rollups {cents(row['rollup_micros'])} ({row['difference_micros']} micros)"
            )
        self.stdout.write(f"{report['pending_events']} event(s) not drained yet.")
        if report["ok"]:
            self.stdout.write(self.style.SUCCESS("Rollups, ledger and counters agree."))
        elif not options["adjust"]:
            raise SystemExit(1)
