"""Input and output shapes of the accounts API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

import zoneinfo

from rest_framework import serializers

from apps.common.api import PageQuery, StrictInputSerializer

from .models import ApiKey, PartnerCredential, Role, User

ROLE_NAMES = [role.label for role in Role]
SIGNUP_ROLES = [Role.ADVERTISER.label, Role.PUBLISHER.label]


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(
                f"'{value}' is not a known IANA time zone.", code="invalid_choice"
            )
        return value


def _error(message: str, code: str) -> list[serializers.ErrorDetail]:
    return [serializers.ErrorDetail(message, code=code)]


class RoleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()


class UserOutput(serializers.ModelSerializer):
    role = serializers.CharField(source="role_name")
    role_id = serializers.IntegerField(source="role")

    class Meta:
        model = User
        fields = [
            "id",
            "name",
            "email",
            "role",
            "role_id",
            "timezone",
            "is_active",
            "last_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _RoleInputMixin:
    """Accepts ``role`` (name) or ``role_id``; both must agree when both are sent."""

    def validate(self, attrs):
        role_name = attrs.pop("role", None)
        role_id = attrs.pop("role_id", None)
        role = None
        if role_name is not None:
            role = Role.from_name(role_name)
        if role_id is not None:
            if role is not None and role.value != role_id:
                raise serializers.ValidationError(
                    {"role_id": ["role and role_id name different roles."]}, code="invalid"
                )
            role = Role(role_id)
        if role is not None:
            attrs["role"] = role
        return attrs


class UserCreateInput(_RoleInputMixin, StrictInputSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=ROLE_NAMES, required=False)
    role_id = serializers.ChoiceField(choices=[r.value for r in Role], required=False)
    timezone = TimezoneField(required=False, default="UTC")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "role" not in attrs:
            raise serializers.ValidationError(
                {"role": [serializers.ErrorDetail("role or role_id is required.", code="required")]}
            )
        return attrs


class UserUpdateInput(_RoleInputMixin, StrictInputSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    password = serializers.CharField(
        max_length=128, write_only=True, required=False, allow_blank=True, trim_whitespace=False
    )
    role = serializers.ChoiceField(choices=ROLE_NAMES, required=False)
    role_id = serializers.ChoiceField(choices=[r.value for r in Role], required=False)
    timezone = TimezoneField(required=False)
    is_active = serializers.BooleanField(required=False)


class UserListQuery(PageQuery):
    role = serializers.ChoiceField(choices=ROLE_NAMES, required=False)
    search = serializers.CharField(max_length=100, required=False)
    include_deleted = serializers.BooleanField(required=False, default=False)


class SignupInput(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=SIGNUP_ROLES, required=False, default="advertiser")
    timezone = TimezoneField(required=False, default="UTC")


MFA_CODE_HELP = "With MFA on: a current authenticator code or an unused recovery code."


class LoginInput(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mfa_code = serializers.CharField(max_length=32, required=False, help_text=MFA_CODE_HELP)


class LoginOutput(serializers.Serializer):
    success = serializers.BooleanField()
    api_key = serializers.CharField(help_text="The raw key. Shown once; store it securely.")
    key_prefix = serializers.CharField()
    message = serializers.CharField()


class TokenInput(StrictInputSerializer):
    """Either ``email`` + ``password`` (a user) or ``api_key`` + ``api_secret`` (a partner)."""

    email = serializers.EmailField(max_length=254, required=False)
    password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)
    mfa_code = serializers.CharField(max_length=32, required=False, help_text=MFA_CODE_HELP)
    api_key = serializers.CharField(
        max_length=64, required=False, help_text="Partner credentials: the issued key."
    )
    api_secret = serializers.CharField(
        max_length=200,
        required=False,
        trim_whitespace=False,
        help_text="Partner credentials: the secret shown when the pair was issued.",
    )

    def validate(self, attrs):
        partner = "api_key" in attrs or "api_secret" in attrs
        if partner and ("email" in attrs or "password" in attrs or "mfa_code" in attrs):
            raise serializers.ValidationError(
                {
                    "api_key": _error(
                        "Send either email and password, or api_key and api_secret.", "invalid"
                    )
                }
            )
        required = ("api_key", "api_secret") if partner else ("email", "password")
        missing = {name: _error("This field is required.", "required") for name in required}
        missing = {name: error for name, error in missing.items() if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class RefreshInput(StrictInputSerializer):
    refreshToken = serializers.CharField(required=False, max_length=2000)  # noqa: N815
    refresh = serializers.CharField(required=False, max_length=2000)

    def validate(self, attrs):
        token = attrs.get("refreshToken") or attrs.get("refresh")
        if not token:
            raise serializers.ValidationError(
                {
                    "refreshToken": [
                        serializers.ErrorDetail("This field is required.", code="required")
                    ]
                }
            )
        return {"refresh": token}


class LogoutInput(StrictInputSerializer):
    refreshToken = serializers.CharField(required=False, max_length=2000)  # noqa: N815
    refresh = serializers.CharField(required=False, max_length=2000)


class TokenPairOutput(serializers.Serializer):
    accessToken = serializers.CharField()  # noqa: N815
    refreshToken = serializers.CharField()  # noqa: N815
    expires_in = serializers.IntegerField(help_text="Access token lifetime in seconds.")
    token_type = serializers.CharField()


class TokenResponseOutput(TokenPairOutput):
    success = serializers.BooleanField()
    data = TokenPairOutput()


class ApiKeyOutput(serializers.ModelSerializer):
    key_prefix = serializers.CharField(source="prefix")
    is_active = serializers.BooleanField()

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "key_prefix",
            "is_active",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields


class ApiKeyCreateInput(StrictInputSerializer):
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="API key"
    )


class ApiKeyCreatedOutput(serializers.Serializer):
    success = serializers.BooleanField()
    data = ApiKeyOutput()
    api_key = serializers.CharField(help_text="The raw key. Shown once; store it securely.")
    key_prefix = serializers.CharField()
    message = serializers.CharField()


# --- Partner credentials ------------------------------------------------------------------


class PartnerCredentialOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField()
    user_email = serializers.EmailField(source="user.email")
    is_active = serializers.BooleanField()

    class Meta:
        model = PartnerCredential
        fields = [
            "id",
            "user_id",
            "user_email",
            "name",
            "api_key",
            "is_active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class PartnerCredentialCreateInput(StrictInputSerializer):
    user_id = serializers.IntegerField(min_value=1, help_text="A partner-role user.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PartnerCredentialIssuedOutput(PartnerCredentialOutput):
    api_secret = serializers.CharField(help_text="Shown once; only its hash is stored.")

    class Meta(PartnerCredentialOutput.Meta):
        fields = [*PartnerCredentialOutput.Meta.fields, "api_secret"]
        read_only_fields = fields


class PartnerCredentialCreatedOutput(serializers.Serializer):
    success = serializers.BooleanField()
    data = PartnerCredentialIssuedOutput()
    id = serializers.IntegerField()
    api_key = serializers.CharField()
    api_secret = serializers.CharField(help_text="Shown once; store it securely.")
    message = serializers.CharField()


class PartnerCredentialListQuery(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, required=False)
    include_revoked = serializers.BooleanField(required=False, default=False)
    page = serializers.IntegerField(required=False)
    per_page = serializers.IntegerField(required=False)


# --- MFA ----------------------------------------------------------------------------------


class MfaCodeInput(StrictInputSerializer):
    code = serializers.CharField(
        max_length=32, help_text="A current authenticator code (or, to disable, a recovery code)."
    )


class MfaSetupOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 TOTP secret, for manual entry.")
    otpauth_uri = serializers.CharField(help_text="otpauth://totp/… for authenticator apps.")
    qr_svg = serializers.CharField(help_text="The URI as a QR code: an SVG data URI.")


class MfaVerifyOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Ten one-time codes, shown this once."
    )


class MfaStatusOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    pending_setup = serializers.BooleanField()
    required = serializers.BooleanField(help_text="The platform requires MFA for this role.")
    recovery_codes_left = serializers.IntegerField()


class DataExportOutput(serializers.Serializer):
    """The export document (each list as the matching ``/api/v1`` resource answers it)."""

    format_version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    profile = serializers.DictField()
    mfa = serializers.DictField()
    api_keys = serializers.ListField(child=serializers.DictField())
    partner_credentials = serializers.ListField(child=serializers.DictField())
    partner_intakes = serializers.ListField(child=serializers.DictField())
    advertiser = serializers.DictField(allow_null=True)
    campaigns = serializers.ListField(child=serializers.DictField())
    ads = serializers.ListField(child=serializers.DictField())
    conversion_goals = serializers.ListField(child=serializers.DictField())
    publisher = serializers.DictField(allow_null=True)
    websites = serializers.ListField(child=serializers.DictField())
    zones = serializers.ListField(child=serializers.DictField())
    webhooks = serializers.ListField(child=serializers.DictField())
    wallets = serializers.ListField(child=serializers.DictField())
    ledger = serializers.ListField(child=serializers.DictField())
    invoices = serializers.ListField(child=serializers.DictField())
    payouts = serializers.ListField(child=serializers.DictField())
    audit_entries = serializers.ListField(child=serializers.DictField())
