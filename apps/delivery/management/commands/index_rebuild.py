"""Build the serving index from the database now and save it as the snapshot processes start
from (after a bulk import, or if something changed the database behind the services' back).
Every server process then rebuilds on its next check."""

import time

from django.core.management.base import BaseCommand

from apps.common.events import inventory_change_committed


class Command(BaseCommand):
    help = "Rebuild the serving index from the database and tell every process to reload it."

    def handle(self, *args, **options):
        from apps.delivery.index import index_rebuild

        started = time.monotonic()
        index = index_rebuild()
        inventory_change_committed.send(sender=None, kind="all", ids=[], fields=None)
        self.stdout.write(
            f"Index built from the database: {len(index.zones)} zones, "
            f"{len(index.ads_by_id)} ads in {time.monotonic() - started:.2f} s; "
            "every process reloads it within INVENTORY_CHECK_SECONDS."
        )
