"""A real Celery worker (Redis broker) delivers a webhook to the loopback receiver.

Runs when ``REDIS_URL`` is set (CI). The worker is a subprocess on the test database; the
task goes to a queue of its own so no other worker on the same Redis can take it.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from apps.common.events import domain_event_emit
from apps.webhooks import tasks
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.tests.conftest import expected_signature
from apps.webhooks.tests.factories import WebhookFactory

ARRIVAL_TIMEOUT_SECONDS = 25


def _database_url() -> str | None:
    """The test database as a URL for the worker, or None when it cannot be shared."""
    db = connection.settings_dict
    if "postgresql" in db["ENGINE"]:
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "localhost"
        port = db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
    name = str(db["NAME"])
    if "memory" in name:
        return None  # an in-memory SQLite database is private to this process
    return f"sqlite:///{name}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def celery_worker(*, queue: str, database_url: str):
    """A worker consuming ``queue`` only; always stopped, its queue deleted. Yields its log."""
    celery = Path(sys.executable).with_name("celery")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "apps.webhooks.tests.celery_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [str(celery), "-A", "adplatform", "worker", "--pool=solo", "-l", "warning"]
    command += ["-Q", queue, "-n", f"{queue}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield log
        finally:
            _stop(worker)
            with (
                contextlib.suppress(Exception),
                tasks.deliver.app.connection_for_write() as conn,
            ):
                conn.default_channel.queue_delete(queue)


@contextlib.contextmanager
def publishing_to(queue: str):
    """Tasks of this process go to the broker (tests otherwise run them eagerly), to ``queue``."""
    conf = tasks.deliver.app.conf
    task = tasks.deliver._get_current_object()
    eager = conf.task_always_eager
    conf.task_always_eager = False
    task.queue = queue
    task._exec_options = None
    try:
        yield
    finally:
        conf.task_always_eager = eager
        task.__dict__.pop("queue", None)
        task._exec_options = None


def _tail(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_redis(receiver, advertiser_user):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker")
    database_url = _database_url()
    if database_url is None:
        pytest.skip("The test database is in-memory SQLite; a worker cannot share it")

    webhook = WebhookFactory(owner=advertiser_user, url=receiver.url)
    queue = f"webhooks-test-{uuid.uuid4().hex[:12]}"
    with celery_worker(queue=queue, database_url=database_url) as log, publishing_to(queue):
        # Committed at once (transactional test): the receiver fans out and enqueues.
        event = domain_event_emit(
            event_type="campaign.created", data={"campaign_id": 1}, owner=advertiser_user
        )
        delivery = WebhookDelivery.objects.get(webhook=webhook)

        requests = receiver.wait_for(1, timeout=ARRIVAL_TIMEOUT_SECONDS)
        assert requests, f"No delivery in {ARRIVAL_TIMEOUT_SECONDS}s. Worker log:\n{_tail(log)}"
        [request] = requests
        assert request.header("X-AdServerX-Signature") == expected_signature(
            webhook.secret, request.body
        )
        assert request.header("X-AdServerX-Delivery") == str(delivery.uuid)
        assert str(event.uuid) in request.body.decode()

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == DeliveryStatus.SUCCEEDED:
                break
            time.sleep(0.2)
        assert delivery.status == DeliveryStatus.SUCCEEDED
        assert delivery.attempts == 1 and delivery.status_code == 200
