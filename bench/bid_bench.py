"""OpenRTB bid benchmark: bid requests at sustained load, beside the serve endpoint, and
fan-out to fake demand partners on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_rtb REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/bid_bench.py [--ads 10000] [--duration 20] [--connections 16]

(a) **Internal auction.** ``bench_seed`` makes N active 300x250 banner ads in 10 zones; their
campaigns are opened to the exchange (``channels: ["own", "rtb"]``). The server is the
production command, ``gunicorn -c gunicorn.conf.py adplatform.wsgi`` with the production
settings (``bench/production.py``; the shape overridden as an operator would, e.g.
``WEB_CONCURRENCY``), and wrk
POSTs open-exchange bid requests (desktop Chrome, ``device.geo.country=USA``, 1,000 users,
``at`` 1 and 2, floor 0.10) at ``--connections``; then the same load goes to
``GET /api/v1/serve/{zone}`` for comparison. Server-side times come from gunicorn's access log
(``%(D)s``), client-side ones from wrk.

(b) **Fan-out.** Three fake partners (``bench/fake_bidder.py``) answer after 20 ms (below the
deadline), ``tmax - margin`` ms (at it) and 250 ms (above it); requests name a site mapped to
a bench zone, so every one is offered to all three, with ``tmax`` = ``--tmax``. wrk runs with
as many connections as the server has request threads (no queueing in front of it: the
deadline counts from the request's arrival in the view). The one setting the run needs beyond
the production shape's is ``WEBHOOK_ALLOW_PRIVATE_URLS=true``, because the fake partners listen
on loopback. The circuit breaker keeps its defaults, so the partner that always answers late
is dropped after ``RTB_BREAKER_FAILURES`` timeouts; for the worst case (it is called and
abandoned on every request) an operator's ``RTB_BREAKER_FAILURES=1000000000`` in the
environment passes through. The script reports p50/p99/max against ``tmax``, client-
and server-side, and the partners' statistics (bids, timeouts).

Other load on the machine is measured as ``serve_bench.sh`` does (busy CPU not used by
gunicorn, the fake partners, Redis, PostgreSQL or wrk) and saved with the results:
``bench/results/bid-<UTC timestamp>.json``, and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.production import (  # the script runs from bench/
    PY,
    ROOT,
    django_setup,
    ensure_database,
    manage,
    product_env,
    server_shape,
    start_gunicorn,
)

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
OPEN_SITE, MAPPED_SITE = "bench-open-site", "bench-mapped-site"


def log(text: str) -> None:
    print(f"[bench-bid] {text}", file=sys.stderr, flush=True)


def prepare(zones: list[str]) -> None:
    """Open the bench campaigns to the exchange, map a site to the first zone, drop old
    partners; the inventory version moves so servers rebuild."""
    from django.db import transaction

    from apps.campaigns.models import Campaign
    from apps.common.events import inventory_changed
    from apps.inventory.models import Zone
    from apps.rtb.models import DemandPartner, SupplyMapping

    with transaction.atomic():
        Campaign.objects.filter(name__startswith="bench-").update(channels=["own", "rtb"])
        SupplyMapping.objects.filter(external_id__startswith="bench-").delete()
        DemandPartner.objects.filter(name__startswith="bench-").delete()
        SupplyMapping.objects.create(
            source="site", external_id=MAPPED_SITE, zone=Zone.objects.get(uuid=zones[0])
        )
        inventory_changed(kind="all")


def partners_create(ports_delays: list[tuple[int, float]]) -> None:
    from apps.rtb.models import DemandPartner

    for port, delay in ports_delays:
        DemandPartner.objects.create(
            name=f"bench-{int(delay)}ms",
            endpoint_url=f"http://127.0.0.1:{port}/bid",
            timeout_ms=1000,
            qps_cap=100_000,
            all_zones=True,
        )


def bodies(path: Path, *, site: str, tmax: int, count: int = 2000) -> None:
    rng = random.Random(7)  # noqa: S311 - choosing bench users
    with path.open("w") as out:
        for i in range(count):
            body = {
                "id": f"bench-{i}",
                "at": 1 + i % 2,
                "tmax": tmax,
                "cur": ["USD"],
                "imp": [{"id": "1", "banner": {"w": 300, "h": 250}, "bidfloor": 0.1}],
                "site": {"id": site, "domain": "bench.example", "page": "https://bench.example/"},
                "device": {"ua": UA, "ip": "8.8.8.8", "geo": {"country": "USA"}},
                "user": {"id": f"bench-user-{rng.randrange(1000)}"},
            }
            out.write(json.dumps(body) + "\n")


# --- Machine load ----------------------------------------------------------------------------


def _machine() -> tuple[int, int]:
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    total = sum(fields)
    return total - fields[3] - fields[4], total


def _cpu(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read().rsplit(")", 1)[1].split()
            total += int(stat[11]) + int(stat[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def _ours(gunicorn_pid: int, extra: list[int]) -> list[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(gunicorn_pid)], capture_output=True, text=True
    ).stdout.split()
    services = subprocess.run(
        ["pgrep", "-x", "redis-server|postgres"], capture_output=True, text=True
    ).stdout.split()
    return [gunicorn_pid, *map(int, children), *map(int, services), *extra]


# --- Runs ------------------------------------------------------------------------------------


def access_line(line: str) -> tuple[str, str, float] | None:
    """(worker pid, path, ms) of one line of gunicorn.conf.py's access log: the combined
    format followed by ``%(D)s`` (µs) and ``%(p)s`` (``<pid>``)."""
    parts = line.split()
    if len(parts) < 11 or not parts[-2].isdigit():
        return None
    return parts[-1].strip("<>"), parts[6], int(parts[-2]) / 1000


def access_times(path: Path, start: int, route: str) -> list[float]:
    times = []
    for line in path.read_text().splitlines()[start:]:
        parsed = access_line(line)
        if parsed and parsed[1].startswith(route):
            times.append(parsed[2])
    return times


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def run_wrk(
    name: str, *, url: str, script: str, env: dict, conns: int, seconds: int, state: dict
) -> dict:
    access: Path = state["access"]
    start = len(access.read_text().splitlines())
    busy0, total0 = _machine()
    ours0 = _cpu(_ours(state["gunicorn"], state["extra"]))
    before = os.times()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", script, url],
        cwd=ROOT,
        env={**state["env"], **env},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    after = os.times()
    busy1, total1 = _machine()
    ours1 = _cpu(_ours(state["gunicorn"], state["extra"]))
    wrk_jiffies = int(
        (
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
        * os.sysconf("SC_CLK_TCK")
    )
    other = max(0, (busy1 - busy0) - (ours1 - ours0) - wrk_jiffies)
    time.sleep(0.5)
    route = "/openrtb/2.6/bid" if "bid" in script else "/api/v1/serve/"
    server = access_times(access, start, route)
    match = re.search(r"BENCH_JSON (\{.*\})", out)
    client = json.loads(match.group(1)) if match else {}
    latency = client.get("latency_us", {})
    result = {
        "name": name,
        "connections": conns,
        "seconds": seconds,
        "rps": client.get("rps"),
        "statuses": client.get("statuses"),
        "socket_errors": client.get("socket_errors"),
        "client_p50_ms": latency.get("p50", 0) / 1000,
        "client_p99_ms": latency.get("p99", 0) / 1000,
        "client_max_ms": latency.get("max", 0) / 1000,
        "server_requests": len(server),
        "server_p50_ms": pct(server, 0.5),
        "server_p99_ms": pct(server, 0.99),
        "server_max_ms": round(max(server), 2) if server else None,
        "server_mean_ms": round(statistics.fmean(server), 2) if server else None,
        "other_load_percent": round(100 * other / max(1, total1 - total0), 1),
    }
    log(json.dumps(result))
    return result


def start_server(env: dict, port: int, err: Path) -> subprocess.Popen:
    proc = start_gunicorn(env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not come up: " + err.read_text()[-2000:])


def warm(args, body_file: Path, access: Path, workers_wanted: int) -> int:
    """Fresh connections until every worker has answered bids (each builds its index)."""
    lines = body_file.read_text().splitlines()
    filled = 0
    for round_ in range(40):
        for line in lines[:10]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{args.port}/openrtb/2.6/bid",
                data=line.encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                filled += answer.status == 200
        workers = {
            parsed[0]
            for parsed in map(access_line, access.read_text().splitlines())
            if parsed and parsed[1] == "/openrtb/2.6/bid"
        }
        if round_ >= 3 and len(workers) >= workers_wanted:
            break
    return filled


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8070")))
    parser.add_argument("--tmax", type=int, default=100)
    parser.add_argument("--skip-fanout", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bid-bench-"))
    access, err = work / "access.log", work / "gunicorn.err"
    env = product_env(work, args.port, prefix="bench-bid")
    # The fake partners listen on loopback, which outside calls refuse by default.
    env["WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"
    if env.get("DATABASE_URL"):
        ensure_database(env["DATABASE_URL"], prefix="bench-bid")
    log("migrating")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")  # as an operator does before starting
    log(f"seeding {args.ads} ads")
    zones = json.loads(
        manage(env, "bench_seed", "--ads", str(args.ads), "--zones", "10").splitlines()[-1]
    )["zones"]
    os.environ["WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"
    django_setup(env)
    prepare(zones)
    open_bodies, mapped_bodies = work / "open.jsonl", work / "mapped.jsonl"
    bodies(open_bodies, site=OPEN_SITE, tmax=args.tmax)
    bodies(mapped_bodies, site=MAPPED_SITE, tmax=args.tmax)

    from django.conf import settings

    margin = settings.RTB_SAFETY_MARGIN_MS
    shape = server_shape(env)
    workers = int(shape["workers"])
    threads = int(shape["threads"]) if shape.get("worker_class") == "gthread" else 1
    delays = [20.0, float(args.tmax - margin), 250.0]
    fakes: list[subprocess.Popen] = []
    access.write_text("")
    gunicorn = start_server(env, args.port, err)
    state = {"gunicorn": gunicorn.pid, "extra": [], "access": access, "env": env}
    result: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "config": ("PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite")
        + (" + Redis" if os.environ.get("REDIS_URL") else " + database cache"),
        "server": f"gunicorn -c gunicorn.conf.py: {workers} x {threads} "
        f"({shape.get('worker_class')}); adplatform.settings.production",
        "shape": shape,
        "ads": args.ads,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "runs": [],
    }
    try:
        log(f"warm-up: {warm(args, open_bodies, access, workers)} bids with an ad")
        base = f"http://127.0.0.1:{args.port}"
        bid_env = {"BENCH_BODIES": str(open_bodies)}
        serve_env = {"BENCH_ZONES": ",".join(zones)}
        for conns in (args.connections, 4):
            result["runs"].append(
                run_wrk(
                    f"bid c{conns}",
                    url=base,
                    script="bench/bid.lua",
                    env=bid_env,
                    conns=conns,
                    seconds=args.duration,
                    state=state,
                )
            )
            result["runs"].append(
                run_wrk(
                    f"serve c{conns}",
                    url=base + "/",
                    script="bench/serve.lua",
                    env=serve_env,
                    conns=conns,
                    seconds=args.duration,
                    state=state,
                )
            )
        if not args.skip_fanout:
            for i, delay in enumerate(delays):
                port = args.port + 1 + i
                fakes.append(
                    subprocess.Popen(
                        [PY, "bench/fake_bidder.py", "--port", str(port), "--delay-ms", str(delay)],
                        cwd=ROOT,
                    )
                )
            state["extra"] = [f.pid for f in fakes]
            partners_create([(args.port + 1 + i, d) for i, d in enumerate(delays)])
            # Every worker reloads its exchange configuration within RTB_CONFIG_SECONDS.
            time.sleep(settings.RTB_CONFIG_SECONDS + 1.5)
            fan_env = {"BENCH_BODIES": str(mapped_bodies)}
            run = run_wrk(
                f"fan-out tmax={args.tmax} c{workers * threads}",
                url=base,
                script="bench/bid.lua",
                env=fan_env,
                conns=workers * threads,
                seconds=args.duration,
                state=state,
            )
            run["tmax_ms"] = args.tmax
            run["partner_delays_ms"] = delays
            result["runs"].append(run)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        for fake in fakes:
            fake.terminate()
            fake.wait(timeout=10)
    if not args.skip_fanout:
        from apps.rtb.models import PartnerHourlyStat

        result["partners"] = {
            row.partner.name: {
                "requests": row.requests,
                "bids": row.bids,
                "wins": row.wins,
                "timeouts": row.timeouts,
                "errors": row.errors,
                "reasons": row.reasons,
            }
            for row in PartnerHourlyStat.objects.filter(partner__name__startswith="bench-")
            .select_related("partner")
            .order_by("partner__name")
        }
        log(json.dumps(result["partners"]))
    errors = err.read_text().strip()
    if errors:
        log("gunicorn stderr (last lines):\n" + "\n".join(errors.splitlines()[-20:]))
    out = ROOT / "bench" / "results" / f"bid-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nRaw data: {out.relative_to(ROOT)}; {result['config']}; {result['server']}; "
        f"{args.ads} ads; load average before {result['load_average_before']}\n"
    )
    print(
        "| run | req/s | 200 / 204 | client p50 ms | client p99 ms | client max ms | "
        "server p50 ms | server p99 ms | server max ms | other load % |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in result["runs"]:
        statuses = run.get("statuses") or {}
        print(
            f"| {run['name']} | {run['rps']:,.0f} | {statuses.get('200', 0)} / "
            f"{statuses.get('204', 0)} | {run['client_p50_ms']:.1f} | {run['client_p99_ms']:.1f} "
            f"| {run['client_max_ms']:.1f} | {run['server_p50_ms']} | {run['server_p99_ms']} | "
            f"{run['server_max_ms']} | {run['other_load_percent']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
