"""Input and output shapes of the audiences API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.campaigns.targeting import (
    DEVICES,
    CountryCodeField,
    LowercaseChoiceField,
)
from apps.common.api import StrictInputSerializer

from .models import (
    MAX_TCF_VENDOR_ID,
    MAX_TTL_DAYS,
    Audience,
    AudienceType,
    ConsentRecord,
    GdprApplies,
    Segment,
    SegmentUpload,
    UploadFormat,
    UploadMode,
    WebsiteConsentSettings,
    WithoutConsent,
)
from .rules import MAX_LOOKBACK_DAYS, MAX_RULES, RULE_EVENTS

CATEGORY_RE = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


def _ids() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )


# --- Segments -----------------------------------------------------------------------------


class SegmentCreateInput(StrictInputSerializer):
    advertiser_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Admins and partners: the advertiser."
    )
    name = serializers.CharField(min_length=1, max_length=200)
    ttl_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TTL_DAYS,
        required=False,
        help_text="Days a member stays after it was last added (default 90).",
    )


class SegmentUpdateInput(StrictInputSerializer):
    name = serializers.CharField(min_length=1, max_length=200)
    ttl_days = serializers.IntegerField(min_value=1, max_value=MAX_TTL_DAYS)


class SegmentListQuery(serializers.Serializer):
    advertiser_id = serializers.IntegerField(min_value=1, required=False)
    search = serializers.CharField(max_length=100, required=False)
    page = serializers.IntegerField(required=False)
    per_page = serializers.IntegerField(required=False)


def _pixel_url(request, segment: Segment) -> str:
    base = f"{request.scheme}://{request.get_host()}" if request is not None else ""
    return f"{base}/api/v1/track/segment/{segment.uuid}/pixel"


class SegmentOutput(serializers.ModelSerializer):
    advertiser_id = serializers.IntegerField()
    size = serializers.SerializerMethodField(help_text="Members now (exact).")
    size_is_estimate = serializers.SerializerMethodField()
    last_update = serializers.SerializerMethodField(
        help_text="When members last changed (added, imported or removed)."
    )
    pixel_url = serializers.SerializerMethodField(
        help_text="The retargeting pixel: an <img> of it on the advertiser's pages adds the "
        "visitor (with consent)."
    )
    audience_id = serializers.SerializerMethodField()

    class Meta:
        model = Segment
        fields = [
            "id",
            "uuid",
            "name",
            "advertiser_id",
            "ttl_days",
            "source",
            "size",
            "size_is_estimate",
            "last_update",
            "pixel_url",
            "audience_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _stats(self, obj: Segment):
        stats = self.context.get("stats")
        if stats is None:
            from .selectors import segment_stats_of

            stats = self.context["stats"] = segment_stats_of([obj])
        return stats.get(obj.pk)

    def get_size(self, obj: Segment) -> int | None:
        found = self._stats(obj)
        return found[0] if found else None

    def get_size_is_estimate(self, obj: Segment) -> bool:
        return False

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_update(self, obj: Segment):
        found = self._stats(obj)
        times = [obj.members_changed_at] if obj.members_changed_at else []
        if found and found[1] is not None:
            times.append(datetime.fromtimestamp(found[1] - obj.ttl_seconds, tz=UTC))
        latest = max(times) if times else None
        return latest.isoformat().replace("+00:00", "Z") if latest else None

    def get_pixel_url(self, obj: Segment) -> str:
        return _pixel_url(self.context.get("request"), obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_audience_id(self, obj: Segment):
        audience = getattr(obj, "audience", None)
        return audience.pk if audience is not None else None


# --- Audiences ----------------------------------------------------------------------------


class AudienceRuleInput(StrictInputSerializer):
    event = serializers.ChoiceField(
        choices=list(RULE_EVENTS),
        help_text="impression: was served an ad (visited a page of the website or category); "
        "click; conversion.",
    )
    websites = _ids()
    categories = serializers.ListField(
        child=serializers.RegexField(CATEGORY_RE, max_length=50), required=False, max_length=100
    )
    campaigns = _ids()
    countries = serializers.ListField(child=CountryCodeField(), required=False, max_length=300)
    devices = serializers.ListField(
        child=LowercaseChoiceField(choices=DEVICES), required=False, max_length=3
    )


class AudienceRulesInput(StrictInputSerializer):
    lookback_days = serializers.IntegerField(
        min_value=1, max_value=MAX_LOOKBACK_DAYS, required=False, default=30
    )
    rules = AudienceRuleInput(many=True, min_length=1, max_length=MAX_RULES)


class AudienceCreateInput(StrictInputSerializer):
    advertiser_id = serializers.IntegerField(min_value=1, required=False)
    name = serializers.CharField(min_length=1, max_length=200)
    type = serializers.ChoiceField(choices=AudienceType.choices)
    ttl_days = serializers.IntegerField(min_value=1, max_value=MAX_TTL_DAYS, required=False)
    rules = AudienceRulesInput(required=False)
    seed_segment_id = serializers.IntegerField(min_value=1, required=False)
    similarity_threshold = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        help_text="Lookalike: the least cosine similarity to the seed (0-1, default 0.5).",
    )

    def validate(self, attrs):
        kind = attrs.get("type")
        if kind == AudienceType.RULES and not attrs.get("rules"):
            raise serializers.ValidationError(
                {"rules": [serializers.ErrorDetail("Required for rule audiences.", "required")]}
            )
        if kind == AudienceType.LOOKALIKE and not attrs.get("seed_segment_id"):
            raise serializers.ValidationError(
                {
                    "seed_segment_id": [
                        serializers.ErrorDetail("Required for lookalike audiences.", "required")
                    ]
                }
            )
        return attrs


class AudienceUpdateInput(StrictInputSerializer):
    name = serializers.CharField(min_length=1, max_length=200)
    ttl_days = serializers.IntegerField(min_value=1, max_value=MAX_TTL_DAYS)
    rules = AudienceRulesInput()
    seed_segment_id = serializers.IntegerField(min_value=1)
    similarity_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=Decimal("0"), max_value=Decimal("1")
    )


class AudienceListQuery(serializers.Serializer):
    advertiser_id = serializers.IntegerField(min_value=1, required=False)
    type = serializers.ChoiceField(choices=AudienceType.choices, required=False)
    page = serializers.IntegerField(required=False)
    per_page = serializers.IntegerField(required=False)


class AudienceOutput(serializers.ModelSerializer):
    advertiser_id = serializers.IntegerField()
    segment_id = serializers.IntegerField()
    segment = serializers.SerializerMethodField()
    seed_segment_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Audience
        fields = [
            "id",
            "uuid",
            "name",
            "type",
            "advertiser_id",
            "segment_id",
            "segment",
            "rules",
            "seed_segment_id",
            "similarity_threshold",
            "status",
            "estimated_size",
            "built_at",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SegmentOutput)
    def get_segment(self, obj: Audience) -> dict:
        return SegmentOutput(obj.segment, context=self.context).data


class LookalikeEstimateInput(StrictInputSerializer):
    seed_segment_id = serializers.IntegerField(min_value=1)
    similarity_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=Decimal("0"), max_value=Decimal("1")
    )


class LookalikeEstimateOutput(serializers.Serializer):
    seed_size = serializers.IntegerField()
    seed_with_behaviour = serializers.IntegerField()
    candidates = serializers.IntegerField()
    sampled = serializers.IntegerField()
    sample_matches = serializers.IntegerField()
    estimated_size = serializers.IntegerField()
    similarity_threshold = serializers.FloatField()
    model = serializers.CharField()


# --- Uploads ------------------------------------------------------------------------------


class UploadQuery(serializers.Serializer):
    mode = serializers.ChoiceField(choices=UploadMode.choices, default=UploadMode.APPEND)
    format = serializers.ChoiceField(choices=UploadFormat.choices, required=False)


class UploadInput(serializers.Serializer):
    """Multipart form: ``file`` plus ``mode`` and ``format`` (or send the file as the body
    with ``Content-Type: text/csv`` or ``application/x-ndjson`` and ``?mode=``)."""

    file = serializers.FileField()
    mode = serializers.ChoiceField(choices=UploadMode.choices, default=UploadMode.APPEND)
    format = serializers.ChoiceField(choices=UploadFormat.choices, required=False)


class UploadOutput(serializers.ModelSerializer):
    audience_id = serializers.IntegerField()
    progress = serializers.FloatField(help_text="0-1, by bytes processed.")

    class Meta:
        model = SegmentUpload
        fields = [
            "id",
            "uuid",
            "audience_id",
            "mode",
            "format",
            "status",
            "progress",
            "bytes_total",
            "bytes_processed",
            "rows_accepted",
            "rows_rejected",
            "rows_added",
            "rows_removed",
            "errors",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


# --- Consent ------------------------------------------------------------------------------


class ConsentSettingsInput(StrictInputSerializer):
    gdpr_applies = serializers.ChoiceField(choices=GdprApplies.choices)
    vendor_id = serializers.IntegerField(min_value=1, max_value=MAX_TCF_VENDOR_ID, allow_null=True)
    without_consent = serializers.ChoiceField(choices=WithoutConsent.choices)


class ConsentSettingsOutput(serializers.ModelSerializer):
    website_id = serializers.IntegerField()
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="`null` while the website uses the defaults (never saved)."
    )

    class Meta:
        model = WebsiteConsentSettings
        fields = ["website_id", "gdpr_applies", "vendor_id", "without_consent", "updated_at"]
        read_only_fields = fields


class ConsentCreateInput(StrictInputSerializer):
    website_id = serializers.IntegerField(min_value=1)
    user_key = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{1,64}$",
        required=False,
        help_text="A stored user key (24 hex characters) or the visitor id it comes from.",
    )
    country = CountryCodeField(required=False)
    gdpr = serializers.ChoiceField(choices=[0, 1], required=False, allow_null=True)
    gdpr_consent = serializers.CharField(max_length=8192, required=False, allow_blank=True)
    us_privacy = serializers.CharField(max_length=16, required=False, allow_blank=True)
    gpp = serializers.CharField(max_length=8192, required=False, allow_blank=True)
    gpp_sid = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=9999), required=False, max_length=32
    )
    gpc = serializers.BooleanField(required=False, default=False)


class ConsentListQuery(serializers.Serializer):
    user_key = serializers.CharField(max_length=64, required=False)
    website_id = serializers.IntegerField(min_value=1, required=False)
    source = serializers.CharField(max_length=10, required=False)
    page = serializers.IntegerField(required=False)
    per_page = serializers.IntegerField(required=False)


class ConsentRecordOutput(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        exclude = ["id"]
        read_only_fields = [f.name for f in ConsentRecord._meta.fields if f.name != "id"]


class ConsentStatsRowOutput(serializers.Serializer):
    country = serializers.CharField(help_text="ISO code; XX: elsewhere or unknown.")
    requests = serializers.IntegerField(help_text="Requests where GDPR applied.")
    valid = serializers.IntegerField(help_text="… with valid consent for our vendor.")
    personalised = serializers.IntegerField()
    valid_share = serializers.FloatField(help_text="Percent.")
    personalised_share = serializers.FloatField(help_text="Percent.")


class PrivacyQuery(serializers.Serializer):
    id_type = serializers.ChoiceField(
        choices=["user_key", "visitor_id"],
        default="user_key",
        help_text="user_key: the stored key; visitor_id: the uid or cookie value it comes from.",
    )
