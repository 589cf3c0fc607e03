"""Ad writes: creatives, admin review, soft delete."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import Role, User
from apps.accounts.platform_settings import setting_get
from apps.audit.services import audit_record_update
from apps.common.events import domain_event_emit, inventory_object_changed

from ..models import CREATIVE_FIELDS, Ad, AdStatus, Campaign, ReviewStatus
from .advertisers import not_found


def ads_auto_approve() -> bool:
    """``AUTO_APPROVE_ADS`` (environment) or the ``auto_approve_ads`` platform setting."""
    return settings.AUTO_APPROVE_ADS or bool(setting_get("auto_approve_ads"))


def ad_payload(ad: Ad) -> dict[str, Any]:
    from ..serializers import AdOutput

    return dict(AdOutput(ad).data)


def _require_admin_review(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied("Only admins can change review_status.")


def _set_review(ad: Ad, *, review_status: str, actor: User | None, note: str | None) -> None:
    ad.review_status = review_status
    if note is not None:
        ad.review_note = note
    if review_status == ReviewStatus.PENDING:
        ad.reviewed_at, ad.reviewed_by = None, None
    else:
        ad.reviewed_at, ad.reviewed_by = timezone.now(), actor


def _emit_ad_status_changed(ad: Ad, old_status: str, old_review_status: str) -> None:
    domain_event_emit(
        event_type="ad.status_changed",
        data={
            "ad_id": ad.pk,
            "ad_uuid": str(ad.uuid),
            "campaign_id": ad.campaign_id,
            "old_status": old_status,
            "new_status": ad.status,
            "old_review_status": old_review_status,
            "new_review_status": ad.review_status,
        },
        owner=ad.campaign.advertiser.user,
    )


_AD_TEXT_FIELDS = (
    "headline",
    "body",
    "image_url",
    "html",
    "video_url",
    "video_mime",
    "call_to_action",
    "sponsor",
    "review_note",
)


def _blank_nulls(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None and k in _AD_TEXT_FIELDS else v) for k, v in fields.items()}


@transaction.atomic
def ad_create(
    *,
    campaign: Campaign,
    actor: User,
    name: str,
    type: str,
    destination_url: str,
    status: str = AdStatus.ACTIVE,
    weight: int = 100,
    review_status: str | None = None,
    **creative: Any,
) -> Ad:
    """Create an ad; it awaits review unless an admin decides or auto-approval is on."""
    creative = _blank_nulls(creative)
    review_note = creative.pop("review_note", None)
    unknown = set(creative) - set(CREATIVE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown ad fields: {sorted(unknown)}")
    ad = Ad(
        campaign=campaign,
        name=name,
        type=type,
        destination_url=destination_url,
        status=status,
        weight=weight,
        **creative,
    )
    if review_status is not None or review_note:
        _require_admin_review(actor)
    if review_status is not None:
        _set_review(ad, review_status=review_status, actor=actor, note=review_note)
    elif ads_auto_approve():
        _set_review(ad, review_status=ReviewStatus.APPROVED, actor=None, note=None)
    ad.full_clean()
    ad.save()
    domain_event_emit(event_type="ad.created", data=ad_payload(ad), owner=campaign.advertiser.user)
    inventory_object_changed(ad)
    return ad


AD_UPDATE_FIELDS = frozenset(
    {*CREATIVE_FIELDS, "name", "status", "weight", "campaign", "review_status", "review_note"}
)


@transaction.atomic
def ad_update(*, ad: Ad, actor: User, **fields: Any) -> Ad:
    """Change the given fields.

    Only admins change ``review_status``/``review_note``. When anyone else changes the
    creative of a reviewed ad, it goes back to review (or straight to approved when
    auto-approval is on).
    """
    unknown = set(fields) - AD_UPDATE_FIELDS
    if unknown:
        raise ValueError(f"Unknown ad fields: {sorted(unknown)}")
    fields = _blank_nulls(fields)
    review_status = fields.pop("review_status", None)
    review_note = fields.pop("review_note", None)
    if review_status is not None or review_note is not None:
        _require_admin_review(actor)
    ad = Ad.objects.select_for_update().select_related("campaign__advertiser__user").get(pk=ad.pk)
    new_campaign = fields.get("campaign")
    if new_campaign is not None and new_campaign.advertiser_id != ad.campaign.advertiser_id:
        raise not_found("Campaign", "campaign_id")
    old_status, old_review = ad.status, ad.review_status
    creative_changed = any(
        name in fields and fields[name] != getattr(ad, name) for name in CREATIVE_FIELDS
    )
    for name, value in fields.items():
        setattr(ad, name, value)
    if review_status is not None or review_note is not None:
        _set_review(
            ad, review_status=review_status or ad.review_status, actor=actor, note=review_note
        )
    elif creative_changed and actor.role != Role.ADMIN:
        if ads_auto_approve():
            _set_review(ad, review_status=ReviewStatus.APPROVED, actor=None, note="")
        elif ad.review_status != ReviewStatus.PENDING:
            _set_review(ad, review_status=ReviewStatus.PENDING, actor=None, note="")
    ad.full_clean()
    ad.save()
    if (ad.status, ad.review_status) != (old_status, old_review):
        _emit_ad_status_changed(ad, old_status, old_review)
    changed = set(fields)
    if review_status is not None:
        changed.add("review_status")
    if ad.review_status != old_review:
        changed.add("review_status")
    inventory_object_changed(ad, fields=changed)
    return ad


def ad_review(*, ad: Ad, actor: User, review_status: str, note: str | None = None) -> Ad:
    """Admin decision on an ad (approve, reject, or back to pending)."""
    _require_admin_review(actor)
    return ad_update(ad=ad, actor=actor, review_status=review_status, review_note=note or "")


def ad_approve(*, ad: Ad, actor: User, note: str | None = None) -> Ad:
    return ad_review(ad=ad, actor=actor, review_status=ReviewStatus.APPROVED, note=note)


def ad_reject(*, ad: Ad, actor: User, note: str | None = None) -> Ad:
    return ad_review(ad=ad, actor=actor, review_status=ReviewStatus.REJECTED, note=note)


@transaction.atomic
def ad_delete(*, ad: Ad) -> None:
    now = timezone.now()
    updated = Ad.objects.filter(pk=ad.pk, deleted_at__isnull=True).update(
        deleted_at=now, updated_at=now
    )
    if updated:
        audit_record_update(instance=ad, changes={"deleted_at": (None, now)})
        inventory_object_changed(ad)


@transaction.atomic
def ad_admin_saved(*, ad: Ad, created: bool) -> Ad:
    """Django admin saved ``ad`` through its form: record what a service would."""
    before = None
    if not created:
        before = Ad.objects.filter(pk=ad.pk).values_list("status", "review_status").first()
    ad.save()
    if created:
        domain_event_emit(
            event_type="ad.created", data=ad_payload(ad), owner=ad.campaign.advertiser.user
        )
    elif before is not None and before != (ad.status, ad.review_status):
        _emit_ad_status_changed(ad, *before)
    inventory_object_changed(ad)
    return ad
