"""Billing's periodic work, and running it in-process in the embedded default.

With a broker, Celery beat runs the tasks in ``tasks.py``. Without one (tasks run eagerly,
nothing runs beat) the first billing API request starts a daemon thread per process that
does the same every ``IN_PROCESS_INTERVAL_SECONDS``: post finished days of spend, issue last
month's invoices, make last month's payouts. All of it is idempotent, so several processes
doing it at once post, bill and pay nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection

from .invoices import invoices_issue_monthly
from .payouts import payouts_generate
from .spend import spend_post_due

logger = logging.getLogger(__name__)

IN_PROCESS_INTERVAL_SECONDS = 900


def billing_run_due() -> dict[str, int]:
    """Everything that is due now; returns what was done."""
    days = spend_post_due()
    invoices = invoices_issue_monthly()
    payouts, carried = payouts_generate()
    return {
        "days_posted": days,
        "invoices_issued": len(invoices),
        "payouts_created": len(payouts),
        "payouts_carried_over": carried,
    }


_worker_lock = threading.Lock()
_worker: threading.Thread | None = None


def in_process_enabled() -> bool:
    from ..tasks import post_daily_spend

    return bool(post_daily_spend.app.conf.task_always_eager) and settings.BILLING_RUN_IN_PROCESS


def in_process_worker_start() -> None:
    global _worker
    if _worker is not None or not in_process_enabled():
        return
    with _worker_lock:
        if _worker is None:
            _worker = threading.Thread(target=_run_forever, name="billing-periodic", daemon=True)
            _worker.start()


def _run_forever() -> None:
    while True:
        try:
            billing_run_due()
        except Exception:
            logger.exception("Billing periodic work failed; will try again")
        finally:
            connection.close()
        time.sleep(IN_PROCESS_INTERVAL_SECONDS)
