"""Campaign-side reads, scoped once here so no view can forget it.

Admins and finance see every advertiser and everything under it; an advertiser-role user sees
its own; a partner-role user sees the advertisers whose ``managers`` include it; anyone else
sees nothing. Soft-deleted campaigns, ads and goals are invisible (and so answer 404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import Role, User

from .models import Ad, Advertiser, Campaign, ConversionGoal

SEE_ALL_ROLES = (Role.ADMIN, Role.FINANCE)


def _scoped(qs: QuerySet, *, user: User, advertiser_path: str) -> QuerySet:
    """``qs`` limited to what ``user`` may see; ``advertiser_path`` leads to the Advertiser."""
    prefix = f"{advertiser_path}__" if advertiser_path else ""
    if user.role in SEE_ALL_ROLES:
        return qs
    if user.role == Role.ADVERTISER:
        return qs.filter(Q(**{f"{prefix}user": user}))
    if user.role == Role.PARTNER:
        return qs.filter(Q(**{f"{prefix}managers": user}))
    return qs.none()


# --- Advertisers --------------------------------------------------------------------------


def advertiser_list(*, user: User, search: str = "") -> QuerySet[Advertiser]:
    qs = _scoped(
        Advertiser.objects.select_related("user").prefetch_related("managers").order_by("id"),
        user=user,
        advertiser_path="",
    )
    if search:
        qs = qs.filter(Q(company__icontains=search) | Q(user__email__icontains=search))
    return qs


def advertiser_get(*, user: User, advertiser_id: int) -> Advertiser | None:
    return advertiser_list(user=user).filter(pk=advertiser_id).first()


def advertiser_for_user(*, user: User) -> Advertiser | None:
    """The advertiser profile of ``user`` itself (not scoped: for the owner's own pages)."""
    return Advertiser.objects.filter(user=user).first()


def advertiser_is_managed_by(*, advertiser: Advertiser, user: User) -> bool:
    return advertiser.managers.filter(pk=user.pk).exists()


# --- Campaigns ----------------------------------------------------------------------------


def campaign_list(
    *,
    user: User,
    status: str | None = None,
    pricing_model: str | None = None,
    advertiser_id: int | None = None,
    search: str = "",
) -> QuerySet[Campaign]:
    qs = _scoped(
        Campaign.objects.filter(deleted_at__isnull=True).order_by("-id"),
        user=user,
        advertiser_path="advertiser",
    )
    if status:
        qs = qs.filter(status=status)
    if pricing_model:
        qs = qs.filter(pricing_model=pricing_model)
    if advertiser_id is not None:
        qs = qs.filter(advertiser_id=advertiser_id)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs


def campaign_get(*, user: User, campaign_id: int) -> Campaign | None:
    return (
        campaign_list(user=user).select_related("advertiser__user").filter(pk=campaign_id).first()
    )


def campaign_by_reference(
    *, user: User, reference_id: str, advertiser_id: int | None = None
) -> list[Campaign]:
    """The caller's live campaigns created with ``source.reference_id`` (one per advertiser)."""
    qs = campaign_list(user=user, advertiser_id=advertiser_id).filter(
        source_reference_id=reference_id
    )
    return list(qs.select_related("advertiser__user")[:2])


# --- Ads ----------------------------------------------------------------------------------


def ad_list(
    *,
    user: User,
    campaign_id: int | None = None,
    status: str | None = None,
    review_status: str | None = None,
    ad_type: str | None = None,
    advertiser_id: int | None = None,
) -> QuerySet[Ad]:
    qs = _scoped(
        Ad.objects.filter(deleted_at__isnull=True, campaign__deleted_at__isnull=True)
        .select_related("campaign")
        .order_by("-id"),
        user=user,
        advertiser_path="campaign__advertiser",
    )
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if status:
        qs = qs.filter(status=status)
    if review_status:
        qs = qs.filter(review_status=review_status)
    if ad_type:
        qs = qs.filter(type=ad_type)
    if advertiser_id is not None:
        qs = qs.filter(campaign__advertiser_id=advertiser_id)
    return qs


def ad_get(*, user: User, ad_id: int) -> Ad | None:
    return ad_list(user=user).select_related("campaign__advertiser__user").filter(pk=ad_id).first()


# --- Conversion goals ---------------------------------------------------------------------


def conversion_goal_list(
    *,
    user: User,
    campaign_id: int | None = None,
    goal_type: str | None = None,
    is_active: bool | None = None,
    advertiser_id: int | None = None,
) -> QuerySet[ConversionGoal]:
    qs = _scoped(
        ConversionGoal.objects.filter(deleted_at__isnull=True).order_by("-id"),
        user=user,
        advertiser_path="advertiser",
    )
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if goal_type:
        qs = qs.filter(type=goal_type)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if advertiser_id is not None:
        qs = qs.filter(advertiser_id=advertiser_id)
    return qs


def conversion_goal_get(*, user: User, goal_id: int) -> ConversionGoal | None:
    return (
        conversion_goal_list(user=user)
        .select_related("advertiser__user", "campaign")
        .filter(pk=goal_id)
        .first()
    )
