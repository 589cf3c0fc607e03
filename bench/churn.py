"""Edits campaigns through the public API while the serve benchmark loads the same server.

What users live with is not the steady state: advertisers and ad-ops change bids all day, and
every such change reaches every serving worker as an index delta. This driver plays them: it
signs in as the benchmark advertiser (``POST /api/v1/auth/login``, once per benchmark run with
``--key-file``), lists its active campaigns, and then ``PATCH``es one campaign's ``bid_amount``
at a steady rate (``--rate`` edits per second, round robin over the campaigns, each bid moved up
or down one cent so it always changes), until it receives SIGTERM or SIGINT. ``--burst N``
instead makes N edits back to back and exits (the "2 s after a burst" phase). A bid is a
serving field, so every edit costs the index a delta (a rename would cost nothing, and would
measure nothing).

On exit it writes a JSON summary (edits answered 200, failures, achieved rate, edit latency
percentiles) to ``--out``. Standard library only: it runs beside wrk on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path


class Api:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.token = ""
        # Sign-in and edits come from one "office" address, as a person at a desk would.
        pid = os.getpid()
        self.address = f"10.{pid % 256}.{pid // 256 % 256}.7"

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Forwarded-For", self.address)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}


def sign_in(api: Api, email: str, password: str) -> None:
    status, body = api.call(
        "POST", "/api/v1/auth/login", {"email": email, "password": password, "name": "churn"}
    )
    if status != 201 or "api_key" not in body:
        raise SystemExit(f"churn: sign-in failed ({status}): {body}")
    api.token = body["api_key"]


def active_campaigns(api: Api, limit: int) -> list[dict]:
    status, body = api.call("GET", f"/api/v1/campaigns?status=active&per_page={limit}")
    if status != 200 or not body.get("data"):
        raise SystemExit(f"churn: no active campaigns to edit ({status})")
    return [{"id": row["id"], "bid": Decimal(str(row["bid_amount"]))} for row in body["data"]]


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--email", default="bench-advertiser@bench.local")
    parser.add_argument("--password", default="bench-password-not-secret")
    parser.add_argument("--rate", type=float, default=1.0, help="edits per second")
    parser.add_argument("--burst", type=int, default=0, help="N edits back to back, then exit")
    parser.add_argument("--campaigns", type=int, default=50, help="how many campaigns rotate")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--key-file",
        type=Path,
        help="reuse the API key kept here, or sign in once and keep it here (sign-ins are "
        "rate limited like any person's: a benchmark signs in once)",
    )
    args = parser.parse_args()

    stop = False

    def request_stop(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    api = Api(args.base_url)
    if args.key_file and args.key_file.exists():
        api.token = args.key_file.read_text().strip()
    else:
        sign_in(api, args.email, args.password)
        if args.key_file:
            args.key_file.write_text(api.token)
    campaigns = active_campaigns(api, args.campaigns)
    latencies: list[float] = []
    failures: dict[str, int] = {}
    interval = 1.0 / args.rate if args.rate > 0 else 0.0
    started = time.monotonic()
    next_at = started
    n = 0
    while not stop and (not args.burst or n < args.burst):
        if not args.burst:
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
                if stop:
                    break
            next_at += interval
        campaign = campaigns[n % len(campaigns)]
        step = Decimal("0.01") if (n // len(campaigns)) % 2 == 0 else Decimal("-0.01")
        campaign["bid"] += step
        t0 = time.monotonic()
        status, _ = api.call(
            "PATCH", f"/api/v1/campaigns/{campaign['id']}", {"bid_amount": str(campaign["bid"])}
        )
        if status == 200:
            latencies.append((time.monotonic() - t0) * 1000)
        else:
            failures[str(status)] = failures.get(str(status), 0) + 1
        n += 1
    elapsed = time.monotonic() - started
    summary = {
        "mode": "burst" if args.burst else "steady",
        "target_rate": None if args.burst else args.rate,
        "edits": len(latencies),
        "failed": failures,
        "seconds": round(elapsed, 2),
        "achieved_rate": round(len(latencies) / elapsed, 2) if elapsed > 0 else None,
        "edit_p50_ms": percentile(latencies, 50),
        "edit_p99_ms": percentile(latencies, 99),
    }
    args.out.write_text(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
