"""The platform's key/value settings: known keys, their types and defaults, secret masking.

Admins read and change them through ``/api/v1/settings``. Secrets (SMTP password, payment
keys) are answered as ``********``; sending the mask back leaves the stored value alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from rest_framework import serializers

from apps.common.api import StrictInputSerializer

from .models import PlatformSetting, User

MASK = "********"
CACHE_KEY = "platform-settings:v1"


@dataclass(frozen=True)
class Definition:
    default: Any
    field: type[serializers.Field]
    options: dict = dc_field(default_factory=dict)
    secret: bool = False

    def make_field(self) -> serializers.Field:
        return self.field(required=False, **self.options)


_TEXT = {"max_length": 200, "allow_blank": True}
_SHARE = {
    "max_digits": 5,
    "decimal_places": 4,
    "min_value": Decimal("0"),
    "max_value": Decimal("1"),
}

DEFINITIONS: dict[str, Definition] = {
    "site_name": Definition(
        "Ad Platform", serializers.CharField, {"max_length": 100, "min_length": 1}
    ),
    "site_url": Definition("http://127.0.0.1:8000", serializers.URLField, {"max_length": 200}),
    "support_email": Definition("support@adplatform.local", serializers.EmailField),
    "currency": Definition(
        "USD", serializers.RegexField, {"regex": r"^[A-Z]{3}$", "max_length": 3}
    ),
    "default_revenue_share": Definition("0.7000", serializers.DecimalField, _SHARE),
    "minimum_payout": Definition(
        "50.00",
        serializers.DecimalField,
        {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")},
    ),
    "tax_rate": Definition("0.0000", serializers.DecimalField, _SHARE),
    "invoice_prefix": Definition("INV", serializers.RegexField, {"regex": r"^[A-Z0-9-]{1,10}$"}),
    "default_wallet_mode": Definition(
        "postpaid", serializers.ChoiceField, {"choices": ["prepaid", "postpaid"]}
    ),
    "billing_address": Definition(
        "", serializers.CharField, {"max_length": 500, "allow_blank": True}
    ),
    "bank_transfer_instructions": Definition(
        "", serializers.CharField, {"max_length": 1000, "allow_blank": True}
    ),
    "payment_terms_days": Definition(
        30, serializers.IntegerField, {"min_value": 0, "max_value": 365}
    ),
    "auto_approve_ads": Definition(False, serializers.BooleanField),
    # Admins and finance users must set MFA up before they can sign in.
    "mfa_required_for_staff": Definition(False, serializers.BooleanField),
    "smtp_host": Definition("", serializers.CharField, _TEXT),
    "smtp_port": Definition(587, serializers.IntegerField, {"min_value": 1, "max_value": 65535}),
    "smtp_user": Definition("", serializers.CharField, _TEXT),
    "smtp_password": Definition("", serializers.CharField, _TEXT, secret=True),
    "smtp_use_tls": Definition(True, serializers.BooleanField),
    "stripe_publishable_key": Definition("", serializers.CharField, _TEXT),
    "stripe_secret_key": Definition("", serializers.CharField, _TEXT, secret=True),
    "stripe_webhook_secret": Definition("", serializers.CharField, _TEXT, secret=True),
    "paypal_client_id": Definition("", serializers.CharField, _TEXT),
    "paypal_client_secret": Definition("", serializers.CharField, _TEXT, secret=True),
    "paypal_mode": Definition("sandbox", serializers.ChoiceField, {"choices": ["sandbox", "live"]}),
}
SECRET_KEYS = frozenset(key for key, definition in DEFINITIONS.items() if definition.secret)


def _input_fields() -> dict[str, serializers.Field]:
    return {key: definition.make_field() for key, definition in DEFINITIONS.items()}


SettingsUpdateInput = type("SettingsUpdateInput", (StrictInputSerializer,), _input_fields())
SettingsOutput = type(
    "SettingsOutput",
    (serializers.Serializer,),
    {key: serializers.JSONField() for key in DEFINITIONS},
)


def settings_values() -> dict[str, Any]:
    """Every setting with its effective value (stored or default), secrets in clear."""
    values = cache.get(CACHE_KEY)
    if values is None:
        values = {key: definition.default for key, definition in DEFINITIONS.items()}
        values.update({s.key: s.value for s in PlatformSetting.objects.filter(key__in=DEFINITIONS)})
        cache.set(CACHE_KEY, values, timeout=300)
    return values


def setting_get(key: str) -> Any:
    return settings_values()[key]


def settings_public() -> dict[str, Any]:
    """Settings as the API answers them: secrets that are set are masked."""
    return {
        key: (MASK if key in SECRET_KEYS and value else value)
        for key, value in settings_values().items()
    }


@transaction.atomic
def settings_update(*, values: dict[str, Any], actor: User | None) -> dict[str, Any]:
    for key, value in values.items():
        if key in SECRET_KEYS and value == MASK:
            continue  # the mask sent back means "unchanged"
        stored = str(value) if isinstance(value, Decimal) else value
        PlatformSetting.objects.update_or_create(
            key=key, defaults={"value": stored, "updated_by": actor}
        )
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    cache.delete(CACHE_KEY)
    return settings_public()
