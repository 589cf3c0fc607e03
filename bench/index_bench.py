"""Serving index scale figures: build time and memory at 10,000 and 100,000 active ads, a
worker's cold start from the shared snapshot, and the time to apply one changed campaign.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/index_bench.py [--sizes 10000 100000] [--zones 10]

It uses the database and Redis it is given (the same ones ``make bench`` uses) and seeds them
with ``manage.py bench_seed`` (which wipes earlier bench data). For each size it measures, in
this process, what a gunicorn worker does:

- **full build**: ``index_build(use_snapshot=False)``: the rows from the database (four
  ``values_list`` queries), the records built from them, the per-ad delivery read for
  learning bids, and the snapshot saved for other processes;
- **cold start**: ``index_build()`` with that snapshot present: what a worker started after it
  (or recycled by ``max_requests``) does instead of the ORM;
- **compile**: the first decision on each zone compiles its tie groups;
- **memory**: the Python objects the index holds (``tracemalloc``), and the snapshot's size;
- **delta**: a campaign's bid changed through the campaign service, then the change applied
  to the index with every zone compiled (the median of 20 changes), and a burst of 100
  changed campaigns applied at once (coalesced).

Prints a markdown table and writes ``bench/results/index-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adplatform.settings.base")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

DELTAS = 20
BURST = 100


def seconds(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def measure(ads: int, zones: int) -> dict:
    from apps.campaigns.models import Campaign
    from apps.campaigns.services.campaigns import campaign_update
    from apps.delivery.index import index_apply, index_build, index_reset
    from apps.delivery.index.records import rows_encode, rows_load
    from apps.delivery.store import hot_store

    call_command("bench_seed", ads=ads, zones=zones, stdout=open(os.devnull, "w"))  # noqa: SIM115
    index_reset()
    _, rows_seconds = seconds(rows_load)
    tracemalloc.start()
    index, build_seconds = seconds(lambda: index_build(use_snapshot=False))
    held_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    snapshot_bytes = len(rows_encode(index.rows))
    del index
    cold, cold_seconds = seconds(index_build)
    zone_uuids = sorted(cold.zones)
    _, compile_seconds = seconds(lambda: [cold.zone(z) for z in zone_uuids])
    candidates = sum(len(g.members) for g in cold.zone(zone_uuids[0]).groups)

    campaigns = list(
        Campaign.objects.filter(name__startswith="bench-", status="active")
        .order_by("id")
        .values_list("id", flat=True)
    )
    store = hot_store()
    single = []
    index = cold
    for i in range(DELTAS):
        campaign = Campaign.objects.get(pk=campaigns[(i * 37) % len(campaigns)])
        with transaction.atomic():
            campaign_update(campaign=campaign, bid_amount=Decimal("0.50") + Decimal(i) / 100)
        changes = store.inventory_changes(index.version)
        index, took = seconds(lambda changes=changes, index=index: index_apply(index, changes))
        single.append(took)
    for i in range(BURST):
        campaign = Campaign.objects.get(pk=campaigns[(i * 53) % len(campaigns)])
        with transaction.atomic():
            campaign_update(campaign=campaign, bid_amount=Decimal("0.60") + Decimal(i % 50) / 100)
    changes = store.inventory_changes(index.version)
    _, burst_seconds = seconds(lambda: index_apply(index, changes))
    return {
        "ads": ads,
        "zones": zones,
        "candidates_per_zone": candidates,
        "rows_seconds": round(rows_seconds, 3),
        "full_build_seconds": round(build_seconds, 3),
        "cold_start_seconds": round(cold_seconds, 3),
        "compile_all_zones_seconds": round(compile_seconds, 3),
        "index_megabytes": round(held_bytes / 2**20, 1),
        "snapshot_megabytes": round(snapshot_bytes / 2**20, 2),
        "delta_one_campaign_ms_median": round(statistics.median(single) * 1000, 2),
        "delta_one_campaign_ms_max": round(max(single) * 1000, 2),
        f"delta_burst_{BURST}_campaigns_ms": round(burst_seconds * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--zones", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    results = [measure(size, args.zones) for size in args.sizes]
    columns = list(results[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in results:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    out = ROOT / "bench" / "results" / f"index-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"results": results, "load": os.getloadavg()}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
