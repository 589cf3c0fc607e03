"""Audience-side reads, scoped once here (as campaigns are: admins and finance see all, an
advertiser its own, a partner the advertisers it manages)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.campaigns.selectors import _scoped

from .models import Audience, ConsentRecord, Segment, SegmentUpload


def segment_list(
    *, user: User, advertiser_id: int | None = None, search: str = ""
) -> QuerySet[Segment]:
    qs = _scoped(
        Segment.objects.select_related("advertiser").order_by("-id"),
        user=user,
        advertiser_path="advertiser",
    )
    if advertiser_id is not None:
        qs = qs.filter(advertiser_id=advertiser_id)
    if search:
        qs = qs.filter(name__icontains=search)
    return qs


def segment_get(*, user: User, segment_id: int) -> Segment | None:
    return segment_list(user=user).filter(pk=segment_id).first()


def segment_ids_of_advertiser(*, advertiser_id: int, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are segments of the advertiser (campaign targeting validation)."""
    return set(
        Segment.objects.filter(advertiser_id=advertiser_id, id__in=list(ids)).values_list(
            "id", flat=True
        )
    )


def segment_stats_of(segments: Iterable[Segment]) -> dict[int, tuple[int, float | None]]:
    """Live (size, latest expiry) of each segment, in one store call; unreachable: empty."""
    from apps.delivery.store import StoreUnavailableError, hot_store

    ids = [s.pk for s in segments]
    try:
        return hot_store().segment_stats(ids) if ids else {}
    except StoreUnavailableError:
        return {}


def audience_list(
    *, user: User, advertiser_id: int | None = None, audience_type: str | None = None
) -> QuerySet[Audience]:
    qs = _scoped(
        Audience.objects.select_related("segment", "advertiser", "seed_segment").order_by("-id"),
        user=user,
        advertiser_path="advertiser",
    )
    if advertiser_id is not None:
        qs = qs.filter(advertiser_id=advertiser_id)
    if audience_type:
        qs = qs.filter(type=audience_type)
    return qs


def audience_get(*, user: User, audience_id: int) -> Audience | None:
    return audience_list(user=user).filter(pk=audience_id).first()


def upload_get(*, user: User, audience: Audience, upload_id: int) -> SegmentUpload | None:
    return audience.uploads.filter(pk=upload_id).first()


def consent_record_list(
    *,
    user: User,
    user_key: str = "",
    website_id: int | None = None,
    source: str = "",
) -> QuerySet[ConsentRecord]:
    """Admins see every record; publishers the records of their websites."""
    from apps.accounts.models import Role
    from apps.inventory.models import Website

    qs = ConsentRecord.objects.order_by("-recorded_at", "-id")
    if user.role == Role.PUBLISHER:
        own = Website.objects.filter(publisher__user=user).values_list("id", flat=True)
        qs = qs.filter(website_id__in=list(own))
    elif user.role != Role.ADMIN:
        return qs.none()
    if user_key:
        qs = qs.filter(user_key=user_key)
    if website_id is not None:
        qs = qs.filter(website_id=website_id)
    if source:
        qs = qs.filter(source=source)
    return qs
