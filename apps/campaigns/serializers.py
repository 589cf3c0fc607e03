"""Input and output shapes of the campaigns API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.serializers import TimezoneField
from apps.common.adformats import MAX_DIMENSION, VIDEO_MIME_TYPES, AdType
from apps.common.api import PageQuery, StrictInputSerializer
from apps.common.integers import IdFilterField
from apps.common.schema import pattern_or_blank, url_or_blank_output

from .models import (
    CAMPAIGN_CREATE_STATUSES,
    CHANNELS,
    CURRENCY_PATTERN,
    DEFAULT_ATTRIBUTION_DAYS,
    DEFAULT_WEIGHT,
    HTML_MAX_LENGTH,
    MAX_ATTRIBUTION_DAYS,
    MAX_FREQUENCY_IMPRESSIONS,
    MAX_FREQUENCY_WINDOW_HOURS,
    MAX_VIDEO_SECONDS,
    MAX_WEIGHT,
    MIN_ATTRIBUTION_DAYS,
    MIN_BID,
    MIN_WEIGHT,
    REFERENCE_ID_MAX_LENGTH,
    URL_MAX_LENGTH,
    Ad,
    AdStatus,
    Advertiser,
    Campaign,
    CampaignStatus,
    ConversionGoal,
    GoalType,
    Pacing,
    PricingModel,
    Priority,
    ReviewStatus,
    Rotation,
    ad_requirement_errors,
)
from .slugs import CLIENT_SLUG_MAX_LENGTH, CLIENT_SLUG_PATTERN
from .targeting import (
    CATEGORY_MAX_LENGTH,
    CATEGORY_PATTERN,
    TargetingInput,
    TargetingOutput,
)

SOURCE_MAX_BYTES = 16_384


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def _error(message: str, code: str) -> list[serializers.ErrorDetail]:
    return [serializers.ErrorDetail(message, code=code)]


def _required(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: _error(message, "required")})


class HttpUrlField(serializers.URLField):
    """An absolute ``http``/``https`` URL (never ``javascript:``, ``data:`` or ``ftp:``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", URL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(
            URLValidator(schemes=["http", "https"], message="Enter a valid http or https URL.")
        )


# --- Advertisers --------------------------------------------------------------------------


class AdvertiserOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    manager_ids = serializers.SerializerMethodField()

    class Meta:
        model = Advertiser
        fields = [
            "id",
            "user_id",
            "email",
            "company",
            "client_slug",
            "currency",
            "timezone",
            "manager_ids",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_manager_ids(self, obj: Advertiser) -> list[int]:
        return sorted(user.pk for user in obj.managers.all())


class AdvertiserUpdateInput(StrictInputSerializer):
    company = serializers.CharField(min_length=1, max_length=200)
    client_slug = serializers.RegexField(
        CLIENT_SLUG_PATTERN,
        max_length=CLIENT_SLUG_MAX_LENGTH,
        help_text="Admin only: the advertiser's name in partner API addresses "
        "(lowercase letters, digits, inner hyphens).",
    )
    currency = serializers.RegexField(CURRENCY_PATTERN, max_length=3)
    timezone = TimezoneField()
    manager_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=100,
        help_text="Admin only: partner users who may act for this advertiser.",
    )


class AdvertiserCreateInput(AdvertiserUpdateInput):
    user_id = serializers.IntegerField(min_value=1)
    client_slug = serializers.RegexField(
        CLIENT_SLUG_PATTERN,
        max_length=CLIENT_SLUG_MAX_LENGTH,
        required=False,
        help_text="Made from the company name when omitted.",
    )
    currency = serializers.RegexField(CURRENCY_PATTERN, max_length=3, required=False)
    timezone = TimezoneField(required=False)
    manager_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=100, required=False
    )


class AdvertiserListQuery(PageQuery):
    search = serializers.CharField(max_length=100, required=False)


# --- Campaigns ----------------------------------------------------------------------------


class FrequencyCapInput(StrictInputSerializer):
    impressions = serializers.IntegerField(min_value=1, max_value=MAX_FREQUENCY_IMPRESSIONS)
    window_hours = serializers.IntegerField(min_value=1, max_value=MAX_FREQUENCY_WINDOW_HOURS)

    def validate(self, attrs):
        # Nested fields inherit ``partial`` from a PUT; a cap still needs both numbers.
        for name in ("impressions", "window_hours"):
            if name not in attrs:
                raise _required(name, "This field is required.")
        return attrs


class FrequencyCapOutput(serializers.Serializer):
    impressions = serializers.IntegerField()
    window_hours = serializers.IntegerField()


class CampaignSourceSchema(serializers.Serializer):
    system = serializers.CharField(required=False, help_text="The creating system's name.")
    reference_id = serializers.CharField(
        required=False, help_text="Unique per advertiser: creating again resolves to it."
    )


@extend_schema_field(CampaignSourceSchema)
class CampaignSourceField(serializers.JSONField):
    """The creating system's object, kept whole; ``reference_id`` makes create idempotent."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected an object.", code="invalid_type")
        if len(json.dumps(value, default=str)) > SOURCE_MAX_BYTES:
            raise serializers.ValidationError(
                f"At most {SOURCE_MAX_BYTES} bytes of JSON.", code="too_big"
            )
        errors = {}
        reference = value.get("reference_id")
        if reference is not None:
            if isinstance(reference, bool) or not isinstance(reference, (str, int)):
                errors["reference_id"] = _error("Expected a string.", "invalid_type")
            elif not str(reference).strip():
                errors["reference_id"] = _error("This field may not be blank.", "too_small")
            elif len(str(reference)) > REFERENCE_ID_MAX_LENGTH:
                errors["reference_id"] = _error(
                    f"Ensure this field has no more than {REFERENCE_ID_MAX_LENGTH} characters.",
                    "too_big",
                )
        system = value.get("system")
        if system is not None and (not isinstance(system, str) or len(system) > 100):
            errors["system"] = _error("Expected a string of at most 100 characters.", "invalid")
        if errors:
            raise serializers.ValidationError(errors)
        return value


class CampaignCreateInput(StrictInputSerializer):
    advertiser_id = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Admins and partners: the advertiser to act for. Advertisers: omit.",
    )
    name = serializers.CharField(min_length=3, max_length=200)
    status = serializers.ChoiceField(
        choices=list(CAMPAIGN_CREATE_STATUSES), default=CampaignStatus.DRAFT
    )
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices, default="cpm")
    bid_amount = _money(min_value=MIN_BID)
    daily_budget = _money(min_value=Decimal("0"), required=False, allow_null=True)
    total_budget = _money(min_value=Decimal("0"), required=False, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    pacing = serializers.ChoiceField(choices=Pacing.choices, default="even")
    priority = serializers.ChoiceField(choices=Priority.choices, default="standard")
    rotation = serializers.ChoiceField(
        choices=Rotation.choices,
        default="weighted",
        help_text="How the campaign's ads share its impressions: `weighted` by each ad's "
        "weight, or `optimized`, learning from clicks which ad to show most.",
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CHANNELS)),
        min_length=1,
        max_length=len(CHANNELS),
        required=False,
        help_text="Where the campaign buys: `own` (our publishers' zones, the default) and/or "
        "`rtb` (open-exchange inventory bought over OpenRTB 2.6; CPM campaigns only).",
    )
    frequency_cap = FrequencyCapInput(required=False, allow_null=True)
    targeting = TargetingInput(required=False, allow_null=True)
    category = serializers.RegexField(
        pattern_or_blank(CATEGORY_PATTERN),
        max_length=CATEGORY_MAX_LENGTH,
        required=False,
        allow_blank=True,
    )
    source = CampaignSourceField(required=False, allow_null=True)

    def validate_channels(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each channel at most once.", code="not_unique")
        return value

    def validate(self, attrs):
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise serializers.ValidationError(
                {
                    "end_date": [
                        serializers.ErrorDetail(
                            "The end date must not be before the start date.",
                            code="end_before_start",
                        )
                    ]
                }
            )
        return attrs


class CampaignUpdateInput(CampaignCreateInput):
    status = serializers.ChoiceField(choices=CampaignStatus.choices)


class CampaignListQuery(PageQuery):
    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)
    pricing_model = serializers.ChoiceField(choices=PricingModel.choices, required=False)
    advertiser_id = IdFilterField()
    search = serializers.CharField(max_length=100, required=False)


class CampaignResolveQuery(serializers.Serializer):
    reference_id = serializers.CharField(max_length=REFERENCE_ID_MAX_LENGTH)
    advertiser_id = IdFilterField()


class CampaignOutput(serializers.ModelSerializer):
    advertiser_id = serializers.IntegerField()
    frequency_cap = serializers.SerializerMethodField()
    targeting = TargetingOutput()
    source = serializers.JSONField(allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "status",
            "pricing_model",
            "bid_amount",
            "daily_budget",
            "total_budget",
            "start_date",
            "end_date",
            "pacing",
            "priority",
            "rotation",
            "channels",
            "frequency_cap",
            "targeting",
            "category",
            "source",
            "advertiser_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FrequencyCapOutput(allow_null=True))
    def get_frequency_cap(self, obj: Campaign) -> dict | None:
        return obj.frequency_cap


# --- Ads ----------------------------------------------------------------------------------

_OPTIONAL = {"required": False, "allow_null": True}
_OPTIONAL_TEXT = {"required": False, "allow_null": True, "allow_blank": True}


class AdCreateInput(StrictInputSerializer):
    campaign_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(min_length=1, max_length=200)
    type = serializers.ChoiceField(choices=AdType.choices)
    headline = serializers.CharField(max_length=150, **_OPTIONAL_TEXT)
    body = serializers.CharField(max_length=1000, **_OPTIONAL_TEXT)
    destination_url = HttpUrlField()
    image_url = HttpUrlField(**_OPTIONAL_TEXT)
    html = serializers.CharField(
        max_length=HTML_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Served only inside a sandboxed iframe.",
        **_OPTIONAL_TEXT,
    )
    video_url = HttpUrlField(**_OPTIONAL_TEXT)
    video_mime = serializers.ChoiceField(choices=VIDEO_MIME_TYPES, **_OPTIONAL_TEXT)
    duration_seconds = serializers.IntegerField(
        min_value=1, max_value=MAX_VIDEO_SECONDS, **_OPTIONAL
    )
    width = serializers.IntegerField(min_value=1, max_value=MAX_DIMENSION, **_OPTIONAL)
    height = serializers.IntegerField(min_value=1, max_value=MAX_DIMENSION, **_OPTIONAL)
    call_to_action = serializers.CharField(max_length=30, **_OPTIONAL_TEXT)
    sponsor = serializers.CharField(max_length=100, **_OPTIONAL_TEXT)
    status = serializers.ChoiceField(choices=AdStatus.choices, default=AdStatus.ACTIVE)
    review_status = serializers.ChoiceField(
        choices=ReviewStatus.choices, required=False, help_text="Admin only."
    )
    review_note = serializers.CharField(max_length=500, help_text="Admin only.", **_OPTIONAL_TEXT)
    weight = serializers.IntegerField(
        min_value=MIN_WEIGHT, max_value=MAX_WEIGHT, default=DEFAULT_WEIGHT
    )

    def validate(self, attrs):
        if not self.partial:
            errors = ad_requirement_errors(attrs["type"], attrs)
            if errors:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail(message, code="required")]
                        for name, message in errors.items()
                    }
                )
        return attrs


class AdUpdateInput(AdCreateInput):
    status = serializers.ChoiceField(choices=AdStatus.choices)
    weight = serializers.IntegerField(min_value=MIN_WEIGHT, max_value=MAX_WEIGHT)


class AdReviewInput(StrictInputSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AdListQuery(PageQuery):
    campaign_id = IdFilterField()
    status = serializers.ChoiceField(choices=AdStatus.choices, required=False)
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    type = serializers.ChoiceField(choices=AdType.choices, required=False)
    advertiser_id = IdFilterField()


class AdOutput(serializers.ModelSerializer):
    campaign_id = serializers.IntegerField()
    advertiser_id = serializers.IntegerField(source="campaign.advertiser_id")
    image_url = url_or_blank_output()
    video_url = url_or_blank_output()
    video_mime = serializers.ChoiceField(
        choices=VIDEO_MIME_TYPES, allow_blank=True, read_only=True, help_text='"" unless video.'
    )

    class Meta:
        model = Ad
        fields = [
            "id",
            "uuid",
            "campaign_id",
            "advertiser_id",
            "name",
            "type",
            "headline",
            "body",
            "destination_url",
            "image_url",
            "html",
            "video_url",
            "video_mime",
            "duration_seconds",
            "width",
            "height",
            "call_to_action",
            "sponsor",
            "status",
            "review_status",
            "review_note",
            "weight",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Conversion goals ---------------------------------------------------------------------


class ConversionGoalCreateInput(StrictInputSerializer):
    advertiser_id = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Admins and partners: the advertiser to act for (or give campaign_id).",
    )
    campaign_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    name = serializers.CharField(min_length=1, max_length=200)
    type = serializers.ChoiceField(choices=GoalType.choices, default=GoalType.SALE)
    default_value = _money(min_value=Decimal("0"), default=Decimal("0.00"))
    attribution_window_days = serializers.IntegerField(
        min_value=MIN_ATTRIBUTION_DAYS,
        max_value=MAX_ATTRIBUTION_DAYS,
        default=DEFAULT_ATTRIBUTION_DAYS,
    )
    is_active = serializers.BooleanField(default=True)


class ConversionGoalUpdateInput(ConversionGoalCreateInput):
    type = serializers.ChoiceField(choices=GoalType.choices)
    default_value = _money(min_value=Decimal("0"))
    attribution_window_days = serializers.IntegerField(
        min_value=MIN_ATTRIBUTION_DAYS, max_value=MAX_ATTRIBUTION_DAYS
    )
    is_active = serializers.BooleanField()


class ConversionGoalListQuery(PageQuery):
    campaign_id = IdFilterField()
    type = serializers.ChoiceField(choices=GoalType.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    advertiser_id = IdFilterField()


class ConversionGoalOutput(serializers.ModelSerializer):
    advertiser_id = serializers.IntegerField()
    campaign_id = serializers.IntegerField(allow_null=True)
    pixel_url = serializers.CharField(
        help_text="Conversion pixel; replace {click_uuid} with the adx_click value."
    )

    class Meta:
        model = ConversionGoal
        fields = [
            "id",
            "uuid",
            "advertiser_id",
            "campaign_id",
            "name",
            "type",
            "default_value",
            "attribution_window_days",
            "is_active",
            "pixel_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
