"""Account writes: users, API keys, logins and tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.common.errors import BusinessRuleError, ConflictError, FieldValidationError

from .models import ApiKey, PartnerCredential, Role, User

API_KEY_PREFIX = "ak_live_"
API_KEY_DISPLAY_CHARS = 12  # "ak_live_" plus four characters of the secret part
LAST_USED_RESOLUTION_SECONDS = 60


# --- Users --------------------------------------------------------------------------------


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise FieldValidationError("password", " ".join(exc.messages), code="weak_password")


def _ensure_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    qs = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ConflictError("A user with this email already exists.", code="email_taken")


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    name: str = "",
    role: Role = Role.ADVERTISER,
    timezone_name: str = "UTC",
) -> User:
    email = User.objects.normalize_email(email).lower()
    _ensure_email_free(email)
    user = User(email=email, name=name, role=role, timezone=timezone_name)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent signup with the same email won the race
        raise ConflictError("A user with this email already exists.", code="email_taken")
    from .signals import user_created

    user_created.send(sender=User, user=user)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User, **fields) -> User:
    """Change the given fields; an omitted password keeps the current one."""
    if "email" in fields:
        fields["email"] = User.objects.normalize_email(fields["email"]).lower()
        _ensure_email_free(fields["email"], exclude_pk=user.pk)
    if "role" in fields and user.pk == actor.pk and fields["role"] != Role.ADMIN:
        raise BusinessRuleError("You cannot remove your own admin role.", code="cannot_demote_self")
    password = fields.pop("password", None)
    for name, value in fields.items():
        setattr(user, "timezone" if name == "timezone_name" else name, value)
    if password:
        _check_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if password or fields.get("is_active") is False:
        _revoke_credentials(user)
    return user


@transaction.atomic
def user_soft_delete(*, user: User, actor: User) -> None:
    if user.pk == actor.pk:
        raise BusinessRuleError("You cannot delete your own account.", code="cannot_delete_self")
    user.deleted_at = timezone.now()
    user.is_active = False
    user.save(update_fields=["deleted_at", "is_active", "updated_at"])
    _revoke_credentials(user)


def _revoke_credentials(user: User) -> None:
    """Revoke every API key and refresh token of ``user`` (password change, deletion)."""
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    for credential in PartnerCredential.objects.filter(user=user, revoked_at__isnull=True):
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
    for token in OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()):
        BlacklistedToken.objects.get_or_create(token=token)


# --- API keys -----------------------------------------------------------------------------


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, user: User, name: str = "API key") -> tuple[ApiKey, str]:
    """Create a key and return it with the raw key, which is never stored or shown again."""
    raw_key = API_KEY_PREFIX + secrets.token_hex(24)
    api_key = ApiKey.objects.create(
        user=user,
        name=name or "API key",
        prefix=raw_key[:API_KEY_DISPLAY_CHARS],
        key_hash=hash_api_key(raw_key),
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The live key matching ``raw_key`` with its user, or ``None``."""
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not api_key.is_active:
        return None
    user = api_key.user
    if not user.is_active or user.deleted_at is not None:
        return None
    now = timezone.now()
    stale = api_key.last_used_at is None or (
        (now - api_key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    )
    if stale:  # one write a minute per key at most, not one per request
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# --- Login and tokens ---------------------------------------------------------------------


def auth_check_credentials(
    *, request, email: str, password: str, mfa_code: str | None = None
) -> User:
    """The user with this email and password, past the second factor when it has MFA."""
    from .mfa import mfa_login_gate

    user = authenticate(request, username=email, password=password)
    if user is None:
        raise AuthenticationFailed("Invalid email or password.", code="invalid_credentials")
    mfa_login_gate(request=request, user=user, code=mfa_code)
    return user


def _touch_last_login(user: User) -> None:
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])


def auth_login(
    *, request, email: str, password: str, key_name: str | None, mfa_code: str | None = None
) -> tuple[ApiKey, str]:
    user = auth_check_credentials(
        request=request, email=email, password=password, mfa_code=mfa_code
    )
    _touch_last_login(user)
    return api_key_create(user=user, name=key_name or "Login key")


def jwt_pair_for(user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return _token_payload(refresh)


def _token_payload(refresh: RefreshToken) -> dict:
    access = refresh.access_token
    return {
        "accessToken": str(access),
        "refreshToken": str(refresh),
        "expires_in": int(access.lifetime.total_seconds()),
        "token_type": "Bearer",
    }


def jwt_issue(*, request, email: str, password: str, mfa_code: str | None = None) -> dict:
    user = auth_check_credentials(
        request=request, email=email, password=password, mfa_code=mfa_code
    )
    _touch_last_login(user)
    return jwt_pair_for(user)


def jwt_refresh(*, raw_refresh: str) -> dict:
    """Rotate a refresh token: the old one is blacklisted, a new pair is answered."""
    from .partner_credentials import CREDENTIAL_CLAIM, partner_token_pair

    try:
        old = RefreshToken(raw_refresh)
        user = User.objects.filter(
            pk=old.get("user_id"), is_active=True, deleted_at__isnull=True
        ).first()
        if user is None:
            raise TokenError("user inactive")
        credential = None
        if old.get(CREDENTIAL_CLAIM) is not None:  # a partner pair's tokens stay bound to it
            credential = PartnerCredential.objects.filter(
                pk=old[CREDENTIAL_CLAIM], user=user, revoked_at__isnull=True
            ).first()
            if credential is None:
                raise TokenError("credential revoked")
        old.blacklist()
    except TokenError:
        raise AuthenticationFailed("Invalid or expired refresh token.", code="invalid_token")
    if credential is not None:
        return partner_token_pair(credential)
    return jwt_pair_for(user)


def jwt_revoke_refresh(*, raw_refresh: str, user: User) -> bool:
    try:
        token = RefreshToken(raw_refresh)
    except TokenError:
        return False
    if str(token.get("user_id")) != str(user.pk):
        return False
    token.blacklist()
    return True


def _denylist_key(jti: str) -> str:
    return f"jwt-deny:{jti}"


def jwt_revoke_access(*, token: AccessToken) -> None:
    """Refuse this access token until it expires (it cannot be un-issued)."""
    remaining = int(token["exp"] - timezone.now().timestamp())
    if remaining > 0:
        cache.set(_denylist_key(token["jti"]), 1, timeout=remaining + 1)


def jwt_is_revoked(*, jti: str) -> bool:
    return cache.get(_denylist_key(jti)) is not None
