"""Segments and the audiences that fill them, list uploads, the consent ledger, each
website's consent settings, and the log of end-user privacy requests.

Memberships themselves are not here: they live behind the hot store (``apps/delivery/store``),
where serving reads them in the same round trip as its counters.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.common.models import TimeStampedModel

DEFAULT_TTL_DAYS = 90
MAX_TTL_DAYS = 390
MAX_TCF_VENDOR_ID = 65535


class SegmentSource(models.TextChoices):
    PIXEL = "pixel", "Retargeting pixel"
    RULES = "rules", "Rules"
    LIST = "list", "Uploaded list"
    LOOKALIKE = "lookalike", "Lookalike"


class Segment(TimeStampedModel):
    """A named set of user keys that campaign targeting can name (``segments``)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    advertiser = models.ForeignKey(
        "campaigns.Advertiser", on_delete=models.CASCADE, related_name="segments"
    )
    name = models.CharField(max_length=200)
    ttl_days = models.PositiveIntegerField(
        default=DEFAULT_TTL_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TTL_DAYS)],
        help_text="A member leaves the segment this many days after it was last added.",
    )
    source = models.CharField(
        max_length=10, choices=SegmentSource.choices, default=SegmentSource.PIXEL
    )
    # Last change made in bulk (an upload, rules, a lookalike build, an erasure); pixel and
    # rule additions show in the members' expiries instead.
    members_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ttl_days__gte=1) & Q(ttl_days__lte=MAX_TTL_DAYS),
                name="segment_ttl_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ttl_seconds(self) -> int:
        return self.ttl_days * 86400


class AudienceType(models.TextChoices):
    RULES = "rules", "Rules"
    LIST = "list", "Uploaded list"
    LOOKALIKE = "lookalike", "Lookalike"


class AudienceStatus(models.TextChoices):
    READY = "ready", "Ready"
    BUILDING = "building", "Building"
    FAILED = "failed", "Failed"


class Audience(TimeStampedModel):
    """How a segment is filled: rules over drained events, uploaded lists, or a lookalike
    model over a seed segment. Each audience owns its segment (``segment``)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    advertiser = models.ForeignKey(
        "campaigns.Advertiser", on_delete=models.CASCADE, related_name="audiences"
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=AudienceType.choices)
    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="audience")
    # rules: {"lookback_days": N, "rules": [{"event", "websites", "categories", "campaigns",
    # "countries", "devices"}, ...]} (see rules.py)
    rules = models.JSONField(default=dict, blank=True)
    seed_segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similarity_threshold = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    status = models.CharField(
        max_length=10, choices=AudienceStatus.choices, default=AudienceStatus.READY
    )
    estimated_size = models.BigIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class UploadMode(models.TextChoices):
    APPEND = "append", "Append (add and remove rows)"
    REPLACE = "replace", "Replace (the segment becomes the added rows)"


class UploadFormat(models.TextChoices):
    CSV = "csv", "CSV"
    NDJSON = "ndjson", "NDJSON"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SegmentUpload(models.Model):
    """A list of hashed ids for a list audience, processed in the background from a file."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="uploads")
    mode = models.CharField(max_length=10, choices=UploadMode.choices)
    format = models.CharField(max_length=10, choices=UploadFormat.choices)
    status = models.CharField(
        max_length=12, choices=UploadStatus.choices, default=UploadStatus.QUEUED
    )
    path = models.CharField(max_length=500, editable=False)
    bytes_total = models.BigIntegerField(default=0)
    bytes_processed = models.BigIntegerField(default=0)
    rows_accepted = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    rows_added = models.BigIntegerField(default=0)
    rows_removed = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first bad rows and why
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"upload {self.uuid} ({self.status})"

    @property
    def progress(self) -> float:
        if self.status == UploadStatus.DONE:
            return 1.0
        return round(self.bytes_processed / self.bytes_total, 4) if self.bytes_total else 0.0


class GdprApplies(models.TextChoices):
    COUNTRY = "country", "By the visitor's country (EU, EEA, UK)"
    ALWAYS = "always", "Always"


class WithoutConsent(models.TextChoices):
    CONTEXTUAL = "contextual", "Contextual ads only"
    NONE = "none", "No ad"


class WebsiteConsentSettings(models.Model):
    """A website's CMP configuration: where GDPR applies, the TCF vendor id consent must
    name, and what to serve without consent. A website without a row has the defaults."""

    website = models.OneToOneField(
        "inventory.Website", on_delete=models.CASCADE, related_name="consent_settings"
    )
    gdpr_applies = models.CharField(
        max_length=10, choices=GdprApplies.choices, default=GdprApplies.COUNTRY
    )
    vendor_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TCF_VENDOR_ID)],
        help_text="The TCF vendor id whose consent is required; empty: the platform's "
        "TCF_VENDOR_ID, or (none set) the purposes the visitor consented to on this site.",
    )
    without_consent = models.CharField(
        max_length=12, choices=WithoutConsent.choices, default=WithoutConsent.CONTEXTUAL
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"consent settings of website {self.website_id}"


class ConsentSource(models.TextChoices):
    SERVE = "serve", "Serve request"
    TRACK = "track", "Tracking request"
    PIXEL = "pixel", "Retargeting pixel"
    API = "api", "Posted to the API"


class ConsentRecord(models.Model):
    """One consent signal as received and decoded (append-only: never updated)."""

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    recorded_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    user_key = models.CharField(max_length=64, blank=True, db_index=True)
    website_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    country = models.CharField(max_length=2, blank=True)
    gdpr_applies = models.BooleanField(null=True)
    gdpr_param = models.BooleanField(null=True)
    tcf_string = models.TextField(blank=True)
    tcf_valid = models.BooleanField(null=True)
    tcf_error = models.CharField(max_length=200, blank=True)
    tcf_policy_version = models.PositiveSmallIntegerField(null=True)
    cmp_id = models.PositiveIntegerField(null=True)
    cmp_version = models.PositiveIntegerField(null=True)
    purposes_consent = models.JSONField(default=list)
    purposes_legitimate_interest = models.JSONField(default=list)
    special_features = models.JSONField(default=list)
    vendor_id = models.PositiveIntegerField(null=True)
    vendor_consent = models.BooleanField(null=True)
    vendor_legitimate_interest = models.BooleanField(null=True)
    vendor_disclosed = models.BooleanField(null=True)
    us_privacy = models.CharField(max_length=8, blank=True)
    us_privacy_valid = models.BooleanField(null=True)
    us_privacy_opt_out = models.BooleanField(null=True)
    gpp = models.TextField(blank=True)
    gpp_sid = models.JSONField(default=list)
    gpp_section_ids = models.JSONField(default=list)
    gpp_valid = models.BooleanField(null=True)
    gpc = models.BooleanField(default=False)
    # What serving concluded: a user key may be used (cookie, frequency caps), segments and
    # personalised ads may be used, per-user measurement may be kept.
    user_key_allowed = models.BooleanField()
    personalised = models.BooleanField()
    measurement = models.BooleanField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["website_id", "recorded_at"])]

    def __str__(self) -> str:
        return f"consent {self.uuid} ({self.source})"


class PrivacyAction(models.TextChoices):
    EXPORT = "export", "Export"
    ERASE = "erase", "Erasure"


class PrivacyRequest(models.Model):
    """The log of end-user exports and erasures (an erasure is itself kept here)."""

    user_key = models.CharField(max_length=64, db_index=True)
    action = models.CharField(max_length=10, choices=PrivacyAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} of {self.user_key}"
