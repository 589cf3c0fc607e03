"""Inventory writes: publishers (and their approval), websites and zones.

Every write validates with the model's ``full_clean()`` (the database's CheckConstraints back
it up) and bumps the inventory version, since publishers, websites and zones decide what can
serve where. Approval and rejection emit ``publisher.approved`` / ``publisher.rejected`` once
per actual change of status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import Role, User
from apps.common.adformats import AdType
from apps.common.errors import ConflictError, FieldValidationError
from apps.common.events import domain_event_emit, inventory_object_changed

from .models import Publisher, PublisherStatus, Website, Zone, ZoneStatus

PUBLISHER_OWNER_FIELDS = frozenset(
    {
        "name",
        "website_url",
        "description",
        "payout_method",
        "payout_details",
        "blocked_categories",
        "blocked_advertiser_ids",
    }
)
PUBLISHER_ADMIN_FIELDS = frozenset({"status", "revenue_share", "rejection_reason"})
WEBSITE_FIELDS = frozenset({"publisher", "name", "url", "category"})
ZONE_FIELDS = frozenset({"website", "name", "type", "width", "height", "floor_price", "status"})
PUBLISHER_NAME_MAX = 200


def _check_fields(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unexpected fields: {sorted(unknown)}")


def _save(obj, *, update_fields: list[str] | None = None, changed=None) -> None:
    """Validate and save; serving hears of it (``changed``: the fields set, when known)."""
    obj.full_clean()
    if update_fields is not None:
        changed = update_fields if changed is None else changed
        update_fields = [*update_fields, "updated_at"]
    obj.save(update_fields=update_fields)
    inventory_object_changed(obj, fields=changed)


# --- Publishers -----------------------------------------------------------------------------


def _publisher_event_data(publisher: Publisher) -> dict[str, Any]:
    return {
        "publisher_id": publisher.pk,
        "user_id": publisher.user_id,
        "name": publisher.name,
        "status": publisher.status,
        "reason": publisher.rejection_reason,
        "reviewed_at": publisher.reviewed_at,
        "reviewed_by_id": publisher.reviewed_by_id,
    }


@transaction.atomic
def publisher_create(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    status: str | None = None,
    **fields: Any,
) -> Publisher:
    """Make ``user``'s publisher profile (admin).

    A user has one profile: a second create is a 409, except that a profile the signup hook
    made on its own is adopted and filled in with what the admin sent.
    """
    _check_fields(fields, PUBLISHER_OWNER_FIELDS | {"revenue_share"})
    if user.role != Role.PUBLISHER or user.deleted_at is not None:
        raise FieldValidationError(
            "user_id", "The user must be an active user with the publisher role.", code="invalid"
        )
    existing = Publisher.objects.select_for_update().filter(user=user).first()
    if existing is not None and not existing.auto_created:
        raise ConflictError("This user already has a publisher profile.", code="publisher_exists")
    publisher = existing or Publisher(user=user)
    publisher.auto_created = False
    publisher.name = name
    for field, value in fields.items():
        setattr(publisher, field, value)
    publisher.full_clean()
    try:
        with transaction.atomic():
            publisher.save()
    except IntegrityError:  # a concurrent create for the same user won the race
        raise ConflictError("This user already has a publisher profile.", code="publisher_exists")
    inventory_object_changed(publisher)
    if status is not None and status != publisher.status:
        publisher = _publisher_set_status(publisher=publisher, actor=actor, status=status)
    return publisher


def publisher_create_for_signup(*, user: User) -> Publisher:
    """The pending profile every new publisher-role user gets (``user_created`` hook)."""
    name = (user.name or user.email)[:PUBLISHER_NAME_MAX]
    publisher, created = Publisher.objects.get_or_create(
        user=user, defaults={"name": name, "auto_created": True}
    )
    if created:
        inventory_object_changed(publisher)
    return publisher


@transaction.atomic
def publisher_update(*, publisher: Publisher, actor: User, **fields: Any) -> Publisher:
    """Owner or admin edits; ``status``, ``revenue_share`` and the reason are admin-only."""
    _check_fields(fields, PUBLISHER_OWNER_FIELDS | PUBLISHER_ADMIN_FIELDS)
    admin_only = sorted(set(fields) & PUBLISHER_ADMIN_FIELDS)
    if admin_only and actor.role != Role.ADMIN:
        raise PermissionDenied(f"Only an admin can change {', '.join(admin_only)}.")
    status = fields.pop("status", None)
    reason = fields.pop("rejection_reason", None)
    for field, value in fields.items():
        setattr(publisher, field, value)
    if fields:
        # Only the sent fields are written, so a concurrent approval is never overwritten.
        publisher.auto_created = False  # edited: a real profile now, no longer adoptable
        _save(publisher, update_fields=[*fields, "auto_created"])
    if status is not None:
        publisher = _publisher_set_status(
            publisher=publisher, actor=actor, status=status, reason=reason
        )
    if reason is not None and publisher.rejection_reason != reason:
        publisher.rejection_reason = reason
        _save(publisher, update_fields=["rejection_reason"])
    return publisher


def _publisher_set_status(
    *, publisher: Publisher, actor: User | None, status: str, reason: str | None = None
) -> Publisher:
    if status == PublisherStatus.APPROVED:
        return publisher_approve(publisher=publisher, actor=actor)
    if status == PublisherStatus.REJECTED:
        return publisher_reject(publisher=publisher, actor=actor, reason=reason or "")
    return publisher_reset_review(publisher=publisher)


def _lock(publisher: Publisher) -> Publisher:
    return Publisher.objects.select_for_update().select_related("user").get(pk=publisher.pk)


@transaction.atomic
def publisher_approve(*, publisher: Publisher, actor: User | None) -> Publisher:
    """Approve; a no-op (no event) when the publisher is already approved."""
    locked = _lock(publisher)
    if locked.status == PublisherStatus.APPROVED:
        return locked
    locked.status = PublisherStatus.APPROVED
    locked.rejection_reason = ""
    return _publisher_reviewed(locked, actor=actor, event_type="publisher.approved")


@transaction.atomic
def publisher_reject(*, publisher: Publisher, actor: User | None, reason: str = "") -> Publisher:
    """Reject; a no-op (no event) when the publisher is already rejected."""
    locked = _lock(publisher)
    if locked.status == PublisherStatus.REJECTED:
        return locked
    locked.status = PublisherStatus.REJECTED
    locked.rejection_reason = reason
    return _publisher_reviewed(locked, actor=actor, event_type="publisher.rejected")


def _publisher_reviewed(publisher: Publisher, *, actor: User | None, event_type: str) -> Publisher:
    publisher.reviewed_at = timezone.now()
    publisher.reviewed_by = actor
    publisher.auto_created = False
    _save(
        publisher,
        update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by", "auto_created"],
    )
    domain_event_emit(
        event_type=event_type, data=_publisher_event_data(publisher), owner=publisher.user
    )
    return publisher


@transaction.atomic
def publisher_reset_review(*, publisher: Publisher) -> Publisher:
    """Back to pending (admin); no event, since none is defined for it."""
    locked = _lock(publisher)
    if locked.status == PublisherStatus.PENDING:
        return locked
    locked.status = PublisherStatus.PENDING
    locked.rejection_reason = ""
    locked.reviewed_at = None
    locked.reviewed_by = None
    _save(locked, update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by"])
    return locked


@transaction.atomic
def publisher_delete(*, publisher: Publisher) -> None:
    """Hard delete (admin): the publisher's websites and zones go with it.

    Money records (payouts, ledger entries) are kept for good and protect their publisher, so
    one that has been paid or has earnings on statements cannot be deleted (409).
    """
    inventory_object_changed(publisher)  # published only if the delete commits
    try:
        publisher.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ConflictError(
            "This publisher has payouts or ledger entries, which are kept; it cannot be "
            "deleted. Reject it or pause its zones instead.",
            code="publisher_has_money_records",
        ) from exc


# --- Websites -------------------------------------------------------------------------------


@transaction.atomic
def website_create(*, publisher: Publisher, name: str, url: str, category: str = "") -> Website:
    website = Website(publisher=publisher, name=name, url=url, category=category)
    _save(website)
    return website


@transaction.atomic
def website_update(*, website: Website, **fields: Any) -> Website:
    _check_fields(fields, WEBSITE_FIELDS)
    for field, value in fields.items():
        setattr(website, field, value)
    _save(website, changed=list(fields))
    return website


@transaction.atomic
def website_delete(*, website: Website) -> None:
    inventory_object_changed(website)
    website.delete()


# --- Zones ----------------------------------------------------------------------------------


@transaction.atomic
def zone_create(
    *,
    website: Website,
    name: str,
    type: AdType | str,
    width: int | None = None,
    height: int | None = None,
    floor_price: Decimal = Decimal("0.00"),
    status: ZoneStatus | str = ZoneStatus.ACTIVE,
) -> Zone:
    zone = Zone(
        website=website,
        name=name,
        type=type,
        width=width,
        height=height,
        floor_price=floor_price,
        status=status,
    )
    _save(zone)
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, **fields: Any) -> Zone:
    """Partial update; the size rules are checked on the result (e.g. text → banner)."""
    _check_fields(fields, ZONE_FIELDS)
    for field, value in fields.items():
        setattr(zone, field, value)
    _save(zone, changed=list(fields))
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone) -> None:
    inventory_object_changed(zone)
    zone.delete()
