"""Users (log in by email, one role each), API keys and platform settings."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as dj_timezone


class Role(models.IntegerChoices):
    """Roles with ids that never change: integrators store them."""

    ADMIN = 1, "admin"
    ADVERTISER = 2, "advertiser"
    PUBLISHER = 3, "publisher"
    FINANCE = 4, "finance"
    PARTNER = 5, "partner"

    @classmethod
    def from_name(cls, name: str) -> Role | None:
        return next((role for role in cls if role.label == name), None)


ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Runs the network: every object, approvals, users and platform settings.",
    Role.ADVERTISER: "Buys ads: campaigns, creatives, conversion goals, own reports and billing.",
    Role.PUBLISHER: "Sells space: publisher profile, websites, zones, earnings and payouts.",
    Role.FINANCE: "Reads all billing and reports; no edits to campaigns or inventory.",
    Role.PARTNER: "Acts on behalf of the advertisers it is granted.",
}


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone.", code="invalid_choice")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("role", Role.ADVERTISER)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["role"] = Role.ADMIN
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.PositiveSmallIntegerField(
        choices=Role.choices, default=Role.ADVERTISER, db_index=True
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        # Admins run the network, so they get Django admin; nobody else does.
        self.is_staff = self.is_superuser = self.role == Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def role_name(self) -> str:
        return Role(self.role).label

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class ApiKey(models.Model):
    """A bearer key. Only the SHA-256 of the raw key is stored; the raw key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="API key")
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > dj_timezone.now()

    @property
    def ratelimit_identity(self) -> str:
        return f"key:{self.pk}"


class PlatformSetting(models.Model):
    """One platform-wide setting; the known keys and their types live in ``platform_settings``."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class PartnerCredential(models.Model):
    """An ``api_key`` + ``api_secret`` pair a partner exchanges for a one-hour JWT.

    The key is a public identifier and is kept as issued; only the SHA-256 of the secret is
    stored, and the secret is shown once, when an admin issues the pair.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="partner_credentials",
        limit_choices_to={"role": Role.PARTNER},
    )
    name = models.CharField(max_length=100, default="Partner credentials")
    api_key = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "partner credential"

    def __str__(self) -> str:
        return f"{self.api_key} ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MfaDevice(models.Model):
    """A user's TOTP authenticator. ``secret`` is never answered after setup, never exported
    and masked in the audit log; ``last_used_step`` makes each code single-use."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mfa_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "MFA device"

    def __str__(self) -> str:
        return f"TOTP for {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class MfaRecoveryCode(models.Model):
    """A one-time recovery code; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mfa_recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "MFA recovery code"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="mfa_recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"
