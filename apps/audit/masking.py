"""How secrets appear in the audit log: as ``********``, before and after alike.

A platform setting is one row per key, and only some keys are secrets, so its ``value`` is
masked by row: a ``pre_log`` receiver marks whether the row being logged is a secret.
"""

from __future__ import annotations

from contextvars import ContextVar

MASK = "********"
_setting_is_secret: ContextVar[bool] = ContextVar("audit_setting_is_secret", default=True)


def mask_secret(value: str) -> str:
    return MASK if value not in ("", "None", "null") else value


def mask_setting_value(value: str) -> str:
    return mask_secret(value) if _setting_is_secret.get() else value


def mark_setting_row(sender, instance, **kwargs) -> None:
    """``pre_log`` receiver for ``PlatformSetting``: is this row a secret?"""
    from apps.accounts.platform_settings import SECRET_KEYS

    _setting_is_secret.set(getattr(instance, "key", None) in SECRET_KEYS)
