"""Drain the tracking buffer once, or continuously (a standalone drainer without Celery)."""

import time

from django.core.management.base import BaseCommand

from apps.delivery.sink import events_drain, events_pending


class Command(BaseCommand):
    help = "Move buffered tracking events into raw tables and hourly rollups."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep draining")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between runs")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, loop: bool, interval: float, batch_size: int, **options):
        while True:
            moved = events_drain(batch_size=batch_size)
            if moved:
                self.stdout.write(f"drained {moved} events ({events_pending()} pending)")
            if not loop:
                return
            if moved < batch_size:
                time.sleep(interval)
