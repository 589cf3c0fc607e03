"""Build the report rollups now, instead of on the first report read that finds them due.

manage.py reporting_rollups                  # what a due read would rebuild
manage.py reporting_rollups --since 2026-03-01   # after the event drain was stopped long
manage.py reporting_rollups --all            # everything (first deploy on old data)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from apps.reporting.rollups import rollups_refresh


class Command(BaseCommand):
    help = "Build the per-scope report rollups (ScopeHourlyStat) from the hourly stats."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--since", help="Rebuild from this UTC date (YYYY-MM-DD).")
        group.add_argument("--all", action="store_true", help="Rebuild every hour.")

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            try:
                since = datetime.strptime(options["since"], "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError as exc:
                raise CommandError("--since takes a date as YYYY-MM-DD.") from exc
        began = time.perf_counter()
        until = rollups_refresh(since=since, full=options["all"])
        seconds = time.perf_counter() - began
        self.stdout.write(f"Report rollups built until {until.isoformat()} in {seconds:.1f} s.")
