"""Multi-factor authentication with TOTP (RFC 6238, via pyotp) and one-time recovery codes.

Setup makes an unconfirmed authenticator (secret, ``otpauth://`` URI and a QR code); the
first valid code confirms it and answers ten recovery codes, once. From then on logins and
token requests need ``mfa_code``: a current TOTP code (each accepted once: a replay within its
window is refused) or an unused recovery code. Every check counts against ``RATELIMIT_MFA``
per user. The ``mfa_required_for_staff`` platform setting makes admins and finance users set
MFA up before they may sign in.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import PermissionDenied

from apps.common.errors import ApiError, BusinessRuleError, ConflictError
from apps.common.ratelimit import enforce_rate

from .models import MfaDevice, MfaRecoveryCode, Role, User

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes
TOTP_VALID_WINDOW = 1  # the previous, current and next 30-second step
ENFORCED_ROLES = (Role.ADMIN, Role.FINANCE)


class MfaRequiredError(ApiError):
    """401: the password was right, a second factor is needed (or was wrong)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "A multi-factor authentication code is required."
    default_code = "mfa_required"
    summary = "mfa required"


def mfa_device(user: User) -> MfaDevice | None:
    return MfaDevice.objects.filter(user=user).first()


def mfa_enabled(user: User) -> bool:
    return MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def mfa_enforced_for(user: User) -> bool:
    from .platform_settings import setting_get

    return user.role in ENFORCED_ROLES and bool(setting_get("mfa_required_for_staff"))


def _issuer() -> str:
    from .platform_settings import setting_get

    return str(setting_get("site_name"))


def otpauth_uri(device: MfaDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=_issuer())


def qr_svg_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


@transaction.atomic
def mfa_setup(*, user: User) -> MfaDevice:
    """A new unconfirmed authenticator (replacing an unconfirmed one); 409 when enabled."""
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise ConflictError("MFA is already enabled; disable it first.", code="mfa_already_enabled")
    if device is None:
        device = MfaDevice(user=user)
    device.secret = pyotp.random_base32()
    device.confirmed_at = None
    device.last_used_step = None
    device.save()
    return device


def _normalize(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


def _hash(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _totp_step(device: MfaDevice, code: str) -> int | None:
    """The time step ``code`` belongs to (within the window), or ``None``."""
    totp = pyotp.TOTP(device.secret)
    now = time.time()
    for offset in range(-TOTP_VALID_WINDOW, TOTP_VALID_WINDOW + 1):
        at = now + offset * totp.interval
        if secrets.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def _use_totp(device: MfaDevice, code: str) -> bool:
    step = _totp_step(device, code)
    if step is None:
        return False
    # One conditional UPDATE: a code (or an older one) already used loses, even in a race.
    claimed = MfaDevice.objects.filter(
        Q(last_used_step__isnull=True) | Q(last_used_step__lt=step), pk=device.pk
    ).update(last_used_step=step)
    return claimed == 1


def _use_recovery_code(user: User, code: str) -> bool:
    return (
        MfaRecoveryCode.objects.filter(
            user=user, code_hash=_hash(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        == 1
    )


def _count_attempt(request, user: User) -> None:
    enforce_rate(request, group="mfa", key=f"user:{user.pk}", rate=settings.RATELIMIT_MFA)


def mfa_code_accept(
    *, request, user: User, code: str, device: MfaDevice | None = None, recovery: bool = True
) -> bool:
    """Whether ``code`` is a current TOTP code or (``recovery``) an unused recovery code;
    either is used up. Rate limited per user (429)."""
    _count_attempt(request, user)
    device = device or mfa_device(user)
    normalized = _normalize(code)
    if device is None or not normalized:
        return False
    if normalized.isdigit() and len(normalized) == 6:
        return _use_totp(device, normalized)
    return recovery and device.is_confirmed and _use_recovery_code(user, normalized)


def _new_recovery_codes(user: User) -> list[str]:
    MfaRecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    MfaRecoveryCode.objects.bulk_create(
        [MfaRecoveryCode(user=user, code_hash=_hash(code)) for code in codes]
    )
    return codes


@transaction.atomic
def mfa_verify(*, request, user: User, code: str) -> list[str]:
    """Confirm the authenticator with its first code; answer the recovery codes (once)."""
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise BusinessRuleError("Set MFA up first (auth/mfa/setup).", code="mfa_not_set_up")
    if device.is_confirmed:
        raise ConflictError("MFA is already enabled.", code="mfa_already_enabled")
    if not mfa_code_accept(request=request, user=user, code=code, device=device, recovery=False):
        raise BusinessRuleError(
            "The code is not valid (or was already used).", code="invalid_mfa_code"
        )
    device.refresh_from_db()
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return _new_recovery_codes(user)


@transaction.atomic
def mfa_disable(*, request, user: User, code: str) -> None:
    """Turn MFA off with a current code or a recovery code (refused where it is enforced)."""
    if not mfa_enabled(user):
        raise BusinessRuleError("MFA is not enabled.", code="mfa_not_enabled")
    if mfa_enforced_for(user):
        raise PermissionDenied("MFA is required for your role and cannot be disabled.")
    if not mfa_code_accept(request=request, user=user, code=code):
        raise BusinessRuleError(
            "The code is not valid (or was already used).", code="invalid_mfa_code"
        )
    MfaDevice.objects.filter(user=user).delete()
    MfaRecoveryCode.objects.filter(user=user).delete()


def mfa_recovery_codes_left(user: User) -> int:
    return MfaRecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def mfa_login_gate(*, request, user: User, code: str | None) -> None:
    """After a right password: require the second factor (401 ``mfa_required`` without a
    code, ``invalid_mfa_code`` with a wrong one), or refuse (403) a user who must set MFA up."""
    if mfa_enabled(user):
        if not code:
            raise MfaRequiredError(
                "A multi-factor authentication code is required: send mfa_code.",
                code="mfa_required",
            )
        if not mfa_code_accept(request=request, user=user, code=code):
            raise MfaRequiredError(
                "The MFA code is not valid (or was already used).", code="invalid_mfa_code"
            )
        return
    if mfa_enforced_for(user):
        raise PermissionDenied(
            "MFA is required for your role: set it up on your dashboard profile first."
        )
