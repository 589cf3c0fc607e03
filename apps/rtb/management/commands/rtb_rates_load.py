"""Load exchange rates from a CSV file: ``manage.py rtb_rates_load rates.csv [--replace]``.

Each row is ``currency,rate``: how many units of that currency one unit of the platform
currency buys (``EUR,0.92`` with a USD platform). A header row and ``#`` comments are
allowed; ``-`` reads standard input. The file is loaded whole or not at all.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.platform_settings import setting_get
from apps.rtb.services import RatesError, rates_load, rates_parse


class Command(BaseCommand):
    help = "Load OpenRTB exchange rates (currency,rate per one platform unit) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, or - for standard input")
        parser.add_argument(
            "--replace", action="store_true", help="Drop the rates the file does not list."
        )

    def handle(self, *args, **options):
        path = options["path"]
        try:
            handle = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        with handle:
            try:
                rates = rates_parse(handle, platform_currency=str(setting_get("currency")))
            except RatesError as exc:
                raise CommandError(str(exc)) from None
        written, dropped = rates_load(rates=rates, replace=options["replace"])
        self.stdout.write(f"Loaded {written} exchange rates; dropped {dropped}.")
