"""Advertiser profiles and who may act for which advertiser."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from rest_framework.exceptions import PermissionDenied

from apps.accounts.models import Role, User
from apps.common.errors import ConflictError, FieldValidationError, NotFoundError
from apps.common.events import inventory_object_changed

from ..models import Advertiser


def not_found(what: str, field: str | None = None) -> NotFoundError:
    details = None
    if field:
        details = [{"path": ["body", field], "code": "not_found", "message": f"{what} not found."}]
    return NotFoundError(f"{what} not found.", details=details)


# --- Advertisers --------------------------------------------------------------------------


def _slug_taken() -> ConflictError:
    return ConflictError(
        "Another advertiser has this client_slug.",
        code="client_slug_taken",
        details=[{"path": ["body", "client_slug"], "code": "already_exists", "message": "Taken."}],
    )


def _ensure_slug_free(client_slug: str, *, exclude_pk: int | None) -> None:
    qs = Advertiser.objects.filter(client_slug=client_slug)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise _slug_taken()


def _partner_users(manager_ids: Iterable[int]) -> list[User]:
    ids = list(dict.fromkeys(manager_ids))
    users = list(User.objects.filter(pk__in=ids, role=Role.PARTNER, deleted_at__isnull=True))
    missing = sorted(set(ids) - {u.pk for u in users})
    if missing:
        raise FieldValidationError(
            "manager_ids",
            f"Not partner users: {', '.join(map(str, missing))}.",
            code="invalid",
        )
    return users


def advertiser_ensure(*, user: User, company: str = "", auto_created: bool = True) -> Advertiser:
    """The advertiser profile of an advertiser-role ``user``, made on first need."""
    advertiser, _ = Advertiser.objects.get_or_create(
        user=user,
        defaults={
            "company": (company or user.name or user.email)[:200],
            "timezone": user.timezone or "UTC",
            "auto_created": auto_created,
        },
    )
    return advertiser


@transaction.atomic
def advertiser_create(
    *,
    user_id: int,
    company: str,
    currency: str | None = None,
    timezone_name: str | None = None,
    manager_ids: list[int] | None = None,
    client_slug: str | None = None,
) -> Advertiser:
    """Admin: the profile of an advertiser-role user.

    A profile made automatically at signup is adopted once (so "create the user, then the
    advertiser" works); any other existing profile is a 409.
    """
    user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise FieldValidationError("user_id", "No such user.", code="not_found")
    if user.role != Role.ADVERTISER:
        raise FieldValidationError(
            "user_id", "The user does not have the advertiser role.", code="invalid_role"
        )
    advertiser = Advertiser.objects.select_for_update().filter(user=user).first()
    if advertiser is not None and not advertiser.auto_created:
        raise ConflictError("This user already has an advertiser profile.", code="already_exists")
    if advertiser is None:
        advertiser = Advertiser(user=user, timezone=user.timezone or "UTC")
    advertiser.company = company
    advertiser.auto_created = False
    if client_slug is not None:
        _ensure_slug_free(client_slug, exclude_pk=advertiser.pk)
        advertiser.client_slug = client_slug
    if currency is not None:
        advertiser.currency = currency
    if timezone_name is not None:
        advertiser.timezone = timezone_name
    managers = _partner_users(manager_ids) if manager_ids is not None else None
    advertiser.full_clean()
    try:
        with transaction.atomic():
            advertiser.save()
    except IntegrityError:  # a concurrent create for the same user won
        raise ConflictError("This user already has an advertiser profile.", code="already_exists")
    if managers is not None:
        advertiser.managers.set(managers)
    inventory_object_changed(advertiser)
    return advertiser


@transaction.atomic
def advertiser_update(
    *,
    advertiser: Advertiser,
    company: str | None = None,
    currency: str | None = None,
    timezone_name: str | None = None,
    manager_ids: list[int] | None = None,
    client_slug: str | None = None,
) -> Advertiser:
    if company is not None:
        advertiser.company = company
    if client_slug is not None:
        _ensure_slug_free(client_slug, exclude_pk=advertiser.pk)
        advertiser.client_slug = client_slug
    if currency is not None:
        advertiser.currency = currency
    if timezone_name is not None:
        advertiser.timezone = timezone_name
    managers = _partner_users(manager_ids) if manager_ids is not None else None
    advertiser.full_clean()
    try:
        with transaction.atomic():
            advertiser.save()
    except IntegrityError:  # a concurrent change took the slug
        raise _slug_taken()
    if managers is not None:
        advertiser.managers.set(managers)
    # Campaign days and hours are read in the advertiser's time zone.
    changed = [
        name
        for name, value in (("company", company), ("timezone", timezone_name))
        if value is not None
    ]
    inventory_object_changed(advertiser, fields=changed)
    return advertiser


def advertiser_acting(*, user: User, advertiser_id: int | None = None) -> Advertiser:
    """The advertiser ``user`` acts for when creating something.

    An advertiser acts for itself (``advertiser_id`` absent or its own); an admin names any
    advertiser; a partner names one it manages. Any other id answers 404.
    """
    if user.role == Role.ADVERTISER:
        advertiser = advertiser_ensure(user=user)
        if advertiser_id is not None and advertiser_id != advertiser.pk:
            raise not_found("Advertiser", "advertiser_id")
        return advertiser
    if user.role not in (Role.ADMIN, Role.PARTNER):
        raise PermissionDenied("Your role does not allow this action.")
    if advertiser_id is None:
        raise FieldValidationError(
            "advertiser_id", "Required when acting on behalf of an advertiser.", code="required"
        )
    qs = Advertiser.objects.select_related("user").filter(pk=advertiser_id)
    if user.role == Role.PARTNER:
        qs = qs.filter(managers=user)
    advertiser = qs.first()
    if advertiser is None:
        raise not_found("Advertiser", "advertiser_id")
    return advertiser
