"""Partner credentials: issue, revoke, and exchange a key + secret pair for a one-hour JWT.

Tokens minted from a pair carry the credential's id (claim ``pcr``), so revoking the pair
also refuses every token made from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_ratelimit.core import get_usage
from rest_framework.exceptions import Throttled
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.common.errors import FieldValidationError
from apps.common.net import client_ip

from .models import PartnerCredential, Role, User

PARTNER_KEY_PREFIX = "pk_live_"
PARTNER_SECRET_PREFIX = "psk_live_"
PARTNER_TOKEN_SECONDS = 3600  # seed 002: tokens expire after one hour
CREDENTIAL_CLAIM = "pcr"
LAST_USED_RESOLUTION_SECONDS = 60


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def partner_credential_issue(
    *, user_id: int, actor: User | None, name: str = ""
) -> tuple[PartnerCredential, str]:
    """A new pair for a partner-role user; returns it with the raw secret (shown once)."""
    user = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise FieldValidationError("user_id", "No such user.", code="not_found")
    if user.role != Role.PARTNER:
        raise FieldValidationError(
            "user_id", "Credentials are issued to partner-role users only.", code="invalid_role"
        )
    raw_secret = PARTNER_SECRET_PREFIX + secrets.token_urlsafe(32)
    credential = PartnerCredential.objects.create(
        user=user,
        name=name or "Partner credentials",
        api_key=PARTNER_KEY_PREFIX + secrets.token_hex(16),
        secret_hash=_hash(raw_secret),
        created_by=actor,
    )
    return credential, raw_secret


def partner_credential_revoke(*, credential: PartnerCredential) -> PartnerCredential:
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
    return credential


def partner_credential_check(*, api_key: str, api_secret: str) -> PartnerCredential | None:
    """The live pair matching ``api_key`` and ``api_secret`` (compared in constant time)."""
    credential = (
        PartnerCredential.objects.select_related("user")
        .filter(api_key=api_key, revoked_at__isnull=True)
        .first()
    )
    # Hash even when the key is unknown so timing does not tell keys apart.
    offered = _hash(api_secret)
    if credential is None or not hmac.compare_digest(offered, credential.secret_hash):
        return None
    user = credential.user
    if not user.is_active or user.deleted_at is not None or user.role != Role.PARTNER:
        return None
    now = timezone.now()
    if credential.last_used_at is None or (
        (now - credential.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        PartnerCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now
    return credential


def partner_credential_is_live(credential_id) -> bool:
    return PartnerCredential.objects.filter(
        pk=credential_id, revoked_at__isnull=True, user__is_active=True
    ).exists()


# --- Tokens -------------------------------------------------------------------------------


def partner_access_token(credential: PartnerCredential) -> AccessToken:
    token = AccessToken.for_user(credential.user)
    token.set_exp(lifetime=timedelta(seconds=PARTNER_TOKEN_SECONDS))
    token[CREDENTIAL_CLAIM] = credential.pk
    return token


def partner_token_pair(credential: PartnerCredential) -> dict:
    """``/api/v1`` shape: an access token for one hour and a refresh token, both bound to
    the pair."""
    refresh = RefreshToken.for_user(credential.user)
    refresh[CREDENTIAL_CLAIM] = credential.pk
    access = refresh.access_token
    access.set_exp(lifetime=timedelta(seconds=PARTNER_TOKEN_SECONDS))
    return {
        "accessToken": str(access),
        "refreshToken": str(refresh),
        "expires_in": PARTNER_TOKEN_SECONDS,
        "token_type": "Bearer",
    }


# --- Rate limit: failed exchanges only -------------------------------------------------------


def _limit_keys(request, api_key: str) -> list[tuple[str, str]]:
    return [("partner-token-ip", client_ip(request)), ("partner-token-key", api_key or "-")]


def _usage(request, group: str, key: str, *, increment: bool):
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return get_usage(
        request,
        group=group,
        key=lambda _group, _request: digest,
        rate=settings.RATELIMIT_LOGIN,
        increment=increment,
    )


def partner_token_limit_check(request, api_key: str) -> None:
    """Refuse (429) an address or key that used up its failed exchanges (``RATELIMIT_LOGIN``).

    Only failed exchanges count, so a partner fetching a token every hour is never limited
    while guessing secrets is.
    """
    for group, key in _limit_keys(request, api_key):
        usage = _usage(request, group, key, increment=False)
        if usage is not None and usage["limit"] and usage["count"] >= usage["limit"]:
            raise Throttled(wait=max(1, int(usage["time_left"])))


def partner_token_failure(request, api_key: str) -> None:
    for group, key in _limit_keys(request, api_key):
        _usage(request, group, key, increment=True)
