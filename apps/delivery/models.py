"""Raw tracking events, the hourly rollups reports read, and the embedded event buffer.

Every raw event carries a unique ``uuid`` that is derived from what it counts (the impression
uuid for an impression, the impression uuid + "click" for its click, …), so ingesting the same
event twice is impossible: the drain skips uuids already stored, and the unique index stops a
concurrent drain. Ids of campaigns, ads, zones are kept as plain columns without foreign-key
constraints: history must survive the deletion of what it describes.
"""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    IMPRESSION = "impression", "Impression"
    CLICK = "click", "Click"
    CONVERSION = "conversion", "Conversion"
    VIEWABLE = "viewable", "Viewable impression"
    VIDEO = "video", "Video event"


class VideoEvent(models.TextChoices):
    START = "start", "Start"
    FIRST_QUARTILE = "firstQuartile", "First quartile"
    MIDPOINT = "midpoint", "Midpoint"
    THIRD_QUARTILE = "thirdQuartile", "Third quartile"
    COMPLETE = "complete", "Complete"


class _Placement(models.Model):
    """Who an event concerns: the ad and campaign bought, the zone and publisher sold."""

    uuid = models.UUIDField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    impression_uuid = models.UUIDField(db_index=True)
    zone_id = models.BigIntegerField()
    ad_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField(db_index=True)
    advertiser_id = models.BigIntegerField()
    publisher_id = models.BigIntegerField()
    # Where and on what the ad was served: ISO country, ISO 3166-2 region, device class.
    country = models.CharField(max_length=2, blank=True, default="")
    region = models.CharField(max_length=6, blank=True, default="")
    device = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.uuid}"


class _Charged(_Placement):
    # Money in micros (millionths of the currency): a CPM impression costs bid / 1000.
    cost_micros = models.BigIntegerField(default=0)
    revenue_micros = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ImpressionEvent(_Charged):
    user_key = models.CharField(max_length=32, blank=True)
    # "" for our own tag; "rtb" when billed on an OpenRTB billing notice.
    channel = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["ad_id", "occurred_at"])]


class ClickEvent(_Charged):
    class Meta:
        indexes = [models.Index(fields=["ad_id", "occurred_at"])]


class ConversionEvent(_Charged):
    click_uuid = models.UUIDField(db_index=True)
    clicked_at = models.DateTimeField()
    goal_id = models.BigIntegerField(null=True)
    goal_type = models.CharField(max_length=10)
    value_micros = models.BigIntegerField(default=0)


class EngagementEvent(_Placement):
    """Viewability and video quartiles: counted once per impression and kind."""

    kind = models.CharField(max_length=20)  # "viewable" or a VideoEvent value


class InvalidEvent(models.Model):
    """Refused traffic, kept with the reason so it is reported beside valid traffic."""

    uuid = models.UUIDField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, db_index=True)
    impression_uuid = models.UUIDField(null=True, blank=True)
    zone_id = models.BigIntegerField(null=True, blank=True)
    ad_id = models.BigIntegerField(null=True, blank=True)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    advertiser_id = models.BigIntegerField(null=True, blank=True)
    publisher_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)

    def __str__(self) -> str:
        return f"invalid {self.kind}: {self.reason}"


class HourlyStat(models.Model):
    """One row per hour (UTC), ad and zone: what reports and billing read."""

    hour = models.DateTimeField()
    ad_id = models.BigIntegerField()
    zone_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    advertiser_id = models.BigIntegerField()
    publisher_id = models.BigIntegerField()
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
            models.UniqueConstraint(fields=["hour", "ad_id", "zone_id"], name="hourly_stat_key")
        ]
        indexes = [
            models.Index(fields=["campaign_id", "hour"]),
            models.Index(fields=["publisher_id", "hour"]),
            models.Index(fields=["advertiser_id", "hour"]),
            models.Index(fields=["zone_id", "hour"]),
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h ad {self.ad_id} zone {self.zone_id}"


class GeoHourlyStat(models.Model):
    """Delivery by where and on what it was seen: one row per hour (UTC), ad, zone, country,
    region and device class. Feeds the geo and device reports."""

    hour = models.DateTimeField()
    ad_id = models.BigIntegerField()
    zone_id = models.BigIntegerField()
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=6, blank=True)
    device = models.CharField(max_length=10, blank=True)
    campaign_id = models.BigIntegerField()
    advertiser_id = models.BigIntegerField()
    publisher_id = models.BigIntegerField()
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    conversions = models.BigIntegerField(default=0)
    conversion_value_micros = models.BigIntegerField(default=0)
    spend_micros = models.BigIntegerField(default=0)
    revenue_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "ad_id", "zone_id", "country", "region", "device"],
                name="geo_hourly_stat_key",
            )
        ]
        indexes = [
            models.Index(fields=["campaign_id", "hour"]),
            models.Index(fields=["publisher_id", "hour"]),
            models.Index(fields=["advertiser_id", "hour"]),
        ]

    def __str__(self) -> str:
        where = self.region or self.country or "unknown"
        return f"{self.hour:%Y-%m-%d %H}h ad {self.ad_id} zone {self.zone_id} {where} {self.device}"


class BufferedEvent(models.Model):
    """The embedded default's durable event buffer (Redis streams replace it in production)."""

    payload = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"buffered event {self.pk}"


class ZoneHourlyStat(models.Model):
    """Ad requests and fills per zone and hour (UTC), for fill rate and the floor report.

    Counted in the cache on the serve path and copied here by the drain (absolute values,
    so copying again changes nothing).
    """

    hour = models.DateTimeField()
    zone_id = models.BigIntegerField()
    publisher_id = models.BigIntegerField()
    requests = models.BigIntegerField(default=0)
    fills = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "zone_id"], name="zone_hourly_stat_key")
        ]
        indexes = [models.Index(fields=["publisher_id", "hour"])]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h zone {self.zone_id}"


class InventoryChange(models.Model):
    """The embedded default's inventory change log (Redis keeps it in production).

    Each row names what changed in serving's inputs; its id is the inventory version after
    the change, and every server process applies the rows after its own version to its
    index. Rows are written one at a time (a table lock on PostgreSQL), so ids follow
    commit order.
    """

    id = models.BigAutoField(primary_key=True)
    change = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"inventory change {self.pk}"


class IndexSnapshot(models.Model):
    """The last compiled inventory, so a starting process loads it instead of the ORM."""

    version = models.BigIntegerField()
    data = models.BinaryField()
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"index snapshot at version {self.version}"


class SegmentMember(models.Model):
    """The embedded default's segment memberships (Redis keeps them in production): one row
    per (user key, segment), expiring at ``expires_at`` (Unix time). Serving reads a user's
    rows by the primary key; sizes and imports read a segment's by the second index."""

    pk = models.CompositePrimaryKey("user_key", "segment_id")
    user_key = models.CharField(max_length=64)
    segment_id = models.BigIntegerField()
    expires_at = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["segment_id", "expires_at"], name="segment_member_by_seg")]

    def __str__(self) -> str:
        return f"{self.user_key} in segment {self.segment_id}"
