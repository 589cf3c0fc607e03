"""Rollups of the rollups: ``HourlyStat`` summed per hour for a whole scope.

A report over many ads (a publisher's month, an advertiser's overview, the platform's
financial report) would otherwise sum every (hour, ad, zone) row of its range: 720,000 rows
for 30 days of 1,000 ads. ``ScopeHourlyStat`` holds the same sums per hour for the platform,
each advertiser, publisher, campaign and zone, built from ``HourlyStat`` by
``apps.reporting.rollups`` for settled hours only; reports read it before the boundary kept in
``RollupState`` and ``HourlyStat`` itself after it (see that module).
"""

from __future__ import annotations

from django.db import models

METRIC_FIELDS = (
    "impressions",
    "clicks",
    "conversions",
    "conversion_value_micros",
    "viewable_impressions",
    "video_starts",
    "video_first_quartiles",
    "video_midpoints",
    "video_third_quartiles",
    "video_completes",
    "invalid_events",
    "spend_micros",
    "revenue_micros",
)


class Scope(models.TextChoices):
    PLATFORM = "platform", "Platform"
    ADVERTISER = "advertiser", "Advertiser"
    PUBLISHER = "publisher", "Publisher"
    CAMPAIGN = "campaign", "Campaign"
    ZONE = "zone", "Zone"


class ScopeHourlyStat(models.Model):
    """One UTC hour of one scope. ``scope_id`` is the advertiser, publisher, campaign or zone
    id (0 for the platform); ``advertiser_id``/``publisher_id`` name the owner where there is
    one (a campaign's advertiser, a zone's publisher), so owners can be scoped."""

    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_id = models.BigIntegerField()
    hour = models.DateTimeField()
    advertiser_id = models.BigIntegerField(null=True, blank=True)
    publisher_id = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    conversion_value_micros = models.BigIntegerField(default=0)
    viewable_impressions = models.BigIntegerField(default=0)
    video_starts = models.BigIntegerField(default=0)
    video_first_quartiles = models.BigIntegerField(default=0)
    video_midpoints = models.BigIntegerField(default=0)
    video_third_quartiles = models.BigIntegerField(default=0)
    video_completes = models.BigIntegerField(default=0)
    invalid_events = models.BigIntegerField(default=0)
    spend_micros = models.BigIntegerField(default=0)
    revenue_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "hour"], name="scope_hourly_stat_key"
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=Scope.values), name="scope_hourly_stat_scope_known"
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "hour"]),
            models.Index(fields=["scope", "advertiser_id", "hour"]),
            models.Index(fields=["scope", "publisher_id", "hour"]),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.scope} {self.scope_id}"


class RollupState(models.Model):
    """Single row: every hour before ``built_until`` is in ``ScopeHourlyStat``."""

    built_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollups built until {self.built_until}"
