"""Segment and audience writes (the API and the dashboards call these)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.campaigns.models import Advertiser, Campaign
from apps.common.errors import BusinessRuleError, FieldValidationError

from .models import (
    DEFAULT_TTL_DAYS,
    Audience,
    AudienceStatus,
    AudienceType,
    Segment,
    SegmentSource,
    WebsiteConsentSettings,
)
from .rules import DEFAULT_LOOKBACK_DAYS

SOURCE_OF_TYPE = {
    AudienceType.RULES: SegmentSource.RULES,
    AudienceType.LIST: SegmentSource.LIST,
    AudienceType.LOOKALIKE: SegmentSource.LOOKALIKE,
}


def _store():
    from apps.delivery.store import hot_store

    return hot_store()


@transaction.atomic
def segment_create(
    *,
    advertiser: Advertiser,
    name: str,
    ttl_days: int = DEFAULT_TTL_DAYS,
    source: str = SegmentSource.PIXEL,
) -> Segment:
    segment = Segment(advertiser=advertiser, name=name, ttl_days=ttl_days, source=source)
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, **fields: Any) -> Segment:
    for name in ("name", "ttl_days"):
        if name in fields:
            setattr(segment, name, fields[name])
    segment.full_clean()
    segment.save()
    return segment


def _targeting_campaigns(segment: Segment) -> list[str]:
    names = []
    for campaign in Campaign.objects.filter(
        advertiser_id=segment.advertiser_id, deleted_at__isnull=True
    ).only("name", "targeting"):
        lists = (campaign.targeting or {}).get("segments") or {}
        if segment.pk in (lists.get("include") or []) or segment.pk in (lists.get("exclude") or []):
            names.append(campaign.name)
    return names


def segment_delete(*, segment: Segment) -> None:
    """Delete a segment no campaign targets, and its memberships."""
    used = _targeting_campaigns(segment)
    if used:
        raise BusinessRuleError(
            f"Campaigns target this segment ({', '.join(used[:3])}); remove it from their "
            "targeting first.",
            code="segment_in_use",
        )
    if hasattr(segment, "audience"):
        raise BusinessRuleError(
            "This segment belongs to an audience; delete the audience.", code="segment_in_use"
        )
    segment_id = segment.pk
    segment.delete()
    transaction.on_commit(lambda: _store().segment_clear(segment_id))


def segment_members_changed(segment: Segment) -> None:
    Segment.objects.filter(pk=segment.pk).update(members_changed_at=timezone.now())


# --- Audiences ----------------------------------------------------------------------------


def _check_rules(advertiser: Advertiser, rules: dict) -> dict:
    """Campaigns named by rules must be the advertiser's own (422 otherwise)."""
    named = {c for rule in rules.get("rules", ()) for c in rule.get("campaigns", ())}
    if named:
        own = set(
            Campaign.objects.filter(advertiser=advertiser, id__in=named).values_list(
                "id", flat=True
            )
        )
        for position, rule in enumerate(rules.get("rules", ())):
            for campaign_id in rule.get("campaigns", ()):
                if campaign_id not in own:
                    raise FieldValidationError(
                        f"rules.rules.{position}.campaigns",
                        f"Campaign {campaign_id} is not one of this advertiser's campaigns.",
                        code="unknown_campaign",
                    )
    rules.setdefault("lookback_days", DEFAULT_LOOKBACK_DAYS)
    return rules


def _check_seed(advertiser: Advertiser, seed: Segment | None) -> None:
    if seed is None or seed.advertiser_id != advertiser.pk:
        raise FieldValidationError(
            "seed_segment_id",
            "The seed must be one of this advertiser's segments.",
            code="unknown_segment",
        )


@transaction.atomic
def audience_create(
    *,
    advertiser: Advertiser,
    name: str,
    type: str,
    ttl_days: int | None = None,
    rules: dict | None = None,
    seed_segment: Segment | None = None,
    similarity_threshold: Decimal | None = None,
) -> Audience:
    """An audience and the segment it fills; a lookalike starts building at once."""
    if type == AudienceType.RULES:
        rules = _check_rules(advertiser, dict(rules or {}))
        ttl_days = ttl_days or rules["lookback_days"]
    if type == AudienceType.LOOKALIKE:
        _check_seed(advertiser, seed_segment)
        similarity_threshold = (
            similarity_threshold if similarity_threshold is not None else Decimal("0.5")
        )
    segment = segment_create(
        advertiser=advertiser,
        name=name,
        ttl_days=ttl_days or DEFAULT_TTL_DAYS,
        source=SOURCE_OF_TYPE[type],
    )
    audience = Audience(
        advertiser=advertiser,
        name=name,
        type=type,
        segment=segment,
        rules=rules or {},
        seed_segment=seed_segment if type == AudienceType.LOOKALIKE else None,
        similarity_threshold=similarity_threshold if type == AudienceType.LOOKALIKE else None,
    )
    audience.full_clean()
    audience.save()
    if type == AudienceType.LOOKALIKE:
        lookalike_build_enqueue(audience)
    return audience


@transaction.atomic
def audience_update(*, audience: Audience, **fields: Any) -> Audience:
    if "name" in fields:
        audience.name = fields["name"]
        audience.segment.name = fields["name"]
    if "ttl_days" in fields:
        audience.segment.ttl_days = fields["ttl_days"]
    if "rules" in fields:
        if audience.type != AudienceType.RULES:
            raise FieldValidationError("rules", "Only rule audiences have rules.", code="invalid")
        audience.rules = _check_rules(audience.advertiser, dict(fields["rules"]))
    rebuild = False
    if audience.type == AudienceType.LOOKALIKE:
        if "seed_segment" in fields:
            _check_seed(audience.advertiser, fields["seed_segment"])
            audience.seed_segment = fields["seed_segment"]
            rebuild = True
        if "similarity_threshold" in fields:
            audience.similarity_threshold = fields["similarity_threshold"]
            rebuild = True
    audience.segment.full_clean()
    audience.segment.save()
    audience.full_clean()
    audience.save()
    if rebuild:
        lookalike_build_enqueue(audience)
    return audience


def audience_delete(*, audience: Audience) -> None:
    segment = audience.segment
    used = _targeting_campaigns(segment)
    if used:
        raise BusinessRuleError(
            f"Campaigns target this audience's segment ({', '.join(used[:3])}); remove it "
            "from their targeting first.",
            code="segment_in_use",
        )
    segment_id = segment.pk
    with transaction.atomic():
        audience.delete()
        segment.delete()
        transaction.on_commit(lambda: _store().segment_clear(segment_id))


def lookalike_build_enqueue(audience: Audience) -> None:
    from .tasks import lookalike_build

    Audience.objects.filter(pk=audience.pk).update(status=AudienceStatus.BUILDING)
    audience.status = AudienceStatus.BUILDING
    transaction.on_commit(lambda: lookalike_build.delay(audience.pk))


# --- Website consent settings --------------------------------------------------------------


@transaction.atomic
def consent_settings_update(*, website, **fields: Any) -> WebsiteConsentSettings:
    from apps.common.events import inventory_changed

    settings, _ = WebsiteConsentSettings.objects.get_or_create(website=website)
    for name in ("gdpr_applies", "vendor_id", "without_consent"):
        if name in fields:
            setattr(settings, name, fields[name])
    settings.full_clean()
    settings.save()
    inventory_changed(kind="website", ids=[website.pk], fields=["consent_settings"])
    return settings
