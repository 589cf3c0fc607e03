"""Tracking benchmark: impressions per second through gunicorn, then exact totals.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/track_bench.py [--duration 20] [--kill-drainer]

Seeds a small inventory (``bench_seed``), signs N impression tokens for it (one per request,
so each is a distinct, valid impression), starts gunicorn and a standalone drainer
(``drain_events --loop``), and fires the pixels with wrk. With ``--kill-drainer`` the drainer
is killed with SIGKILL in the middle of the run and started again. Afterwards it waits for
the buffer to empty and checks: pixels answered 200 = impressions accepted = raw rows =
rollup impressions, and spend in the counters = spend in the rollups = rows x price.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
PORT = int(os.environ.get("BENCH_PORT", "8098"))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "PYTHONPATH": str(ROOT),
    "EVENT_DRAIN_IN_PROCESS": "false",
}


def manage(*args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    ).stdout


def django_setup():
    os.environ.update({k: v for k, v in ENV.items() if k in ("DJANGO_SETTINGS_MODULE",)})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sign_tokens(count: int, path: Path) -> dict:
    """Sign ``count`` impression tokens for the bench zones and ads, as serve would."""
    from apps.delivery.index import current_index
    from apps.delivery.tokens import ServeToken, token_sign, ua_hash

    index = current_index()
    zones = [z for z in index.zones.values() if z.uuid and z.active and z.publisher_approved]
    ads = [a for a in index.ads_by_id.values() if a.campaign.pricing_model == "cpm"]
    ads = [
        a
        for a in ads
        if a.campaign.daily_budget_micros is None or a.campaign.daily_budget_micros > 10**12
    ]
    if not zones or not ads:
        raise SystemExit("no bench inventory: bench_seed failed?")
    now = int(time.time())
    hashed = ua_hash(UA)
    prices = {}
    with path.open("w") as out:
        for i in range(count):
            zone, ad = zones[i % len(zones)], ads[i % len(ads)]
            token = ServeToken(
                impression_uuid=str(uuid.uuid4()),
                zone_id=zone.id,
                ad_id=ad.ad_id,
                campaign_id=ad.campaign.id,
                advertiser_id=ad.campaign.advertiser_id,
                publisher_id=zone.publisher_id,
                pricing_model="cpm",
                bid_micros=ad.campaign.bid_micros,
                user_key=f"u{i % 5000}",
                ua_hash=hashed,
                issued_at=now,
            )
            out.write(token_sign(token) + "\n")
            prices[ad.campaign.id] = prices.get(ad.campaign.id, 0) + ad.campaign.bid_micros // 1000
    return prices


def wait_http(url: str, seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


def start_drainer() -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "manage.py", "drain_events", "--loop", "--interval", "0.5", "--batch-size", "2000"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def parse_wrk(text: str) -> dict:
    out = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    for label in ("50%", "99%"):
        m = re.search(rf"\s{re.escape(label)}\s+([\d.]+)(us|ms|s)", text)
        if m:
            value = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
            out[f"p{label[:-1]}_ms"] = round(value, 2)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=80_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--kill-drainer", action="store_true")
    args = parser.parse_args()

    manage("migrate", "--noinput")
    manage("bench_seed", "--ads", "100", "--zones", "10")
    django_setup()
    from django.core.cache import cache
    from django.db.models import Sum

    from apps.delivery.counters import spend_total_key
    from apps.delivery.models import HourlyStat, ImpressionEvent, InvalidEvent
    from apps.delivery.sink import event_buffer, events_drain

    # Start from empty tracking tables and counters.
    events_drain(max_batches=1000)
    ImpressionEvent.objects.all().delete()
    HourlyStat.objects.all().delete()
    InvalidEvent.objects.all().delete()
    work = Path(tempfile.mkdtemp(prefix="track-bench-"))
    tokens = work / "tokens.txt"
    prices = sign_tokens(args.tokens, tokens)
    cache.delete_many([spend_total_key(cid) for cid in prices])

    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "adplatform.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    drainer = start_drainer()
    result: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        wait_http(f"http://127.0.0.1:{PORT}/bench/ping")
        wrk = subprocess.Popen(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                str(ROOT / "bench" / "track.lua"),
                f"http://127.0.0.1:{PORT}",
            ],
            env={**ENV, "BENCH_TOKENS": str(tokens), "BENCH_UA": UA, "BENCH_THREADS_WRK": "2"},
            stdout=subprocess.PIPE,
            text=True,
        )
        if args.kill_drainer:
            time.sleep(args.duration / 2)
            drainer.send_signal(signal.SIGKILL)
            drainer.wait()
            result["drainer_killed_at_s"] = args.duration / 2
            time.sleep(2)
            drainer = start_drainer()
        output, _ = wrk.communicate(timeout=args.duration + 60)
        result["wrk"] = parse_wrk(output)
        # Wait for the buffer to empty (a killed drainer's batch is reclaimed after 60 s).
        deadline = time.monotonic() + 180
        while event_buffer().pending() and time.monotonic() < deadline:
            time.sleep(1)
        result["drain_backlog_left"] = event_buffer().pending()
    finally:
        for proc in (drainer, gunicorn):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    rows = ImpressionEvent.objects.count()
    rolled = HourlyStat.objects.aggregate(n=Sum("impressions"), spend=Sum("spend_micros"))
    raw_spend = ImpressionEvent.objects.aggregate(s=Sum("cost_micros"))["s"] or 0
    counter_spend = sum(int(cache.get(spend_total_key(cid)) or 0) for cid in prices)
    answered = result["wrk"].get("requests", 0) - result["wrk"].get("non_2xx", 0)
    result["totals"] = {
        "pixels_answered_by_wrk": answered,
        "raw_impression_rows": rows,
        "rollup_impressions": rolled["n"] or 0,
        "invalid_events": InvalidEvent.objects.count(),
        "raw_spend_micros": raw_spend,
        "rollup_spend_micros": rolled["spend"] or 0,
        "counter_spend_micros": counter_spend,
    }
    t = result["totals"]
    # wrk does not count requests still in flight when its clock stops; the server did.
    result["exact"] = (
        t["raw_impression_rows"] == t["rollup_impressions"]
        and t["raw_spend_micros"] == t["rollup_spend_micros"] == t["counter_spend_micros"]
        and 0 <= t["raw_impression_rows"] - answered <= args.connections
        and t["invalid_events"] == 0
    )
    result["events_per_second"] = round(rows / args.duration, 1)
    out = ROOT / "bench" / "results" / f"track-{result['date'].replace(':', '')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0 if result["exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
