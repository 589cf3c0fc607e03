"""The exchange's configuration (exchange rates, site/app mappings, demand partners) and its
statistics (bids, wins and clearing prices per campaign; requests, bids, timeouts, errors and
latency per demand partner)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from apps.common.models import TimeStampedModel

validate_currency = RegexValidator(
    r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as 'EUR'.", code="invalid_string"
)
RATE_PLACES = 8
# Latency histogram of partner calls: upper bounds in milliseconds (the last bucket is open).
LATENCY_BUCKETS_MS = (1, 2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000)


class ExchangeRate(models.Model):
    """How many units of ``currency`` one unit of the platform currency buys."""

    currency = models.CharField(max_length=3, unique=True, validators=[validate_currency])
    rate = models.DecimalField(
        max_digits=20,
        decimal_places=RATE_PLACES,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text="Units of this currency per one unit of the platform currency.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class SupplySource(models.TextChoices):
    SITE = "site", "Site"
    APP = "app", "App"
    DOOH = "dooh", "DOOH"


class SupplyMapping(TimeStampedModel):
    """An exchange's site/app id (and optionally the imp's ``tagid``) that is one of our zones:
    such imps are bought on the zone, under its floor and its publisher's rules."""

    source = models.CharField(max_length=4, choices=SupplySource.choices, default="site")
    external_id = models.CharField(
        max_length=200, help_text="The exchange's site.id, app.id or dooh.id."
    )
    tagid = models.CharField(
        max_length=200, blank=True, help_text="The imp's tagid; empty matches any imp."
    )
    zone = models.ForeignKey(
        "inventory.Zone", on_delete=models.CASCADE, related_name="supply_mappings"
    )

    class Meta:
        ordering = ["source", "external_id", "tagid"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id", "tagid", "zone"], name="supply_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        tag = f" / {self.tagid}" if self.tagid else ""
        return f"{self.source} {self.external_id}{tag} → zone {self.zone_id}"


class DemandPartner(TimeStampedModel):
    """An outside bidder our publishers' zones are offered to (sell side)."""

    name = models.CharField(max_length=100, unique=True)
    endpoint_url = models.URLField(max_length=500, help_text="Its OpenRTB 2.6 bid endpoint.")
    seat = models.CharField(
        max_length=64, blank=True, help_text="Its seat in our auctions (default: its name)."
    )
    timeout_ms = models.PositiveIntegerField(
        default=80, validators=[MinValueValidator(5), MaxValueValidator(5000)]
    )
    qps_cap = models.PositiveIntegerField(
        default=100,
        validators=[MinValueValidator(1)],
        help_text="At most this many bid requests a second, counted over every serving "
        "process in the hot store.",
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    enabled = models.BooleanField(default=True)
    zones = models.ManyToManyField("inventory.Zone", blank=True, related_name="demand_partners")
    websites = models.ManyToManyField(
        "inventory.Website", blank=True, related_name="demand_partners"
    )
    all_zones = models.BooleanField(
        default=False, help_text="Offer every zone (ignore the zone and website lists)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        from .partners import partner_url_check

        try:
            partner_url_check(self.endpoint_url)
        except ValueError as exc:
            raise ValidationError({"endpoint_url": str(exc)}) from None


class RtbHourlyStat(models.Model):
    """Our bids per hour (UTC), campaign and zone (0 = open exchange): how many, how many won
    and at what clearing prices, how many were billed. Micros are CPM, platform currency."""

    hour = models.DateTimeField()
    campaign_id = models.BigIntegerField()
    zone_id = models.BigIntegerField()
    advertiser_id = models.BigIntegerField()
    bids = models.BigIntegerField(default=0)
    bid_micros = models.BigIntegerField(default=0)
    wins = models.BigIntegerField(default=0)
    win_micros = models.BigIntegerField(default=0)
    losses = models.BigIntegerField(default=0)
    billed = models.BigIntegerField(default=0)
    billed_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "campaign_id", "zone_id"], name="rtb_hourly_stat_key"
            )
        ]
        indexes = [models.Index(fields=["campaign_id", "hour"])]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h campaign {self.campaign_id} zone {self.zone_id}"


class PartnerHourlyStat(models.Model):
    """What each demand partner did per hour (UTC); every non-bid is counted by reason."""

    hour = models.DateTimeField()
    partner = models.ForeignKey(DemandPartner, on_delete=models.CASCADE, related_name="stats")
    requests = models.BigIntegerField(default=0)
    bids = models.BigIntegerField(default=0)
    wins = models.BigIntegerField(default=0)
    # Impressions of its winning bids on our own tag's ad requests (its burl was called).
    impressions = models.BigIntegerField(default=0)
    timeouts = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)
    no_bids = models.BigIntegerField(default=0)
    bid_micros = models.BigIntegerField(default=0)
    win_micros = models.BigIntegerField(default=0)
    # Counts per LATENCY_BUCKETS_MS bucket (plus one for slower answers).
    latency = models.JSONField(default=list)
    # Non-bids by reason code (no_bid, timeout, http_500, garbage, redirect, circuit_open, …).
    reasons = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "partner"], name="partner_hourly_stat_key")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.partner_id}"
