"""Account reads, scoped once here so no view can forget it."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiKey, PartnerCredential, Role, User


def user_list(
    *, role: Role | None = None, include_deleted: bool = False, search: str = ""
) -> QuerySet[User]:
    qs = User.objects.all().order_by("id")
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    if role is not None:
        qs = qs.filter(role=role)
    if search:
        qs = qs.filter(email__icontains=search) | qs.filter(name__icontains=search)
    return qs


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, deleted_at__isnull=True).first()


def api_key_list(*, user: User, include_revoked: bool = False) -> QuerySet[ApiKey]:
    qs = ApiKey.objects.filter(user=user)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs


def api_key_get(*, user: User, key_id: int) -> ApiKey | None:
    return ApiKey.objects.filter(user=user, pk=key_id).first()


def partner_credential_list(
    *, user_id: int | None = None, include_revoked: bool = False
) -> QuerySet[PartnerCredential]:
    qs = PartnerCredential.objects.select_related("user").order_by("-created_at", "-id")
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs


def partner_credential_get(*, credential_id: int) -> PartnerCredential | None:
    return PartnerCredential.objects.select_related("user").filter(pk=credential_id).first()
