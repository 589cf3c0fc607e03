"""Input and output shapes of the accounts API (unique names keep the OpenAPI schema clean)."""

from __future__ import annotations

import zoneinfo

from rest_framework import serializers

from apps.common.api import PageQuery, StrictInputSerializer

from .models import ApiKey, Role, User

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


class LoginInput(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class LoginOutput(serializers.Serializer):
    success = serializers.BooleanField()
    api_key = serializers.CharField(help_text="The raw key. Shown once; store it securely.")
    key_prefix = serializers.CharField()
    message = serializers.CharField()


class TokenInput(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


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
