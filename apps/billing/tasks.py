"""Celery tasks of billing: thin, the services own the logic (all idempotent)."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="billing.post_daily_spend", ignore_result=True)
def post_daily_spend() -> int:
    """Post every advertiser's finished days of spend to the ledger."""
    return services.spend_post_due()


@shared_task(name="billing.issue_monthly_invoices", ignore_result=True)
def issue_monthly_invoices() -> int:
    return len(services.invoices_issue_monthly())


@shared_task(name="billing.generate_payouts", ignore_result=True)
def generate_payouts() -> int:
    made, _ = services.payouts_generate()
    return len(made)


@shared_task(name="billing.reconcile", ignore_result=True)
def reconcile() -> bool:
    """Log any difference between rollups, ledger and serving counters."""
    report = services.billing_reconcile()
    for row in report["ledger_vs_rollups"]:
        logger.error("Billing drift (rollups vs ledger): %s", row)
    for row in report["counters_vs_rollups"]:
        logger.warning("Billing drift (counters vs rollups): %s", row)
    return report["ok"]
