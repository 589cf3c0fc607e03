"""Two real server processes (gunicorn, two workers) sharing PostgreSQL and Redis: a zone made
a moment ago serves from every worker on its first request, and an edit reaches every worker
within ``INVENTORY_CHECK_SECONDS`` + 1 s.

The workers run the production settings module's defaults (a thread per process follows the
change log), against the test database, which they can see because the test commits.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.campaigns.services.campaigns import campaign_pause
from apps.campaigns.tests.factories import live_ad
from apps.delivery.tests.factories import CHROME_UA
from apps.inventory import services as inventory
from apps.inventory.tests.factories import ZoneFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes need a shared database"
    ),
]
ROOT = Path(__file__).resolve().parents[3]
CHECK_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, zone_uuid) -> tuple[int, dict | None]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/serve/{zone_uuid}", headers={"User-Agent": CHROME_UA}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())["data"]
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.fixture
def workers(tmp_path):
    db = connection.settings_dict
    port = free_port()
    log = tmp_path / "access.log"
    errors = (tmp_path / "error.log").open("w")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "adplatform.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "INVENTORY_CHECK_SECONDS": str(CHECK_SECONDS),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(U)s %(s)s",
            "adplatform.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"gunicorn did not start: {(tmp_path / 'error.log').read_text()[-2000:]}")
    yield port, log
    server.terminate()
    server.wait(timeout=20)
    errors.close()
    print((tmp_path / "error.log").read_text()[-5000:])  # shown when the test fails


def pids_answering(log: Path, zone_uuid, status: str) -> set[str]:
    pattern = re.compile(rf"^<(\d+)> /api/v1/serve/{zone_uuid} {status}$")
    return {m[1] for line in log.read_text().splitlines() if (m := pattern.match(line))}


def test_new_zones_serve_at_once_and_edits_reach_every_worker(workers):
    port, log = workers
    ad = live_ad()
    known = ZoneFactory(width=300, height=250)
    # Warm both workers on a zone they know (each builds its index on its first request).
    for _ in range(20):
        status, data = serve(port, known.uuid)
        assert status == 200 and data is not None
    zone = inventory.zone_create(
        website=known.website, name="Fresh", type="banner", width=300, height=250
    )  # committed: the change is in the log before the next line runs
    answers = [serve(port, zone.uuid) for _ in range(30)]
    assert all(status == 200 and data is not None for status, data in answers), answers
    time.sleep(0.2)  # the access log is written after each response
    assert len(pids_answering(log, zone.uuid, "200")) == 2  # both workers answered it
    assert not pids_answering(log, zone.uuid, "404")

    campaign_pause(campaign=ad.campaign)
    paused_at = time.monotonic()
    while time.monotonic() - paused_at < 10:
        if all(serve(port, zone.uuid)[1] is None for _ in range(10)):
            break
        time.sleep(0.05)
    seen_everywhere = time.monotonic() - paused_at
    assert seen_everywhere <= CHECK_SECONDS + 1, seen_everywhere
    assert all(serve(port, zone.uuid)[1] is None for _ in range(20))
