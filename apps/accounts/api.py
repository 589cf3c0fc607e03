"""Accounts API: roles, auth (signup, login, logout, JWT), API keys, users, settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from apps.common.api import ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.net import client_ip
from apps.common.ratelimit import enforce_rate
from apps.common.schema import MessageOutput, envelope, error_response

from . import platform_settings, selectors, services
from .login_limits import login_failure_record
from .models import ROLE_DESCRIPTIONS, ApiKey, Role
from .permissions import IsAdmin
from .serializers import (
    ApiKeyCreatedOutput,
    ApiKeyCreateInput,
    ApiKeyOutput,
    LoginInput,
    LoginOutput,
    LogoutInput,
    RefreshInput,
    RoleOutput,
    SignupInput,
    TokenInput,
    TokenResponseOutput,
    UserCreateInput,
    UserListQuery,
    UserOutput,
    UserUpdateInput,
)

KEY_SHOWN_ONCE = "Store this API key securely — it will not be shown again."
NO_STORE = {"Cache-Control": "no-store"}  # answers that carry a secret


def _token_response(pair: dict, status: int = 200) -> Response:
    # Top-level fields as the seeds show them, and the same object under ``data``.
    return Response({"success": True, **pair, "data": pair}, status=status, headers=NO_STORE)


def _login_rate_limits(request, email: str) -> None:
    enforce_rate(request, group="login-ip", key=client_ip(request), rate=settings.RATELIMIT_LOGIN)
    enforce_rate(request, group="login-email", key=email.lower(), rate=settings.RATELIMIT_LOGIN)


class RolesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Accounts"],
        operation_id="roles_list",
        responses={200: envelope(RoleOutput, many=True)},
    )
    def get(self, request):
        roles = [
            {"id": role.value, "name": role.label, "description": ROLE_DESCRIPTIONS[role]}
            for role in Role
        ]
        return Response(
            {
                "success": True,
                "data": roles,
                "pagination": {
                    "page": 1,
                    "per_page": len(roles),
                    "count": len(roles),
                    "total": len(roles),
                    "pages": 1,
                },
            }
        )


class SignupApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Auth"],
        operation_id="auth_signup",
        request=SignupInput,
        responses={201: envelope(UserOutput), 409: error_response(409)},
        examples=[
            OpenApiExample(
                "Advertiser signup",
                value={
                    "email": "ann@example.com",
                    "password": "Str0ng-pass!",
                    "name": "Ann",
                    "role": "advertiser",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        enforce_rate(
            request, group="signup", key=client_ip(request), rate=settings.RATELIMIT_SIGNUP
        )
        data = validate_body(SignupInput, request)
        user = services.user_create(
            email=data["email"],
            password=data["password"],
            name=data["name"],
            role=Role.from_name(data["role"]),
            timezone_name=data["timezone"],
        )
        return ok(UserOutput(user).data, status=201, message="Account created.")


class LoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["Auth"],
        operation_id="auth_login",
        request=LoginInput,
        responses={201: LoginOutput},
        examples=[
            OpenApiExample(
                "Login",
                value={
                    "email": "user@example.com",
                    "password": "your_password",
                    "name": "My App Key",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        _login_rate_limits(request, str(email or ""))
        data = validate_body(LoginInput, request)
        try:
            api_key, raw_key = services.auth_login(
                request=request,
                email=data["email"],
                password=data["password"],
                key_name=data.get("name"),
            )
        except AuthenticationFailed:
            # Guessing through the API spends the dashboard's failed-login budget too.
            login_failure_record(request=request, email=data["email"])
            raise
        return Response(
            {
                "success": True,
                "api_key": raw_key,
                "key_prefix": api_key.prefix,
                "message": KEY_SHOWN_ONCE,
            },
            status=201,
            headers=NO_STORE,
        )


class LogoutApi(APIView):
    @extend_schema(
        tags=["Auth"],
        operation_id="auth_logout",
        request=LogoutInput,
        responses={200: MessageOutput},
    )
    def post(self, request):
        data = validate_body(LogoutInput, request) if request.data else {}
        raw_refresh = data.get("refreshToken") or data.get("refresh")
        if raw_refresh:
            services.jwt_revoke_refresh(raw_refresh=raw_refresh, user=request.user)
        if isinstance(request.auth, ApiKey):
            services.api_key_revoke(api_key=request.auth)
            message = "API key revoked."
        elif isinstance(request.auth, AccessToken):
            services.jwt_revoke_access(token=request.auth)
            message = "Token revoked."
        else:
            session_logout(request._request)
            message = "Logged out."
        return Response({"success": True, "message": message})


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["Auth"],
        operation_id="auth_token",
        request=TokenInput,
        responses={200: TokenResponseOutput},
    )
    def post(self, request):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        _login_rate_limits(request, str(email or ""))
        data = validate_body(TokenInput, request)
        return _token_response(
            services.jwt_issue(request=request, email=data["email"], password=data["password"])
        )


class RefreshApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["Auth"],
        operation_id="auth_refresh",
        request=RefreshInput,
        responses={200: TokenResponseOutput},
    )
    def post(self, request):
        data = validate_body(RefreshInput, request)
        return _token_response(services.jwt_refresh(raw_refresh=data["refresh"]))


class MeApi(APIView):
    @extend_schema(tags=["Auth"], operation_id="auth_me", responses={200: envelope(UserOutput)})
    def get(self, request):
        return ok(UserOutput(request.user).data)


class ApiKeyListApi(APIView):
    @extend_schema(
        tags=["API keys"],
        operation_id="api_keys_list",
        responses={200: envelope(ApiKeyOutput, many=True)},
    )
    def get(self, request):
        return paginated(request, selectors.api_key_list(user=request.user), ApiKeyOutput)

    @extend_schema(
        tags=["API keys"],
        operation_id="api_keys_create",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedOutput},
    )
    def post(self, request):
        data = validate_body(ApiKeyCreateInput, request)
        api_key, raw_key = services.api_key_create(user=request.user, name=data["name"])
        return Response(
            {
                "success": True,
                "data": ApiKeyOutput(api_key).data,
                "api_key": raw_key,
                "key_prefix": api_key.prefix,
                "message": KEY_SHOWN_ONCE,
            },
            status=201,
            headers=NO_STORE,
        )


class ApiKeyDetailApi(APIView):
    def _get(self, request, key_id: int) -> ApiKey:
        api_key = selectors.api_key_get(user=request.user, key_id=key_id)
        if api_key is None:
            raise NotFoundError("API key not found.")
        return api_key

    @extend_schema(
        tags=["API keys"], operation_id="api_keys_retrieve", responses={200: envelope(ApiKeyOutput)}
    )
    def get(self, request, key_id: int):
        return ok(ApiKeyOutput(self._get(request, key_id)).data)

    @extend_schema(
        tags=["API keys"], operation_id="api_keys_revoke", responses={200: envelope(ApiKeyOutput)}
    )
    def delete(self, request, key_id: int):
        api_key = services.api_key_revoke(api_key=self._get(request, key_id))
        return ok(ApiKeyOutput(api_key).data, message="API key revoked.")


class UserListApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["Users"],
        operation_id="users_list",
        parameters=[UserListQuery],
        responses={200: envelope(UserOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(UserListQuery, request)
        role = Role.from_name(query["role"]) if query.get("role") else None
        users = selectors.user_list(
            role=role, include_deleted=query["include_deleted"], search=query.get("search", "")
        )
        return paginated(request, users, UserOutput)

    @extend_schema(
        tags=["Users"],
        operation_id="users_create",
        request=UserCreateInput,
        responses={201: envelope(UserOutput), 409: error_response(409)},
        examples=[
            OpenApiExample(
                "Create a user",
                value={
                    "name": "Jane Doe",
                    "email": "jane@example.com",
                    "password": "SecurePass123!",
                    "role_id": 4,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = validate_body(UserCreateInput, request)
        user = services.user_create(
            email=data["email"],
            password=data["password"],
            name=data["name"],
            role=data["role"],
            timezone_name=data["timezone"],
        )
        return ok(UserOutput(user).data, status=201)


class UserDetailApi(APIView):
    permission_classes = [IsAdmin]

    def _get(self, user_id: int):
        user = selectors.user_get(user_id=user_id)
        if user is None:
            raise NotFoundError("User not found.")
        return user

    @extend_schema(
        tags=["Users"], operation_id="users_retrieve", responses={200: envelope(UserOutput)}
    )
    def get(self, request, user_id: int):
        return ok(UserOutput(self._get(user_id)).data)

    @extend_schema(
        tags=["Users"],
        operation_id="users_update",
        request=UserUpdateInput,
        responses={200: envelope(UserOutput), 409: error_response(409)},
    )
    def put(self, request, user_id: int):
        user = self._get(user_id)
        data = dict(validate_body(UserUpdateInput, request, partial=True))
        if "timezone" in data:
            data["timezone_name"] = data.pop("timezone")
        user = services.user_update(user=user, actor=request.user, **data)
        return ok(UserOutput(user).data)

    @extend_schema(
        tags=["Users"],
        operation_id="users_partial_update",
        request=UserUpdateInput,
        responses={200: envelope(UserOutput), 409: error_response(409)},
    )
    def patch(self, request, user_id: int):
        return self.put(request, user_id)

    @extend_schema(tags=["Users"], operation_id="users_destroy", responses={200: MessageOutput})
    def delete(self, request, user_id: int):
        services.user_soft_delete(user=self._get(user_id), actor=request.user)
        return Response({"success": True, "message": "User deleted."})


class SettingsApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["Settings"],
        operation_id="settings_retrieve",
        responses={200: envelope(platform_settings.SettingsOutput)},
    )
    def get(self, request):
        return ok(platform_settings.settings_public())

    @extend_schema(
        tags=["Settings"],
        operation_id="settings_update",
        request=platform_settings.SettingsUpdateInput,
        responses={200: envelope(platform_settings.SettingsOutput)},
        examples=[
            OpenApiExample(
                "Rename", value={"site_name": "My Ad Network", "currency": "EUR"}, request_only=True
            )
        ],
    )
    def put(self, request):
        data = validate_body(platform_settings.SettingsUpdateInput, request, partial=True)
        return ok(platform_settings.settings_update(values=dict(data), actor=request.user))

    @extend_schema(
        tags=["Settings"],
        operation_id="settings_partial_update",
        request=platform_settings.SettingsUpdateInput,
        responses={200: envelope(platform_settings.SettingsOutput)},
    )
    def patch(self, request):
        return self.put(request)


# The same key endpoints under auth/, where some integrators look for them; documented once.
@extend_schema(exclude=True)
class AuthApiKeyListApi(ApiKeyListApi):
    pass


@extend_schema(exclude=True)
class AuthApiKeyDetailApi(ApiKeyDetailApi):
    pass
