"""Conversion goal writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record_update

from ..models import Advertiser, Campaign, ConversionGoal
from .advertisers import not_found


def _check_goal_campaign(advertiser: Advertiser, campaign: Campaign | None) -> None:
    if campaign is not None and campaign.advertiser_id != advertiser.pk:
        raise not_found("Campaign", "campaign_id")


@transaction.atomic
def conversion_goal_create(
    *,
    advertiser: Advertiser,
    name: str,
    type: str,
    default_value: Decimal = Decimal("0.00"),
    attribution_window_days: int = 30,
    is_active: bool = True,
    campaign: Campaign | None = None,
) -> ConversionGoal:
    _check_goal_campaign(advertiser, campaign)
    goal = ConversionGoal(
        advertiser=advertiser,
        campaign=campaign,
        name=name,
        type=type,
        default_value=default_value,
        attribution_window_days=attribution_window_days,
        is_active=is_active,
    )
    goal.full_clean()
    goal.save()
    return goal


GOAL_UPDATE_FIELDS = frozenset(
    {"name", "type", "default_value", "attribution_window_days", "is_active", "campaign"}
)


@transaction.atomic
def conversion_goal_update(*, goal: ConversionGoal, **fields: Any) -> ConversionGoal:
    unknown = set(fields) - GOAL_UPDATE_FIELDS
    if unknown:
        raise ValueError(f"Unknown goal fields: {sorted(unknown)}")
    if "campaign" in fields:
        _check_goal_campaign(goal.advertiser, fields["campaign"])
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def conversion_goal_delete(*, goal: ConversionGoal) -> None:
    now = timezone.now()
    updated = ConversionGoal.objects.filter(pk=goal.pk, deleted_at__isnull=True).update(
        deleted_at=now, updated_at=now
    )
    if updated:
        audit_record_update(instance=goal, changes={"deleted_at": (None, now)})
