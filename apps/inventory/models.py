"""Publishers (the publisher-role user's profile), their websites and the zones ads fill."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q

from apps.accounts.models import Role
from apps.common.adformats import MAX_DIMENSION, AdType, size_required
from apps.common.models import TimeStampedModel

REVENUE_SHARE_PLACES = Decimal("0.0001")
PAYOUT_DETAILS_MAX_BYTES = 2048
CATEGORY_MAX_LENGTH = 50
CATEGORY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"

validate_http_url = URLValidator(schemes=["http", "https"])
validate_category = RegexValidator(
    CATEGORY_PATTERN,
    "Use a lowercase slug such as 'news' (letters, digits, '-' and '_').",
    code="invalid_string",
)


class PublisherStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PAYPAL = "paypal", "PayPal"
    NONE = "none", "None"


class ZoneStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


def default_revenue_share() -> Decimal:
    """The platform's ``default_revenue_share`` setting at the time the publisher is made."""
    from apps.accounts.platform_settings import setting_get

    return Decimal(str(setting_get("default_revenue_share"))).quantize(REVENUE_SHARE_PLACES)


def validate_payout_details(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Expected an object.", code="invalid_type")
    if len(json.dumps(value)) > PAYOUT_DETAILS_MAX_BYTES:
        raise ValidationError(f"At most {PAYOUT_DETAILS_MAX_BYTES} bytes of JSON.", code="too_big")


def validate_category_list(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Expected a list of categories.", code="invalid_type")
    for item in value:
        if not isinstance(item, str) or len(item) > CATEGORY_MAX_LENGTH:
            raise ValidationError("Each category is a lowercase slug.", code="invalid_string")
        validate_category(item)


def validate_id_list(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value
    ):
        raise ValidationError("Expected a list of positive integer ids.", code="invalid_type")


class Publisher(TimeStampedModel):
    """One per publisher-role user; sells space once an admin approves it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="publisher",
        limit_choices_to={"role": Role.PUBLISHER},
    )
    name = models.CharField(max_length=200)
    website_url = models.URLField(max_length=500, blank=True, validators=[validate_http_url])
    description = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=20,
        choices=PublisherStatus.choices,
        default=PublisherStatus.PENDING,
        db_index=True,
    )
    revenue_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=default_revenue_share,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="The publisher's share of what advertisers pay, 0 to 1.",
    )
    payout_method = models.CharField(
        max_length=20, choices=PayoutMethod.choices, default=PayoutMethod.NONE
    )
    payout_details = models.JSONField(
        default=dict, blank=True, validators=[validate_payout_details]
    )
    blocked_categories = models.JSONField(
        default=list, blank=True, validators=[validate_category_list]
    )
    blocked_advertiser_ids = models.JSONField(
        default=list, blank=True, validators=[validate_id_list]
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Made by the signup hook: an admin's later "create" for this user adopts it (201)
    # instead of answering 409, so the seed's "create user, then create publisher" works.
    auto_created = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue_share__gte=0) & Q(revenue_share__lte=1),
                name="publisher_revenue_share_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublisherStatus.values), name="publisher_status_known"
            ),
            models.CheckConstraint(
                condition=Q(payout_method__in=PayoutMethod.values),
                name="publisher_payout_method_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Website(TimeStampedModel):
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="websites")
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500, validators=[validate_http_url])
    category = models.CharField(
        max_length=CATEGORY_MAX_LENGTH, blank=True, db_index=True, validators=[validate_category]
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def zone_size_errors(zone_type: str, width: int | None, height: int | None) -> dict[str, str]:
    """Size rules by zone type: banner and html need both; others take both or neither."""
    errors = {}
    if size_required(zone_type):
        for name, value in (("width", width), ("height", height)):
            if value is None:
                errors[name] = f"Required for {zone_type} zones."
    elif (width is None) != (height is None):
        missing = "height" if height is None else "width"
        errors[missing] = "Give both width and height, or neither."
    return errors


_size_validators = [MinValueValidator(1), MaxValueValidator(MAX_DIMENSION)]


class Zone(TimeStampedModel):
    """A slot on a website; ``uuid`` is what the ad tag and the serve endpoint use."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=AdType.choices, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True, validators=_size_validators)
    height = models.PositiveIntegerField(null=True, blank=True, validators=_size_validators)
    floor_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Minimum CPM an ad must bid to serve here.",
    )
    status = models.CharField(
        max_length=20, choices=ZoneStatus.choices, default=ZoneStatus.ACTIVE, db_index=True
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(floor_price__gte=0), name="zone_floor_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(width__isnull=True) | (Q(width__gte=1) & Q(width__lte=MAX_DIMENSION)),
                name="zone_width_positive",
            ),
            models.CheckConstraint(
                condition=Q(height__isnull=True)
                | (Q(height__gte=1) & Q(height__lte=MAX_DIMENSION)),
                name="zone_height_positive",
            ),
            models.CheckConstraint(condition=Q(type__in=AdType.values), name="zone_type_known"),
            models.CheckConstraint(
                condition=Q(status__in=ZoneStatus.values), name="zone_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uuid})"

    def clean(self) -> None:
        super().clean()
        errors = zone_size_errors(self.type, self.width, self.height)
        if errors:
            raise ValidationError(
                {name: ValidationError(msg, code="required") for name, msg in errors.items()}
            )

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}" if self.width and self.height else ""
