"""Inventory reads, scoped to what the caller may see.

Admins and finance see every publisher, website and zone; a publisher-role user sees only its
own; anyone else sees nothing. Views never filter by owner themselves.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import Role, User

from .models import Publisher, Website, Zone

SEE_ALL_ROLES = (Role.ADMIN, Role.FINANCE)


def _scoped(qs: QuerySet, *, user: User, owner_path: str) -> QuerySet:
    """``qs`` limited to what ``user`` may see; ``owner_path`` leads to the publisher's user."""
    if user.role in SEE_ALL_ROLES:
        return qs
    if user.role == Role.PUBLISHER:
        return qs.filter(Q(**{owner_path: user}))
    return qs.none()


def publisher_list(*, user: User, status: str | None = None) -> QuerySet[Publisher]:
    qs = _scoped(
        Publisher.objects.select_related("user").order_by("id"), user=user, owner_path="user"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def publisher_get(*, user: User, publisher_id: int) -> Publisher | None:
    return publisher_list(user=user).filter(pk=publisher_id).first()


def publisher_for_user(*, user: User) -> Publisher | None:
    """The publisher profile of ``user`` itself (not scoped: for the owner's own pages)."""
    return Publisher.objects.filter(user=user).first()


def website_list(*, user: User, publisher_id: int | None = None) -> QuerySet[Website]:
    qs = _scoped(Website.objects.order_by("id"), user=user, owner_path="publisher__user")
    if publisher_id is not None:
        qs = qs.filter(publisher_id=publisher_id)
    return qs


def website_get(*, user: User, website_id: int) -> Website | None:
    return website_list(user=user).select_related("publisher").filter(pk=website_id).first()


def zone_list(
    *,
    user: User,
    website_id: int | None = None,
    publisher_id: int | None = None,
    zone_type: str | None = None,
    status: str | None = None,
) -> QuerySet[Zone]:
    qs = _scoped(
        Zone.objects.select_related("website").order_by("id"),
        user=user,
        owner_path="website__publisher__user",
    )
    if website_id is not None:
        qs = qs.filter(website_id=website_id)
    if publisher_id is not None:
        qs = qs.filter(website__publisher_id=publisher_id)
    if zone_type:
        qs = qs.filter(type=zone_type)
    if status:
        qs = qs.filter(status=status)
    return qs


def zone_get(*, user: User, zone_id: int) -> Zone | None:
    return zone_list(user=user).filter(pk=zone_id).first()
