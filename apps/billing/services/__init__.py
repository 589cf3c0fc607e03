"""Billing writes: wallets and the ledger, the daily spend rollup, invoices, payouts and
card payments. Views, tasks, commands and the admin call these; none writes money itself."""

from .invoices import (
    invoice_create,
    invoice_issue,
    invoice_mark_paid,
    invoice_void,
    invoices_issue_monthly,
)
from .payments import checkout_start, provider_webhook_handle
from .payouts import payout_approve, payout_create, payout_mark_paid, payouts_generate
from .periodic import billing_run_due, in_process_worker_start
from .spend import billing_reconcile, drift_adjust, spend_post_due, spend_post_wallet
from .wallets import (
    adjustment_record,
    deposit_record,
    refund_record,
    wallet_ensure,
    wallet_follow_advertiser,
    wallet_update,
)

__all__ = [
    "adjustment_record",
    "billing_reconcile",
    "billing_run_due",
    "checkout_start",
    "deposit_record",
    "drift_adjust",
    "in_process_worker_start",
    "invoice_create",
    "invoice_issue",
    "invoice_mark_paid",
    "invoice_void",
    "invoices_issue_monthly",
    "payout_approve",
    "payout_create",
    "payout_mark_paid",
    "payouts_generate",
    "provider_webhook_handle",
    "refund_record",
    "spend_post_due",
    "spend_post_wallet",
    "wallet_ensure",
    "wallet_follow_advertiser",
    "wallet_update",
]
