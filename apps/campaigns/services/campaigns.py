"""Campaign writes: create-or-resolve by source, updates, status transitions, soft delete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.errors import BusinessRuleError, ConflictError
from apps.common.events import domain_event_emit, inventory_object_changed

from ..models import (
    CAMPAIGN_TRANSITIONS,
    REFERENCE_ID_MAX_LENGTH,
    Advertiser,
    Campaign,
    CampaignStatus,
    Pacing,
    PricingModel,
    Priority,
    Rotation,
    channels_default,
)
from ..targeting import targeting_clean, targeting_segments_check


def campaign_payload(campaign: Campaign) -> dict[str, Any]:
    from ..serializers import CampaignOutput

    return dict(CampaignOutput(campaign).data)


def source_reference_id(source: Any) -> str:
    """``source.reference_id`` as stored: a string, ``""`` when there is none."""
    if not isinstance(source, dict):
        return ""
    reference = source.get("reference_id")
    if reference is None or isinstance(reference, bool):
        return ""
    return str(reference).strip()[:REFERENCE_ID_MAX_LENGTH]


def _live_by_reference(advertiser_id: int, reference_id: str) -> Campaign | None:
    return Campaign.objects.filter(
        advertiser_id=advertiser_id, source_reference_id=reference_id, deleted_at__isnull=True
    ).first()


def _apply_frequency_cap(campaign: Campaign, frequency_cap: dict | None) -> None:
    campaign.frequency_cap_impressions = (frequency_cap or {}).get("impressions")
    campaign.frequency_cap_window_hours = (frequency_cap or {}).get("window_hours")


@transaction.atomic
def campaign_create(
    *,
    advertiser: Advertiser,
    name: str,
    bid_amount: Decimal,
    start_date: date,
    daily_budget: Decimal | None = None,
    total_budget: Decimal | None = None,
    end_date: date | None = None,
    status: str = CampaignStatus.DRAFT,
    pricing_model: str = PricingModel.CPM,
    pacing: str = Pacing.EVEN,
    priority: str = Priority.STANDARD,
    rotation: str = Rotation.WEIGHTED,
    channels: list[str] | None = None,
    frequency_cap: dict | None = None,
    targeting: dict | None = None,
    category: str = "",
    source: dict | None = None,
) -> tuple[Campaign, bool]:
    """Create a campaign, or resolve the live one with the same ``source.reference_id``.

    Returns ``(campaign, created)``; a resolved campaign is returned as it is (no event).
    """
    if status not in (CampaignStatus.DRAFT, CampaignStatus.ACTIVE):
        raise BusinessRuleError(
            "A new campaign starts as draft or active.", code="invalid_status_transition"
        )
    reference_id = source_reference_id(source)
    if reference_id:
        existing = _live_by_reference(advertiser.pk, reference_id)
        if existing is not None:
            return existing, False
    campaign = Campaign(
        advertiser=advertiser,
        name=name,
        status=status,
        pricing_model=pricing_model,
        bid_amount=bid_amount,
        daily_budget=daily_budget,
        total_budget=total_budget,
        start_date=start_date,
        end_date=end_date,
        pacing=pacing,
        priority=priority,
        rotation=rotation,
        channels=list(channels) if channels else channels_default(),
        targeting=targeting_clean(targeting),
        category=category or "",
        source=source,
        source_reference_id=reference_id,
    )
    _apply_frequency_cap(campaign, frequency_cap)
    targeting_segments_check(campaign.targeting, advertiser_id=advertiser.pk)
    campaign.full_clean()
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        # A concurrent create with the same reference won the race: resolve to it.
        existing = reference_id and _live_by_reference(advertiser.pk, reference_id)
        if not existing:
            raise
        return existing, False
    domain_event_emit(
        event_type="campaign.created", data=campaign_payload(campaign), owner=advertiser.user
    )
    inventory_object_changed(campaign)
    return campaign, True


def _check_transition(current: str, target: str) -> None:
    if target not in CAMPAIGN_TRANSITIONS.get(current, frozenset()):
        raise BusinessRuleError(
            f"A campaign cannot go from {current} to {target}.",
            code="invalid_status_transition",
        )


def _emit_status_changed(campaign: Campaign, old: str) -> None:
    domain_event_emit(
        event_type="campaign.status_changed",
        data={"campaign_id": campaign.pk, "from": old, "to": campaign.status},
        owner=campaign.advertiser.user,
    )


CAMPAIGN_UPDATE_FIELDS = frozenset(
    {
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
    }
)


@transaction.atomic
def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    """Change the given fields; a ``status`` change must be an allowed transition."""
    unknown = set(fields) - CAMPAIGN_UPDATE_FIELDS
    if unknown:
        raise ValueError(f"Unknown campaign fields: {sorted(unknown)}")
    campaign = (
        Campaign.objects.select_for_update().select_related("advertiser__user").get(pk=campaign.pk)
    )
    changed = set(fields)
    old_status = campaign.status
    new_status = fields.pop("status", old_status)
    if new_status != old_status:
        _check_transition(old_status, new_status)
        campaign.status = new_status
    if "frequency_cap" in fields:
        _apply_frequency_cap(campaign, fields.pop("frequency_cap"))
    if "targeting" in fields:
        campaign.targeting = targeting_clean(fields.pop("targeting"))
        targeting_segments_check(campaign.targeting, advertiser_id=campaign.advertiser_id)
    if "category" in fields:
        campaign.category = fields.pop("category") or ""
    if "source" in fields:
        campaign.source = fields.pop("source")
        reference_id = source_reference_id(campaign.source)
        if reference_id and reference_id != campaign.source_reference_id:
            other = _live_by_reference(campaign.advertiser_id, reference_id)
            if other is not None and other.pk != campaign.pk:
                raise ConflictError(
                    "Another campaign of this advertiser has this source reference_id.",
                    code="duplicate_reference_id",
                )
        campaign.source_reference_id = reference_id
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise ConflictError(
            "Another campaign of this advertiser has this source reference_id.",
            code="duplicate_reference_id",
        )
    if campaign.status != old_status:
        _emit_status_changed(campaign, old_status)
    inventory_object_changed(campaign, fields=changed)
    return campaign


def campaign_transition(*, campaign: Campaign, status: str) -> Campaign:
    """Move to ``status`` if the transition is allowed (400 otherwise)."""
    return campaign_update(campaign=campaign, status=status)


def campaign_pause(*, campaign: Campaign) -> Campaign:
    return campaign_transition(campaign=campaign, status=CampaignStatus.PAUSED)


def campaign_activate(*, campaign: Campaign) -> Campaign:
    return campaign_transition(campaign=campaign, status=CampaignStatus.ACTIVE)


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    """Soft delete: the campaign stops serving and disappears from the API."""
    campaign = (
        Campaign.objects.select_for_update().select_related("advertiser__user").get(pk=campaign.pk)
    )
    if campaign.deleted_at is not None:
        return
    campaign.deleted_at = timezone.now()
    campaign.save(update_fields=["deleted_at", "updated_at"])
    domain_event_emit(
        event_type="campaign.deleted",
        data={
            "campaign_id": campaign.pk,
            "name": campaign.name,
            "advertiser_id": campaign.advertiser_id,
        },
        owner=campaign.advertiser.user,
    )
    inventory_object_changed(campaign, fields=["deleted_at"])


@transaction.atomic
def campaign_admin_saved(*, campaign: Campaign, created: bool) -> Campaign:
    """Django admin saved ``campaign`` through its form: record what a service would."""
    campaign.source_reference_id = source_reference_id(campaign.source)
    campaign.save()
    if created:
        domain_event_emit(
            event_type="campaign.created",
            data=campaign_payload(campaign),
            owner=campaign.advertiser.user,
        )
    inventory_object_changed(campaign)
    return campaign
