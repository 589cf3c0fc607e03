"""Advertisers, their campaigns and ads (creatives), and conversion goals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import F, Q

from apps.accounts.models import Role, validate_timezone
from apps.common.adformats import MAX_DIMENSION, VIDEO_MIME_TYPES, AdType
from apps.common.models import TimeStampedModel

from .slugs import (
    CLIENT_SLUG_MAX_LENGTH,
    client_slug_base,
    client_slug_unique,
    validate_client_slug,
)
from .targeting import CATEGORY_MAX_LENGTH, CATEGORY_PATTERN, targeting_default, validate_targeting

MIN_BID = Decimal("0.01")
MAX_FREQUENCY_IMPRESSIONS = 1_000_000
MAX_FREQUENCY_WINDOW_HOURS = 24 * 366
MAX_VIDEO_SECONDS = 600
MIN_WEIGHT, MAX_WEIGHT, DEFAULT_WEIGHT = 1, 1000, 100
MIN_ATTRIBUTION_DAYS, MAX_ATTRIBUTION_DAYS, DEFAULT_ATTRIBUTION_DAYS = 1, 90, 30
URL_MAX_LENGTH = 2000
HTML_MAX_LENGTH = 65_536
CURRENCY_PATTERN = r"^[A-Z]{3}$"
REFERENCE_ID_MAX_LENGTH = 200
# Where a campaign buys: our publishers' zones ("own", through the tag or an exchange that
# names a mapped site) and open-exchange inventory bought over OpenRTB ("rtb").
CHANNELS = ("own", "rtb")

validate_http_url = URLValidator(
    schemes=["http", "https"], message="Enter a valid http or https URL."
)
validate_category = RegexValidator(
    CATEGORY_PATTERN,
    "Use a lowercase slug such as 'news' (letters, digits, '-' and '_').",
    code="invalid_string",
)
validate_currency = RegexValidator(
    CURRENCY_PATTERN, "Use a three-letter ISO 4217 code such as 'USD'.", code="invalid_string"
)


def default_currency() -> str:
    """The platform's ``currency`` setting when the advertiser is made."""
    from apps.accounts.platform_settings import setting_get

    return str(setting_get("currency"))


def channels_default() -> list[str]:
    return ["own"]


def validate_channels(value) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(item not in CHANNELS for item in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            f"A non-empty list of distinct channels among {', '.join(CHANNELS)}.",
            code="invalid_choice",
        )


def _money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# --- Advertisers --------------------------------------------------------------------------


class Advertiser(TimeStampedModel):
    """One per advertiser-role user; partner users in ``managers`` may act on its behalf."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="advertiser",
        limit_choices_to={"role": Role.ADVERTISER},
    )
    company = models.CharField(max_length=200)
    client_slug = models.CharField(
        max_length=CLIENT_SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[validate_client_slug],
        help_text="URL-safe name in partner API addresses; made from the company name.",
    )
    currency = models.CharField(
        max_length=3, default=default_currency, validators=[validate_currency]
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Campaign days and hours are read in this IANA time zone.",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_advertisers",
        limit_choices_to={"role": Role.PARTNER},
        help_text="Partner users who may act on behalf of this advertiser.",
    )
    # Made by the signup hook: an admin's later "create" for this user adopts it once (201)
    # instead of answering 409, so "create user, then create advertiser" works.
    auto_created = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.company or f"Advertiser {self.pk}"

    def save(self, *args, **kwargs):
        if not self.client_slug:
            self.client_slug = client_slug_unique(
                client_slug_base(self.company or self.user.email.split("@")[0]),
                lambda slug: (
                    Advertiser.objects.filter(client_slug=slug).exclude(pk=self.pk).exists()
                ),
            )
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "client_slug"}
        super().save(*args, **kwargs)


# --- Campaigns ----------------------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


# The only status changes a campaign may make.
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ARCHIVED}),
    CampaignStatus.ACTIVE: frozenset(
        {CampaignStatus.PAUSED, CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED}
    ),
    CampaignStatus.PAUSED: frozenset(
        {CampaignStatus.ACTIVE, CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED}
    ),
    CampaignStatus.COMPLETED: frozenset({CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset(),
}
CAMPAIGN_CREATE_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.ACTIVE)


class PricingModel(models.TextChoices):
    CPM = "cpm", "CPM"
    CPC = "cpc", "CPC"
    CPA = "cpa", "CPA"


class Pacing(models.TextChoices):
    EVEN = "even", "Even"
    ASAP = "asap", "As soon as possible"


class Rotation(models.TextChoices):
    WEIGHTED = "weighted", "By weight"
    OPTIMIZED = "optimized", "Optimized for clicks"


class Priority(models.TextChoices):
    SPONSORSHIP = "sponsorship", "Sponsorship"
    STANDARD = "standard", "Standard"
    HOUSE = "house", "House"


class Campaign(TimeStampedModel):
    advertiser = models.ForeignKey(Advertiser, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200, validators=[MinLengthValidator(3)])
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, db_index=True
    )
    pricing_model = models.CharField(
        max_length=3, choices=PricingModel.choices, default=PricingModel.CPM
    )
    bid_amount = _money_field(
        validators=[MinValueValidator(MIN_BID)],
        help_text="CPM: per thousand impressions; CPC: per click; CPA: per conversion.",
    )
    daily_budget = _money_field(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    total_budget = _money_field(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    pacing = models.CharField(max_length=10, choices=Pacing.choices, default=Pacing.EVEN)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.STANDARD)
    # How the campaign's ads share its impressions: by their weights, or learning which ad
    # gets the most clicks (Thompson sampling on each ad's click-through rate).
    rotation = models.CharField(max_length=10, choices=Rotation.choices, default=Rotation.WEIGHTED)
    frequency_cap_impressions = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FREQUENCY_IMPRESSIONS)],
        help_text="At most this many impressions per user per window.",
    )
    frequency_cap_window_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FREQUENCY_WINDOW_HOURS)],
    )
    targeting = models.JSONField(
        default=targeting_default, blank=True, validators=[validate_targeting]
    )
    channels = models.JSONField(
        default=channels_default,
        blank=True,  # forms that leave it out keep the default
        validators=[validate_channels],
        help_text='Where the campaign buys: "own" (our publishers\' zones) and/or "rtb" '
        "(open-exchange inventory over OpenRTB).",
    )
    category = models.CharField(
        max_length=CATEGORY_MAX_LENGTH,
        blank=True,
        db_index=True,
        validators=[validate_category],
        help_text="The campaign's own category; publishers may block it.",
    )
    source = models.JSONField(
        null=True, blank=True, help_text="The creating system's object, as it was sent."
    )
    # ``source.reference_id`` ("" when there is none), unique per advertiser among live campaigns.
    source_reference_id = models.CharField(
        max_length=REFERENCE_ID_MAX_LENGTH, blank=True, default="", editable=False
    )
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["advertiser", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(bid_amount__gt=0), name="campaign_bid_positive"),
            models.CheckConstraint(
                condition=Q(daily_budget__isnull=True) | Q(daily_budget__gte=0),
                name="campaign_daily_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_budget__isnull=True) | Q(total_budget__gte=0),
                name="campaign_total_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="campaign_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(frequency_cap_impressions__isnull=True)
                    & Q(frequency_cap_window_hours__isnull=True)
                )
                # isnull=False too: in SQL "NULL >= 1" is unknown, which a CHECK lets pass.
                | (
                    Q(frequency_cap_impressions__isnull=False)
                    & Q(frequency_cap_window_hours__isnull=False)
                    & Q(frequency_cap_impressions__gte=1)
                    & Q(frequency_cap_window_hours__gte=1)
                ),
                name="campaign_frequency_cap_pair",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values), name="campaign_status_known"
            ),
            models.CheckConstraint(
                condition=Q(pricing_model__in=PricingModel.values),
                name="campaign_pricing_model_known",
            ),
            models.CheckConstraint(
                condition=Q(pacing__in=Pacing.values), name="campaign_pacing_known"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="campaign_priority_known"
            ),
            models.UniqueConstraint(
                fields=["advertiser", "source_reference_id"],
                condition=~Q(source_reference_id="") & Q(deleted_at__isnull=True),
                name="campaign_source_reference_unique",
                violation_error_message="A campaign with this source reference_id exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = ValidationError(
                "The end date must not be before the start date.", code="end_before_start"
            )
        impressions, window = self.frequency_cap_impressions, self.frequency_cap_window_hours
        if (impressions is None) != (window is None):
            missing = (
                "frequency_cap_window_hours" if window is None else "frequency_cap_impressions"
            )
            errors[missing] = ValidationError(
                "A frequency cap needs both impressions and window_hours.", code="required"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def frequency_cap(self) -> dict[str, int] | None:
        if self.frequency_cap_impressions is None or self.frequency_cap_window_hours is None:
            return None
        return {
            "impressions": self.frequency_cap_impressions,
            "window_hours": self.frequency_cap_window_hours,
        }


# --- Ads ----------------------------------------------------------------------------------


class AdStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# What each ad type must carry (the rest is optional).
AD_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    AdType.BANNER: ("image_url", "width", "height"),
    AdType.TEXT: ("headline",),
    AdType.NATIVE: ("headline", "body", "image_url"),
    AdType.HTML: ("html", "width", "height"),
    AdType.VIDEO: ("video_url", "video_mime", "duration_seconds"),
}
# Fields that make up the creative: changing one sends an approved ad back to review.
CREATIVE_FIELDS = (
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
)


def ad_requirement_errors(ad_type: str, values: Mapping[str, Any]) -> dict[str, str]:
    """Which fields ``values`` lacks for an ad of ``ad_type`` (field → message)."""
    errors = {}
    for name in AD_REQUIRED_FIELDS.get(ad_type, ()):
        value = values.get(name)
        if value is None or value == "":
            errors[name] = f"Required for {ad_type} ads."
    width, height = values.get("width"), values.get("height")
    if not errors and (width is None) != (height is None):
        errors["height" if height is None else "width"] = "Give both width and height, or neither."
    return errors


_dimension_validators = [MinValueValidator(1), MaxValueValidator(MAX_DIMENSION)]


class Ad(TimeStampedModel):
    """A creative of a campaign.

    ``html`` ads are third-party markup: they are only ever served inside a sandboxed
    ``<iframe>`` (no same-origin access to the publisher's page), never inlined.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ads")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=AdType.choices, db_index=True)
    headline = models.CharField(max_length=150, blank=True, help_text="Title for native ads.")
    body = models.TextField(max_length=1000, blank=True)
    destination_url = models.URLField(max_length=URL_MAX_LENGTH, validators=[validate_http_url])
    image_url = models.URLField(
        max_length=URL_MAX_LENGTH, blank=True, validators=[validate_http_url]
    )
    html = models.TextField(max_length=HTML_MAX_LENGTH, blank=True)
    video_url = models.URLField(
        max_length=URL_MAX_LENGTH, blank=True, validators=[validate_http_url]
    )
    video_mime = models.CharField(
        max_length=50, blank=True, choices=[(m, m) for m in VIDEO_MIME_TYPES]
    )
    duration_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VIDEO_SECONDS)],
    )
    width = models.PositiveIntegerField(null=True, blank=True, validators=_dimension_validators)
    height = models.PositiveIntegerField(null=True, blank=True, validators=_dimension_validators)
    call_to_action = models.CharField(max_length=30, blank=True)
    sponsor = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=AdStatus.choices, default=AdStatus.ACTIVE, db_index=True
    )
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    review_note = models.CharField(max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    weight = models.PositiveIntegerField(
        default=DEFAULT_WEIGHT,
        validators=[MinValueValidator(MIN_WEIGHT), MaxValueValidator(MAX_WEIGHT)],
        help_text="Relative share among equally ranked ads.",
    )
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_WEIGHT) & Q(weight__lte=MAX_WEIGHT),
                name="ad_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(width__isnull=True) | (Q(width__gte=1) & Q(width__lte=MAX_DIMENSION)),
                name="ad_width_range",
            ),
            models.CheckConstraint(
                condition=Q(height__isnull=True)
                | (Q(height__gte=1) & Q(height__lte=MAX_DIMENSION)),
                name="ad_height_range",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True)
                | (Q(duration_seconds__gte=1) & Q(duration_seconds__lte=MAX_VIDEO_SECONDS)),
                name="ad_duration_range",
            ),
            models.CheckConstraint(condition=Q(type__in=AdType.values), name="ad_type_known"),
            models.CheckConstraint(condition=Q(status__in=AdStatus.values), name="ad_status_known"),
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values), name="ad_review_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"

    def clean(self) -> None:
        super().clean()
        values = {name: getattr(self, name) for name in CREATIVE_FIELDS}
        errors = ad_requirement_errors(self.type, values)
        if errors:
            raise ValidationError(
                {name: ValidationError(msg, code="required") for name, msg in errors.items()}
            )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


# --- Conversion goals ---------------------------------------------------------------------


class GoalType(models.TextChoices):
    SALE = "sale", "Sale"
    LEAD = "lead", "Lead"
    SIGNUP = "signup", "Signup"


class ConversionGoal(TimeStampedModel):
    """What an advertiser counts as a conversion; reported by click through its pixel."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    advertiser = models.ForeignKey(
        Advertiser, on_delete=models.CASCADE, related_name="conversion_goals"
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversion_goals",
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=GoalType.choices, default=GoalType.SALE)
    default_value = _money_field(
        default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    attribution_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ATTRIBUTION_DAYS,
        validators=[
            MinValueValidator(MIN_ATTRIBUTION_DAYS),
            MaxValueValidator(MAX_ATTRIBUTION_DAYS),
        ],
    )
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_value__gte=0), name="goal_default_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(attribution_window_days__gte=MIN_ATTRIBUTION_DAYS)
                & Q(attribution_window_days__lte=MAX_ATTRIBUTION_DAYS),
                name="goal_attribution_window_range",
            ),
            models.CheckConstraint(condition=Q(type__in=GoalType.values), name="goal_type_known"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.campaign_id is not None and self.campaign.advertiser_id != self.advertiser_id:
            raise ValidationError(
                {"campaign": ValidationError("Not a campaign of this advertiser.", code="invalid")}
            )

    @property
    def pixel_url(self) -> str:
        return (
            f"{settings.SITE_URL}/api/v1/track/conversion/pixel"
            f"?goal={self.uuid}&click={{click_uuid}}"
        )
