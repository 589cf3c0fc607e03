"""Reporting benchmark: 30-day reports over 1,000 ads of hourly rollups.

    DJANGO_SETTINGS_MODULE=adplatform.settings.base .venv/bin/python bench/report_bench.py

Uses a throwaway database of its own: ``REPORT_BENCH_DATABASE_URL`` when set (for PostgreSQL;
the database is flushed), otherwise the SQLite file ``/tmp/report-bench.sqlite3``, deleted
and migrated afresh (``REPORT_BENCH_REUSE=1`` keeps an already seeded one). It
bulk-creates one advertiser with 100 campaigns of 10 ads (1,000 ads), one publisher with 10
zones, and 30 days x 24 hours of ``HourlyStat`` for every ad (720,000 rows), then calls the
30-day campaign, publisher, overview and summary reports through the Django test ``Client``
(the whole middleware stack, API-key auth included): one warm-up call, then ``RUNS`` timed
calls, printing the median and the queries of one call as a markdown table. The report
rollups (``apps.reporting.rollups``) are built first and that build is timed apart; SQL on
the embedded default's cache table (rate limiting) is counted apart from the ORM queries.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_PATH = Path(tempfile.gettempdir()) / "report-bench.sqlite3"
DATABASE_URL = os.environ.get("REPORT_BENCH_DATABASE_URL") or f"sqlite:///{SQLITE_PATH}"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adplatform.settings.base")
REUSE = os.environ.get("REPORT_BENCH_REUSE") == "1"  # keep an already seeded database
if DATABASE_URL.startswith("sqlite") and not REUSE:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ADS, ADS_PER_CAMPAIGN, ZONES, DAYS = 1_000, 10, 10, 30
RUNS = 7


def seed() -> dict:
    from decimal import Decimal

    from apps.accounts.models import Role, User
    from apps.campaigns.models import Ad, Advertiser, Campaign
    from apps.delivery.models import HourlyStat
    from apps.inventory.models import Publisher, Website, Zone

    admin = User.objects.create_user("admin@bench.local", "x", role=Role.ADMIN)
    adv_user = User.objects.create_user("adv@bench.local", "x", role=Role.ADVERTISER)
    pub_user = User.objects.create_user("pub@bench.local", "x", role=Role.PUBLISHER)
    advertiser, _ = Advertiser.objects.get_or_create(user=adv_user, defaults={"company": "Bench"})
    publisher = Publisher.objects.create(user=pub_user, name="Bench pub", status="approved")
    website = Website.objects.create(publisher=publisher, name="site", url="https://b.example")
    zones = Zone.objects.bulk_create(
        Zone(website=website, name=f"z{n}", type="banner", width=300, height=250)
        for n in range(ZONES)
    )
    if zones[0].pk is None:  # backends that return no ids from bulk_create
        zones = list(Zone.objects.filter(website=website).order_by("id"))
    start = datetime.now(UTC).date() - timedelta(days=DAYS - 1)
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            advertiser=advertiser,
            name=f"bench-{n}",
            status="active",
            bid_amount=Decimal("2.00"),
            start_date=start,
        )
        for n in range(ADS // ADS_PER_CAMPAIGN)
    )
    ads = Ad.objects.bulk_create(
        Ad(
            campaign=campaigns[n // ADS_PER_CAMPAIGN],
            name=f"bench-ad-{n}",
            type="banner",
            destination_url="https://example.com",
            image_url="https://example.com/a.png",
            width=300,
            height=250,
        )
        for n in range(ADS)
    )
    # 720 hours up to the current one: the last ~2 are past the rollup horizon, read live.
    current = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first_hour = current - timedelta(hours=DAYS * 24 - 1)
    batch: list[HourlyStat] = []
    began = time.perf_counter()
    for index, ad in enumerate(ads):
        zone = zones[index % ZONES]
        for h in range(DAYS * 24):
            impressions = 50 + (index + h) % 17
            batch.append(
                HourlyStat(
                    hour=first_hour + timedelta(hours=h),
                    ad_id=ad.pk,
                    zone_id=zone.pk,
                    campaign_id=ad.campaign_id,
                    advertiser_id=advertiser.pk,
                    publisher_id=publisher.pk,
                    impressions=impressions,
                    clicks=(index + h) % 3,
                    conversions=1 if h % 97 == 0 else 0,
                    viewable_impressions=impressions // 2,
                    spend_micros=impressions * 2_000,
                    revenue_micros=impressions * 1_400,
                )
            )
            if len(batch) >= 10_000:
                HourlyStat.objects.bulk_create(batch)
                batch.clear()
    HourlyStat.objects.bulk_create(batch)
    print(
        f"seeded {HourlyStat.objects.count():,} hourly rows in {time.perf_counter() - began:.1f} s"
    )
    return {
        "admin": admin,
        "advertiser": adv_user,
        "publisher": pub_user,
        "campaign_id": campaigns[0].pk,
        "publisher_id": publisher.pk,
    }


def seeded() -> dict | None:
    from apps.accounts.models import User
    from apps.campaigns.models import Campaign
    from apps.delivery.models import HourlyStat
    from apps.inventory.models import Publisher

    if HourlyStat.objects.count() != ADS * DAYS * 24:
        return None
    return {
        "admin": User.objects.get(email="admin@bench.local"),
        "advertiser": User.objects.get(email="adv@bench.local"),
        "publisher": User.objects.get(email="pub@bench.local"),
        "campaign_id": Campaign.objects.order_by("id").first().pk,
        "publisher_id": Publisher.objects.get(user__email="pub@bench.local").pk,
    }


def client_for(user) -> Client:
    from apps.accounts.services import api_key_create

    _, raw = api_key_create(user=user, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _is_cache_sql(sql: str) -> bool:
    """The embedded default's cache is a table (rate limits use it); counted apart."""
    bare = sql.strip().upper()
    return "adplatform_cache" in sql or bare.startswith("BEGIN") or bare in ("COMMIT", "ROLLBACK")


def measure(client: Client, path: str) -> tuple[float, float, int, int]:
    response = client.get(path)  # warm-up
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    cache_sql = sum(1 for q in captured.captured_queries if _is_cache_sql(q["sql"]))
    return statistics.median(times), min(times), len(captured) - cache_sql, cache_sql


def main() -> None:
    from apps.reporting.rollups import rollups_refresh

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not REUSE and connection.vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)  # its own throwaway database
    who = seeded() if REUSE else None
    who = who or seed()
    began = time.perf_counter()
    rollups_refresh(full=True)
    print(f"first rollup build (all {DAYS} days): {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    rollups_refresh()
    print(f"a refresh (the last 24 settled hours): {time.perf_counter() - began:.2f} s")
    advertiser, publisher, admin = (
        client_for(who["advertiser"]),
        client_for(who["publisher"]),
        client_for(who["admin"]),
    )
    period = "period=last_30_days"
    cases = [
        (
            "campaign analytics (10 ads, 7,200 rows)",
            advertiser,
            f"/api/v1/analytics/campaigns/{who['campaign_id']}?{period}",
        ),
        (
            "publisher analytics (1,000 ads, 720,000 rows)",
            publisher,
            f"/api/v1/analytics/publishers/{who['publisher_id']}?{period}",
        ),
        (
            "reports/overview, advertiser (720,000 rows)",
            advertiser,
            f"/api/v1/reports/overview?{period}",
        ),
        ("reports (summary), admin (720,000 rows)", admin, f"/api/v1/reports?{period}"),
        (
            "reports/overview CSV, advertiser",
            advertiser,
            f"/api/v1/reports/overview?{period}&format=csv",
        ),
    ]
    unrolled = [
        (
            "publisher analytics, REPORT_ROLLUPS=False",
            publisher,
            f"/api/v1/analytics/publishers/{who['publisher_id']}?{period}",
        ),
        (
            "reports/overview, REPORT_ROLLUPS=False",
            advertiser,
            f"/api/v1/reports/overview?{period}",
        ),
    ]
    engine = connection.vendor
    print()
    print(f"| report ({engine}, 30 days) | median ms | min ms | queries | cache SQL |")
    print("|---|---:|---:|---:|---:|")
    for label, client, path in cases:
        median, fastest, queries, cache_sql = measure(client, path)
        print(f"| {label} | {median:.1f} | {fastest:.1f} | {queries} | {cache_sql} |")
    with override_settings(REPORT_ROLLUPS=False):
        for label, client, path in unrolled:
            median, fastest, queries, cache_sql = measure(client, path)
            print(f"| {label} | {median:.1f} | {fastest:.1f} | {queries} | {cache_sql} |")


if __name__ == "__main__":
    main()
