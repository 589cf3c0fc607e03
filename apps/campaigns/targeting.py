"""Campaign targeting: its shape, validation and normal form.

Stored normal form (every key present; an empty list means "no restriction")::

    {"countries": ["US"], "regions": ["US-CA"], "devices": ["mobile"], "browsers": ["chrome"],
     "os": ["android"], "days": [0, 6], "hours": [8, 9], "websites": {"include": [], "exclude": []},
     "zones": {"include": [], "exclude": []}, "categories": ["news"],
     "segments": {"include": [], "exclude": []}}

Days are 0-6 with Monday = 0 and, like hours, are read in the advertiser's time zone. Browser
and OS names are the lowercase names the serving context derives from the User-Agent.
Unknown keys and values are refused, so a typo never silently widens a campaign. Segment ids
(``apps/audiences``) must be the campaign's advertiser's own (``targeting_segments_check``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.common.api import StrictInputSerializer

from .geo import COUNTRY_CODES

DEVICES = ["desktop", "mobile", "tablet"]
BROWSERS = [
    "chrome",
    "safari",
    "firefox",
    "edge",
    "opera",
    "samsung",
    "ie",
    "yandex",
    "uc",
    "brave",
    "vivaldi",
    "other",
]
OPERATING_SYSTEMS = ["windows", "macos", "ios", "android", "linux", "chromeos", "other"]
CATEGORY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
CATEGORY_MAX_LENGTH = 50
MAX_LIST_ITEMS = 500
MAX_ID_ITEMS = 1000

LIST_KEYS = ("countries", "regions", "devices", "browsers", "os", "days", "hours", "categories")
ID_LIST_KEYS = ("websites", "zones", "segments")
_REGION_RE = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")


def targeting_default() -> dict[str, Any]:
    """The normal form of "no targeting": every key present, every list empty."""
    value: dict[str, Any] = {key: [] for key in LIST_KEYS}
    value.update({key: {"include": [], "exclude": []} for key in ID_LIST_KEYS})
    return value


class CountryCodeField(serializers.CharField):
    default_error_messages = {"invalid_enum_value": "'{value}' is not an ISO 3166-1 alpha-2 code."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if value not in COUNTRY_CODES:
            self.fail("invalid_enum_value", value=value)
        return value


class RegionCodeField(serializers.CharField):
    default_error_messages = {
        "invalid_string": "'{value}' is not an ISO 3166-2 region such as 'US-CA'."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        match = _REGION_RE.match(value)
        if match is None or match.group(1) not in COUNTRY_CODES:
            self.fail("invalid_string", value=value)
        return value


class LowercaseChoiceField(serializers.ChoiceField):
    """A choice among lowercase names; ``"Chrome"`` is read as ``"chrome"``."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().lower()
        return super().to_internal_value(data)


class TargetingIdListsInput(StrictInputSerializer):
    include = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=MAX_ID_ITEMS
    )
    exclude = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=MAX_ID_ITEMS
    )


def _list(child: serializers.Field, max_length: int = MAX_LIST_ITEMS) -> serializers.ListField:
    return serializers.ListField(child=child, required=False, max_length=max_length)


class TargetingInput(StrictInputSerializer):
    """Targeting as the API accepts it; missing keys mean no restriction."""

    countries = _list(CountryCodeField())
    regions = _list(RegionCodeField())
    devices = _list(LowercaseChoiceField(choices=DEVICES))
    browsers = _list(LowercaseChoiceField(choices=BROWSERS))
    os = _list(LowercaseChoiceField(choices=OPERATING_SYSTEMS))
    days = _list(serializers.IntegerField(min_value=0, max_value=6), max_length=7)
    hours = _list(serializers.IntegerField(min_value=0, max_value=23), max_length=24)
    websites = TargetingIdListsInput(required=False)
    zones = TargetingIdListsInput(required=False)
    categories = _list(serializers.RegexField(CATEGORY_PATTERN, max_length=CATEGORY_MAX_LENGTH))
    segments = TargetingIdListsInput(
        required=False,
        help_text="Audience segment ids of the campaign's advertiser: the visitor must be in "
        "one of `include` and in none of `exclude` (only with the visitor's consent).",
    )


class TargetingIdListsOutput(serializers.Serializer):
    include = serializers.ListField(child=serializers.IntegerField())
    exclude = serializers.ListField(child=serializers.IntegerField())


class TargetingOutput(serializers.Serializer):
    countries = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    devices = serializers.ListField(child=serializers.CharField())
    browsers = serializers.ListField(child=serializers.CharField())
    os = serializers.ListField(child=serializers.CharField())
    days = serializers.ListField(child=serializers.IntegerField(), help_text="0-6, Monday = 0")
    hours = serializers.ListField(child=serializers.IntegerField(), help_text="0-23")
    websites = TargetingIdListsOutput()
    zones = TargetingIdListsOutput()
    categories = serializers.ListField(child=serializers.CharField())
    segments = TargetingIdListsOutput()

    def to_representation(self, instance):
        # Targeting stored before a key existed (segments) answers that key empty.
        return super().to_representation({**targeting_default(), **(instance or {})})


def _unique(values) -> list:
    seen: dict = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


def targeting_normalise(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fill missing keys with empty lists, drop duplicates, sort days and hours.

    ``value`` must already have passed ``TargetingInput`` (see ``targeting_clean``).
    """
    result = targeting_default()
    if not value:
        return result
    for key in LIST_KEYS:
        result[key] = _unique(value.get(key) or [])
    for key in ("days", "hours"):
        result[key] = sorted(result[key])
    for key in ID_LIST_KEYS:
        lists = value.get(key) or {}
        result[key] = {
            "include": _unique(lists.get("include") or []),
            "exclude": _unique(lists.get("exclude") or []),
        }
    return result


def targeting_clean(value: Any) -> dict[str, Any]:
    """Validate ``value`` and return its normal form.

    Raises ``rest_framework.exceptions.ValidationError`` whose detail names each failing path.
    """
    if value is None:
        return targeting_default()
    serializer = TargetingInput(data=value)
    if not serializer.is_valid():
        raise serializers.ValidationError(serializer.errors)
    return targeting_normalise(serializer.validated_data)


def targeting_segments_check(targeting: Mapping[str, Any], *, advertiser_id: int) -> None:
    """Segments named in ``targeting`` (normal form) must be the advertiser's own: 422."""
    from apps.common.errors import FieldValidationError

    lists = targeting.get("segments") or {}
    named = {*lists.get("include", ()), *lists.get("exclude", ())}
    if not named:
        return
    from apps.audiences.selectors import segment_ids_of_advertiser

    owned = segment_ids_of_advertiser(advertiser_id=advertiser_id, ids=named)
    for key in ("include", "exclude"):
        unknown = [i for i in lists.get(key, ()) if i not in owned]
        if unknown:
            raise FieldValidationError(
                f"targeting.segments.{key}",
                f"Segment {unknown[0]} is not one of this advertiser's segments.",
                code="unknown_segment",
            )


def validate_targeting(value: Any) -> None:
    """Model-field validator (Django admin, ``full_clean``)."""
    try:
        targeting_clean(value)
    except serializers.ValidationError as exc:
        raise DjangoValidationError(
            f"Invalid targeting: {_flatten(exc.detail)}", code="invalid_targeting"
        ) from exc


def _flatten(detail: Any, prefix: str = "") -> str:
    if isinstance(detail, dict):
        return "; ".join(_flatten(sub, f"{prefix}{key}.") for key, sub in detail.items())
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return "; ".join(f"{prefix.rstrip('.')}: {item}" for item in detail)
        return "; ".join(_flatten(sub, f"{prefix}{index}.") for index, sub in enumerate(detail))
    return f"{prefix.rstrip('.')}: {detail}"
