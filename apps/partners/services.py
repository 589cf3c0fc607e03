"""Partner intake writes: create-or-resolve a draft campaign from a partner's request, and
finish it (creatives confirmed, campaign submitted) from the dashboard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.campaigns.models import MIN_BID, Ad, AdStatus, Advertiser, Campaign, CampaignStatus
from apps.campaigns.services import ad_create, ad_update, campaign_create, campaign_update
from apps.common.adformats import AdType
from apps.common.errors import BusinessRuleError

from .material import draft_creatives
from .models import PartnerIntake

# A draft is not served, so its bid is a placeholder the finishing page asks to replace.
DRAFT_BID = MIN_BID


def _advertiser_today(advertiser: Advertiser) -> date:
    return timezone.now().astimezone(ZoneInfo(advertiser.timezone or "UTC")).date()


def _ad_name(campaign: Campaign, ad_type: str, number: int) -> str:
    return f"{campaign.name[:170]} – {ad_type} {number}"


@transaction.atomic
def partner_campaign_intake(
    *,
    partner: User,
    advertiser: Advertiser,
    source: dict[str, Any],
    credential_id: int | None = None,
) -> tuple[Campaign, PartnerIntake | None, bool]:
    """Create a draft campaign with draft creatives, or resolve the one with this reference.

    Returns ``(campaign, intake, created)``. The campaign keeps ``source`` whole; its
    ``reference_id`` is unique per advertiser (a database constraint), so concurrent identical
    requests make one campaign and the others resolve to it.
    """
    campaign, created = campaign_create(
        advertiser=advertiser,
        name=source["name"],
        bid_amount=DRAFT_BID,
        start_date=_advertiser_today(advertiser),
        status=CampaignStatus.DRAFT,
        source=source,
    )
    if not created:
        return campaign, PartnerIntake.objects.filter(campaign=campaign).first(), False
    creatives, unusable = draft_creatives(source["material"])
    ad_ids = []
    counts: dict[str, int] = {}
    for creative in creatives:
        counts[creative.type] = counts.get(creative.type, 0) + 1
        fields: dict[str, Any] = {}
        if creative.type == AdType.BANNER:
            fields = {
                "image_url": creative.url,
                "width": creative.width,
                "height": creative.height,
            }
        else:
            fields = {
                "video_url": creative.url,
                "video_mime": creative.video_mime,
                "duration_seconds": creative.duration_seconds,
            }
        ad = ad_create(
            campaign=campaign,
            actor=partner,
            name=_ad_name(campaign, creative.type, counts[creative.type]),
            type=creative.type,
            destination_url=source["target_url"],
            status=AdStatus.PAUSED,  # a draft until confirmed on the finishing page
            **fields,
        )
        ad_ids.append(ad.pk)
    intake = PartnerIntake.objects.create(
        campaign=campaign,
        partner=partner,
        credential_id=credential_id,
        reference_id=campaign.source_reference_id,
        target_url=source["target_url"],
        material=list(source["material"]),
        unusable_material=unusable,
        ad_ids=ad_ids,
    )
    return campaign, intake, True


def intake_draft_ads(intake: PartnerIntake) -> list[Ad]:
    """The intake's creatives that still exist, in the order they were made."""
    ads = {
        ad.pk: ad
        for ad in Ad.objects.filter(pk__in=intake.ad_ids, deleted_at__isnull=True).select_related(
            "campaign"
        )
    }
    return [ads[pk] for pk in intake.ad_ids if pk in ads]


@transaction.atomic
def partner_intake_finish(
    *,
    intake: PartnerIntake,
    actor: User,
    campaign_fields: dict[str, Any],
    creative_fields: dict[int, dict[str, Any]],
) -> Campaign:
    """Save the campaign settings and the confirmed creatives, then submit the campaign
    (draft → active). Its ads still go through review before they serve."""
    campaign = (
        Campaign.objects.select_for_update().select_related("advertiser").get(pk=intake.campaign_id)
    )
    if campaign.deleted_at is not None:
        raise BusinessRuleError("This campaign was deleted.", code="campaign_deleted")
    campaign = campaign_update(campaign=campaign, **campaign_fields)
    for ad in intake_draft_ads(intake):
        fields = {**creative_fields.get(ad.pk, {}), "status": AdStatus.ACTIVE}
        ad_update(ad=ad, actor=actor, **fields)
    has_ads = Ad.objects.filter(campaign=campaign, deleted_at__isnull=True).exists()
    if not has_ads:
        raise BusinessRuleError(
            "Add at least one ad before submitting the campaign.", code="campaign_without_ads"
        )
    if campaign.status == CampaignStatus.DRAFT:
        campaign = campaign_update(campaign=campaign, status=CampaignStatus.ACTIVE)
    intake.finished_at = timezone.now()
    intake.finished_by = actor
    intake.save(update_fields=["finished_at", "finished_by"])
    return campaign


def draft_bid_placeholder(campaign: Campaign) -> Decimal | None:
    """The bid to show on the finishing page: empty while it is the draft's placeholder."""
    if campaign.status == CampaignStatus.DRAFT and campaign.bid_amount == DRAFT_BID:
        return None
    return campaign.bid_amount
