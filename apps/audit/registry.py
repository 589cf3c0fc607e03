"""Which models the audit log follows, and which of their fields it leaves out or masks.

Left out: bookkeeping that changes on its own (``updated_at``, last-used times, counters,
cursors). Masked: secrets and their hashes, and bank details (``********`` before and after).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.apps import apps

MASK_CALLABLE = "apps.audit.masking.mask_secret"
ALWAYS_EXCLUDED = ["updated_at"]

# "app_label.Model": options for auditlog.register
AUDITED_MODELS: dict[str, dict] = {
    "accounts.User": {
        "exclude_fields": ["last_login", "is_staff", "is_superuser"],
        "mask_fields": ["password"],
    },
    "accounts.PlatformSetting": {
        "mask_fields": ["value"],
        "mask_callable": "apps.audit.masking.mask_setting_value",
    },
    "accounts.PartnerCredential": {
        "exclude_fields": ["last_used_at"],
        "mask_fields": ["secret_hash"],
    },
    "inventory.Publisher": {"mask_fields": ["payout_details"]},
    "inventory.Website": {},
    "inventory.Zone": {},
    "campaigns.Advertiser": {"m2m_fields": {"managers"}},
    "campaigns.Campaign": {},
    "campaigns.Ad": {},
    "campaigns.ConversionGoal": {},
    "webhooks.Webhook": {
        "exclude_fields": ["consecutive_failures"],
        "mask_fields": ["secret"],
    },
    "billing.Wallet": {"exclude_fields": ["spend_posted_until"]},
    "billing.Invoice": {},
    "billing.Payout": {},
}


def audited_model_names() -> dict[str, str]:
    """``object_type`` filter value (the model name, lower case) → ``app_label.Model``."""
    return {label.split(".")[1].lower(): label for label in AUDITED_MODELS}


def audit_register_models() -> None:
    from .masking import mark_setting_row

    for label, options in AUDITED_MODELS.items():
        model = apps.get_model(label)
        options = dict(options)
        options["exclude_fields"] = [*ALWAYS_EXCLUDED, *options.get("exclude_fields", [])]
        # Only the model's own columns: on create, auditlog would otherwise read every reverse
        # relation too (a query each, and a cached "does not exist" on the instance).
        options["include_fields"] = [
            field.name
            for field in model._meta.concrete_fields
            if field.name not in options["exclude_fields"]
        ]
        if options.get("mask_fields"):
            options.setdefault("mask_callable", MASK_CALLABLE)
        if not auditlog.contains(model):
            auditlog.register(model, **options)
    pre_log.connect(
        mark_setting_row,
        sender=apps.get_model("accounts.PlatformSetting"),
        dispatch_uid="audit-mark-setting-row",
    )
