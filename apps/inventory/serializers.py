"""Input and output shapes of the inventory API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework import serializers

from apps.accounts.selectors import user_get
from apps.common.adformats import MAX_DIMENSION, AdType
from apps.common.api import PageQuery, StrictInputSerializer
from apps.common.integers import IdFilterField
from apps.common.schema import pattern_or_blank, url_or_blank_output

from .models import (
    CATEGORY_MAX_LENGTH,
    CATEGORY_PATTERN,
    PAYOUT_DETAILS_MAX_BYTES,
    PayoutMethod,
    Publisher,
    PublisherStatus,
    Website,
    Zone,
    ZoneStatus,
    validate_http_url,
)

NAME_MAX = 200
URL_MAX = 500
BLOCKED_CATEGORIES_MAX = 200
BLOCKED_ADVERTISERS_MAX = 1000


# --- Fields ---------------------------------------------------------------------------------


class HttpUrlField(serializers.URLField):
    """An absolute ``http``/``https`` URL (no ``ftp:``, ``javascript:`` …)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", URL_MAX)
        super().__init__(**kwargs)
        self.validators.append(validate_http_url)


class CategoryField(serializers.RegexField):
    """A lowercase slug such as ``news``; sent in any case, stored lowercase."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", CATEGORY_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {"invalid": "Use a lowercase slug such as 'news' (letters, digits, '-' and '_')."},
        )
        pattern = CATEGORY_PATTERN
        if kwargs.get("allow_blank"):
            pattern = pattern_or_blank(pattern)
        super().__init__(pattern, **kwargs)

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str):
            data = data.strip().lower()
        return super().run_validation(data)


class PayoutDetailsField(serializers.DictField):
    """Free-form payout details (IBAN, PayPal e-mail …), at most 2 KB of JSON."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(json.dumps(value)) > PAYOUT_DETAILS_MAX_BYTES:
            raise serializers.ValidationError(
                f"At most {PAYOUT_DETAILS_MAX_BYTES} bytes of JSON.", code="too_big"
            )
        return value


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _name_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=NAME_MAX, **kwargs)


def _size_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=MAX_DIMENSION, allow_null=True, required=False, **kwargs
    )


def _money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), **kwargs
    )


# --- Publishers -----------------------------------------------------------------------------


class PublisherOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)
    payout_details = serializers.DictField(read_only=True)
    blocked_categories = serializers.ListField(child=serializers.CharField(), read_only=True)
    blocked_advertiser_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    reviewed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    website_url = url_or_blank_output()

    class Meta:
        model = Publisher
        fields = [
            "id",
            "user_id",
            "user_email",
            "name",
            "website_url",
            "description",
            "status",
            "revenue_share",
            "payout_method",
            "payout_details",
            "blocked_categories",
            "blocked_advertiser_ids",
            "rejection_reason",
            "reviewed_at",
            "reviewed_by_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _PublisherOwnerFields(StrictInputSerializer):
    website_url = HttpUrlField(required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    payout_method = serializers.ChoiceField(choices=PayoutMethod.choices, required=False)
    payout_details = PayoutDetailsField(required=False)
    blocked_categories = serializers.ListField(
        child=CategoryField(), max_length=BLOCKED_CATEGORIES_MAX, required=False
    )
    blocked_advertiser_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=BLOCKED_ADVERTISERS_MAX,
        required=False,
    )
    revenue_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        help_text="Admin only. The publisher's share of revenue, 0 to 1.",
    )
    status = serializers.ChoiceField(
        choices=PublisherStatus.choices,
        required=False,
        help_text="Admin only. approved/rejected emit publisher.approved/publisher.rejected.",
    )

    def validate_blocked_categories(self, value):
        return _unique(value)

    def validate_blocked_advertiser_ids(self, value):
        return _unique(value)


class PublisherCreateInput(_PublisherOwnerFields):
    name = _name_field()
    user_id = serializers.IntegerField(
        min_value=1, help_text="An existing user with the publisher role."
    )

    def validate_user_id(self, value):
        user = user_get(user_id=value)
        if user is None:
            raise serializers.ValidationError("No user with this id.", code="not_found")
        return user


class PublisherUpdateInput(_PublisherOwnerFields):
    name = _name_field(required=False)
    rejection_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Admin only."
    )


class PublisherRejectInput(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PublisherListQuery(PageQuery):
    status = serializers.ChoiceField(choices=PublisherStatus.choices, required=False)


# --- Websites -------------------------------------------------------------------------------


class WebsiteOutput(serializers.ModelSerializer):
    publisher_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Website
        fields = ["id", "publisher_id", "name", "url", "category", "created_at", "updated_at"]
        read_only_fields = fields


class WebsiteCreateInput(StrictInputSerializer):
    publisher_id = serializers.IntegerField(
        min_value=1, help_text="Your publisher (admins: any publisher)."
    )
    name = _name_field()
    url = HttpUrlField()
    category = CategoryField(required=False, allow_blank=True, default="")


class WebsiteUpdateInput(StrictInputSerializer):
    publisher_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Move the website to another of your publishers."
    )
    name = _name_field(required=False)
    url = HttpUrlField(required=False)
    category = CategoryField(required=False, allow_blank=True)


class WebsiteListQuery(PageQuery):
    publisher_id = IdFilterField()


# --- Zones ----------------------------------------------------------------------------------


class ZoneOutput(serializers.ModelSerializer):
    website_id = serializers.IntegerField(read_only=True)
    publisher_id = serializers.IntegerField(source="website.publisher_id", read_only=True)
    floor_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="Minimum CPM."
    )

    class Meta:
        model = Zone
        fields = [
            "id",
            "uuid",
            "website_id",
            "publisher_id",
            "name",
            "type",
            "width",
            "height",
            "floor_price",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ZoneCreateInput(StrictInputSerializer):
    website_id = serializers.IntegerField(min_value=1, help_text="One of your websites.")
    name = _name_field()
    type = serializers.ChoiceField(choices=AdType.choices)
    width = _size_field(help_text="Required for banner and html zones.")
    height = _size_field(help_text="Required for banner and html zones.")
    floor_price = _money_field(
        required=False, default=Decimal("0.00"), help_text="Minimum CPM, e.g. '0.50'."
    )
    status = serializers.ChoiceField(
        choices=ZoneStatus.choices, required=False, default=ZoneStatus.ACTIVE
    )


class ZoneUpdateInput(StrictInputSerializer):
    website_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Move the zone to another of your websites."
    )
    name = _name_field(required=False)
    type = serializers.ChoiceField(choices=AdType.choices, required=False)
    width = _size_field()
    height = _size_field()
    floor_price = _money_field(required=False, help_text="Minimum CPM, e.g. '0.50'.")
    status = serializers.ChoiceField(choices=ZoneStatus.choices, required=False)


class ZoneListQuery(PageQuery):
    website_id = IdFilterField()
    publisher_id = IdFilterField()
    type = serializers.ChoiceField(choices=AdType.choices, required=False)
    status = serializers.ChoiceField(choices=ZoneStatus.choices, required=False)


class ZoneEmbedUrlsOutput(serializers.Serializer):
    serve = serializers.URLField(help_text="JSON decision endpoint.")
    iframe = serializers.URLField(help_text="HTML page for the iframe tag.")
    image = serializers.URLField(help_text="The ad as an image (no-script placement).")
    click = serializers.URLField(help_text="Click redirect paired with the image.")
    script = serializers.URLField(help_text="The async ad tag script.")


class ZoneEmbedOutput(serializers.Serializer):
    zone_uuid = serializers.UUIDField()
    async_js = serializers.CharField(help_text="Async JavaScript tag (recommended).")
    iframe = serializers.CharField(help_text="Sandboxed iframe tag.")
    image = serializers.CharField(help_text="Image wrapped in a click link (no JavaScript).")
    urls = ZoneEmbedUrlsOutput()
