"""Who is reading a report: what rows they may see, which money, and in which time zone.

Scoping is applied here once, as column conditions every rollup shares (``advertiser_id``,
``publisher_id``, ``campaign_id``, ``ad_id``, ``zone_id``): admins and finance read everything;
advertisers their own advertiser's rows; partners the advertisers they manage; publishers their
own publisher's rows. A filter id (``campaign_id`` …) must name something the caller may see
through the campaign and inventory selectors, otherwise the answer is 404, as it is for
another account's object anywhere in the API.

Time zone: ``?timezone=`` (an IANA name) when given; otherwise an advertiser's
``Advertiser.timezone`` (falling back to the user's), and everyone else's own
``User.timezone``. Campaign and ad analytics read by a partner use the advertiser's zone.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from apps.accounts.models import Role, User
from apps.campaigns import selectors as campaign_selectors
from apps.campaigns.models import Advertiser
from apps.common.errors import NotFoundError
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import Publisher

from .periods import tz_get
from .rollups import rollups_boundary

SEE_ALL_ROLES = (Role.ADMIN, Role.FINANCE)
ADVERTISER_SIDE_ROLES = (Role.ADVERTISER, Role.PARTNER)
# Columns a ZoneHourlyStat row has (it knows nothing of ads or advertisers).
ZONE_COLUMNS = ("publisher_id", "zone_id")


@dataclass(frozen=True)
class Viewer:
    """The caller, its time zone, the row conditions and filters it reads with, and the rollup
    boundary of this request (hours before it are read from the per-scope rollups)."""

    user: User
    tz: zoneinfo.ZoneInfo
    conditions: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, int] = field(default_factory=dict)

    @cached_property
    def boundary(self) -> datetime | None:
        """Read on first use, so a request refused for its input never builds rollups."""
        return rollups_boundary()

    @property
    def sees_all(self) -> bool:
        return self.user.role in SEE_ALL_ROLES

    @property
    def sees_spend(self) -> bool:
        return self.user.role != Role.PUBLISHER

    @property
    def sees_revenue(self) -> bool:
        return self.user.role in (*SEE_ALL_ROLES, Role.PUBLISHER)

    def money_fields(self, primary: str | None = None) -> tuple[str, ...]:
        """The money a view shows: its primary one first, then what else the role sees."""
        seen = (("spend", self.sees_spend), ("revenue", self.sees_revenue))
        fields = [name for name, visible in seen if visible]
        if primary in fields:
            fields.remove(primary)
            fields.insert(0, primary)
        return tuple(fields)

    def where(self, *, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
        """Filter kwargs for a rollup or event table (limited to ``columns`` when given)."""
        merged = {**self.conditions, **self.filters}
        if columns is None:
            return merged
        return {k: v for k, v in merged.items() if k.split("__", 1)[0] in columns}


def _base_conditions(user: User) -> tuple[dict[str, Any], str | None]:
    """Row conditions for ``user`` and the advertiser's time zone name (advertisers only)."""
    if user.role in SEE_ALL_ROLES:
        return {}, None
    if user.role == Role.ADVERTISER:
        advertiser = Advertiser.objects.filter(user=user).only("id", "timezone").first()
        if advertiser is None:
            return {"advertiser_id__in": []}, None
        return {"advertiser_id": advertiser.id}, advertiser.timezone
    if user.role == Role.PARTNER:
        managed = Advertiser.objects.filter(managers=user).values("id")
        return {"advertiser_id__in": managed}, None
    if user.role == Role.PUBLISHER:
        return {"publisher_id__in": Publisher.objects.filter(user=user).values("id")}, None
    return {"advertiser_id__in": []}, None


def viewer_for(user: User, *, timezone_name: str | None = None) -> Viewer:
    """The caller's scope for the report family and the summaries."""
    conditions, account_tz = _base_conditions(user)
    tz = tz_get(timezone_name or account_tz or user.timezone)
    return Viewer(user=user, tz=tz, conditions=conditions)


def viewer_for_entity(
    user: User, *, conditions: dict[str, Any], tz_name: str | None, timezone_name: str | None
) -> Viewer:
    """The scope of one entity's analytics, the entity already found visible."""
    if user.role in SEE_ALL_ROLES:
        tz_name = user.timezone
    tz = tz_get(timezone_name or tz_name or user.timezone)
    return Viewer(user=user, tz=tz, conditions=conditions)


_FILTER_LOOKUPS = {
    "campaign_id": lambda user, pk: campaign_selectors.campaign_list(user=user).filter(pk=pk),
    "ad_id": lambda user, pk: campaign_selectors.ad_list(user=user).filter(pk=pk),
    "zone_id": lambda user, pk: inventory_selectors.zone_list(user=user).filter(pk=pk),
    "publisher_id": lambda user, pk: inventory_selectors.publisher_list(user=user).filter(pk=pk),
}
FILTER_NAMES = tuple(_FILTER_LOOKUPS)
_FILTER_LABELS = {
    "campaign_id": "Campaign",
    "ad_id": "Ad",
    "zone_id": "Zone",
    "publisher_id": "Publisher",
}


def viewer_filtered(viewer: Viewer, query: dict[str, Any]) -> Viewer:
    """``viewer`` narrowed by the query's filter ids, each checked visible (404 if not)."""
    filters: dict[str, int] = {}
    for name in FILTER_NAMES:
        pk = query.get(name)
        if pk is None:
            continue
        if not _FILTER_LOOKUPS[name](viewer.user, pk).exists():
            raise NotFoundError(f"{_FILTER_LABELS[name]} not found.")
        filters[name] = pk
    return replace(viewer, filters=filters)
