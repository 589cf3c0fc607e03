"""Accounts API: roles, auth (signup, login, logout, JWT), API keys, users, settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as session_logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from apps.common.api import PageQuery, ok, paginated, validate_body, validate_query
from apps.common.errors import NotFoundError
from apps.common.net import client_ip
from apps.common.ratelimit import enforce_rate
from apps.common.schema import ErrorOutput, MessageOutput, envelope, error_response

from . import mfa, partner_credentials, platform_settings, privacy, selectors, services
from .login_limits import login_failure_record
from .models import ROLE_DESCRIPTIONS, ApiKey, PartnerCredential, Role, User
from .permissions import IsAdmin
from .serializers import (
    ApiKeyCreatedOutput,
    ApiKeyCreateInput,
    ApiKeyOutput,
    DataExportOutput,
    LoginInput,
    LoginOutput,
    LogoutInput,
    MfaCodeInput,
    MfaSetupOutput,
    MfaStatusOutput,
    MfaVerifyOutput,
    PartnerCredentialCreatedOutput,
    PartnerCredentialCreateInput,
    PartnerCredentialListQuery,
    PartnerCredentialOutput,
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
        summary="List roles",
        description="Public, no authentication needed. Answers the five roles (admin, advertiser, "
        "publisher, finance, partner) with their id and what each may do, all on one "
        "page.",
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
        summary="Sign up",
        description="Public. Creates an advertiser (the default) or publisher account and sends "
        "back the new user; it does not log in. A publisher gets a pending publisher "
        "profile and an advertiser an advertiser profile. Rate limited per client "
        "address; 409 when the email is taken.",
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
        summary="Log in for an API key",
        description="Public. Checks email and password (and `mfa_code` when the user has MFA on) "
        'and creates a new API key for that user, named `name` or "Login key". The '
        "raw key is in this answer only. Rate limited per client address and per "
        "email; failures count against the same failed-login budget as the dashboard.",
        request=LoginInput,
        responses={
            201: LoginOutput,
            401: OpenApiResponse(
                ErrorOutput,
                description="Wrong email or password (`invalid_credentials`); MFA on and no "
                "`mfa_code` (`mfa_required`) or a wrong or replayed one (`invalid_mfa_code`).",
            ),
            403: OpenApiResponse(
                ErrorOutput, description="MFA is required for this role and not set up."
            ),
        },
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
                mfa_code=data.get("mfa_code"),
            )
        except AuthenticationFailed:
            # Guessing through the API spends the dashboard's failed-login budget too (a
            # right password still waiting for its MFA code is not a failure).
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
        summary="Log out",
        description="Any signed-in user. Revokes the credential the request came with: the API "
        "key, the JWT access token (refused until it expires) or the dashboard "
        "session. A `refreshToken` of the caller sent in the body is blacklisted too.",
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
        responses={
            200: TokenResponseOutput,
            401: OpenApiResponse(
                ErrorOutput,
                description="Wrong credentials; `mfa_required` or `invalid_mfa_code` with MFA on.",
            ),
            403: OpenApiResponse(
                ErrorOutput,
                description="Staff without MFA set up while the platform requires it for staff.",
            ),
        },
        summary="Exchange credentials for a JWT pair",
        description="Send `email` + `password` for a user's pair (access token for "
        "`JWT_ACCESS_MINUTES`), or a partner's issued `api_key` + `api_secret` for a pair "
        "whose access token lasts one hour (`expires_in: 3600`). Wrong or revoked "
        "credentials answer 401; failed partner exchanges are rate limited like logins.",
        examples=[
            OpenApiExample(
                "User", value={"email": "ann@example.com", "password": "…"}, request_only=True
            ),
            OpenApiExample(
                "Partner",
                value={"api_key": "pk_live_…", "api_secret": "psk_live_…"},
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        if "api_key" in body or "api_secret" in body:
            return self._partner_pair(request, body)
        _login_rate_limits(request, str(body.get("email") or ""))
        data = validate_body(TokenInput, request)
        return _token_response(
            services.jwt_issue(
                request=request,
                email=data["email"],
                password=data["password"],
                mfa_code=data.get("mfa_code"),
            )
        )

    @staticmethod
    def _partner_pair(request, body: dict) -> Response:
        api_key = str(body.get("api_key") or "")[:64]
        partner_credentials.partner_token_limit_check(request, api_key)
        data = validate_body(TokenInput, request)
        credential = partner_credentials.partner_credential_check(
            api_key=data["api_key"], api_secret=data["api_secret"]
        )
        if credential is None:
            partner_credentials.partner_token_failure(request, api_key)
            raise AuthenticationFailed("Invalid API credentials", code="invalid_credentials")
        return _token_response(partner_credentials.partner_token_pair(credential))


class RefreshApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        tags=["Auth"],
        operation_id="auth_refresh",
        summary="Refresh a JWT pair",
        description="Public. Exchanges a refresh token (`refreshToken` or `refresh`) for a new "
        "access and refresh pair and blacklists the old refresh token. A partner's "
        "tokens stay bound to their credential. An invalid, expired or revoked token, "
        "or an inactive user, is 401.",
        request=RefreshInput,
        responses={200: TokenResponseOutput, 401: error_response(401)},
    )
    def post(self, request):
        data = validate_body(RefreshInput, request)
        return _token_response(services.jwt_refresh(raw_refresh=data["refresh"]))


class MeApi(APIView):
    @extend_schema(
        tags=["Auth"],
        operation_id="auth_me",
        summary="Get the current user",
        description="Any signed-in user (API key, JWT or session). Answers the caller's own "
        "account.",
        responses={200: envelope(UserOutput)},
    )
    def get(self, request):
        return ok(UserOutput(request.user).data)


class ApiKeyListApi(APIView):
    @extend_schema(
        tags=["API keys"],
        operation_id="api_keys_list",
        summary="List my API keys",
        description="Any signed-in user. The caller's own API keys that are not revoked, "
        "paginated. Raw keys are never shown again; only their prefix.",
        parameters=[PageQuery],
        responses={200: envelope(ApiKeyOutput, many=True)},
    )
    def get(self, request):
        return paginated(request, selectors.api_key_list(user=request.user), ApiKeyOutput)

    @extend_schema(
        tags=["API keys"],
        operation_id="api_keys_create",
        summary="Create an API key",
        description="Any signed-in user, for their own account. The raw key (`ak_live_…`) is in "
        "this answer only, and only its hash is stored.",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedOutput, 409: error_response(409)},
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
        tags=["API keys"],
        operation_id="api_keys_retrieve",
        summary="Get one of my API keys",
        description="Any signed-in user. One of the caller's own keys, revoked ones included; "
        "another user's key is 404.",
        responses={200: envelope(ApiKeyOutput)},
    )
    def get(self, request, key_id: int):
        return ok(ApiKeyOutput(self._get(request, key_id)).data)

    @extend_schema(
        tags=["API keys"],
        operation_id="api_keys_revoke",
        summary="Revoke an API key",
        description="Any signed-in user, for their own keys (others are 404). The key stops "
        "working at once; revoking a revoked key changes nothing. Answers the key.",
        responses={200: envelope(ApiKeyOutput)},
    )
    def delete(self, request, key_id: int):
        api_key = services.api_key_revoke(api_key=self._get(request, key_id))
        return ok(ApiKeyOutput(api_key).data, message="API key revoked.")


class UserListApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["Users"],
        operation_id="users_list",
        summary="List users",
        description="Admin only. Paginated, oldest first. Filter by `role`, `search` (part of the "
        "email or name) and `include_deleted` for soft-deleted users.",
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
        summary="Create a user",
        description="Admin only. Creates a user with any role (`role` or `role_id`). A publisher "
        "gets a pending publisher profile and an advertiser an advertiser profile. "
        "409 when the email is taken.",
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
        tags=["Users"],
        operation_id="users_retrieve",
        summary="Get a user",
        description="Admin only. One user that is not deleted.",
        responses={200: envelope(UserOutput)},
    )
    def get(self, request, user_id: int):
        return ok(UserOutput(self._get(user_id)).data)

    @extend_schema(
        tags=["Users"],
        operation_id="users_update",
        summary="Update a user",
        description="Admin only. Changes only the fields sent (an omitted password is kept). A "
        "new password or `is_active: false` revokes the user's API keys, partner "
        "credentials and refresh tokens. Admins cannot remove their own admin role; "
        "409 when the email is taken.",
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
        summary="Partially update a user",
        description="Admin only. The same as PUT: only the fields sent change, and a new password "
        "or `is_active: false` revokes the user's API keys, partner credentials and "
        "refresh tokens.",
        request=UserUpdateInput,
        responses={200: envelope(UserOutput), 409: error_response(409)},
    )
    def patch(self, request, user_id: int):
        return self.put(request, user_id)

    @extend_schema(
        tags=["Users"],
        operation_id="users_destroy",
        summary="Delete a user",
        description="Admin only. A soft delete: the user is deactivated and marked deleted, and "
        "their API keys, partner credentials and refresh tokens are revoked. Admins "
        "cannot delete their own account.",
        responses={200: MessageOutput, 400: error_response(400)},
    )
    def delete(self, request, user_id: int):
        services.user_soft_delete(user=self._get(user_id), actor=request.user)
        return Response({"success": True, "message": "User deleted."})


class SettingsApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["Settings"],
        operation_id="settings_retrieve",
        summary="Get platform settings",
        description="Admin only. The platform-wide settings; secrets that are set are masked.",
        responses={200: envelope(platform_settings.SettingsOutput)},
    )
    def get(self, request):
        return ok(platform_settings.settings_public())

    @extend_schema(
        tags=["Settings"],
        operation_id="settings_update",
        summary="Update platform settings",
        description="Admin only. Changes only the settings sent; sending the mask back for a "
        "secret leaves it unchanged. The change is recorded with the admin who made "
        "it. Answers all settings, secrets masked.",
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
        summary="Partially update platform settings",
        description="Admin only. The same as PUT: only the settings sent change, and the mask "
        "sent back for a secret leaves it unchanged.",
        request=platform_settings.SettingsUpdateInput,
        responses={200: envelope(platform_settings.SettingsOutput)},
    )
    def patch(self, request):
        return self.put(request)


MFA_TAGS = ["Auth"]


class MfaStatusApi(APIView):
    @extend_schema(
        tags=MFA_TAGS,
        operation_id="auth_mfa_status",
        description="Any signed-in user, about their own account: whether MFA is on, whether a "
        "setup is waiting for its first code, whether the platform requires MFA for "
        "the caller's role, and how many recovery codes are left.",
        summary="Whether MFA is on for the caller",
        responses={200: envelope(MfaStatusOutput)},
    )
    def get(self, request):
        user = request.user
        device = mfa.mfa_device(user)
        return ok(
            {
                "enabled": bool(device and device.is_confirmed),
                "pending_setup": bool(device and not device.is_confirmed),
                "required": mfa.mfa_enforced_for(user),
                "recovery_codes_left": mfa.mfa_recovery_codes_left(user),
            }
        )


class MfaSetupApi(APIView):
    @extend_schema(
        tags=MFA_TAGS,
        operation_id="auth_mfa_setup",
        summary="Start MFA setup (TOTP)",
        description="Makes a new, unconfirmed authenticator: its base32 secret, the "
        "`otpauth://` URI and that URI as a QR code (SVG data URI). MFA is on only after "
        "`auth/mfa/verify`. 409 `mfa_already_enabled` when it is on.",
        request=None,
        responses={200: envelope(MfaSetupOutput), 409: error_response(409)},
    )
    def post(self, request):
        device = mfa.mfa_setup(user=request.user)
        uri = mfa.otpauth_uri(device)
        return ok(
            {"secret": device.secret, "otpauth_uri": uri, "qr_svg": mfa.qr_svg_data_uri(uri)},
            headers=NO_STORE,
        )


class MfaVerifyApi(APIView):
    @extend_schema(
        tags=MFA_TAGS,
        operation_id="auth_mfa_verify",
        summary="Confirm MFA with a first code",
        description="A current code from the authenticator turns MFA on and answers ten "
        "one-time recovery codes, shown this once. A wrong or replayed code is 400 "
        "`invalid_mfa_code`; codes are rate limited per user (`RATELIMIT_MFA`).",
        request=MfaCodeInput,
        responses={200: envelope(MfaVerifyOutput), 409: error_response(409)},
    )
    def post(self, request):
        data = validate_body(MfaCodeInput, request)
        codes = mfa.mfa_verify(request=request, user=request.user, code=data["code"])
        return ok(
            {"enabled": True, "recovery_codes": codes},
            headers=NO_STORE,
            message="MFA enabled. Store the recovery codes: they are not shown again.",
        )


class MfaDisableApi(APIView):
    @extend_schema(
        tags=MFA_TAGS,
        operation_id="auth_mfa_disable",
        summary="Turn MFA off",
        description="Needs a current authenticator code (or an unused recovery code). 403 "
        "where the platform requires MFA for the caller's role.",
        request=MfaCodeInput,
        responses={200: MessageOutput},
    )
    def post(self, request):
        data = validate_body(MfaCodeInput, request)
        mfa.mfa_disable(request=request, user=request.user, code=data["code"])
        return Response({"success": True, "message": "MFA disabled."})


class DataExportApi(APIView):
    @extend_schema(
        tags=["Auth"],
        operation_id="auth_export",
        summary="GDPR data export of the caller",
        description="Everything the platform holds about the caller's own account as one "
        "JSON document: profile, MFA status, API keys and partner credentials (without "
        "secrets), campaigns, ads, conversion goals, publisher profile, websites, zones, "
        "webhooks (without secrets), wallets, the ledger, invoices, payouts and the audit "
        "entries about the caller. `download=1` answers it as a file.",
        parameters=[
            OpenApiParameter("download", OpenApiTypes.BOOL, description="Answer as an attachment.")
        ],
        responses={200: envelope(DataExportOutput)},
    )
    def get(self, request):
        document = privacy.user_data_export(user=request.user)
        response = ok(document, headers=NO_STORE)
        if request.query_params.get("download") in ("1", "true"):
            response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response


class UserEraseApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["Users"],
        operation_id="users_erase",
        summary="Erase a user's personal data (GDPR)",
        description="Admin only. Anonymises the account (email, name, company and billing "
        "details, publisher and payout details), revokes its API keys, tokens, partner "
        "credentials, sessions and MFA, deletes its webhooks, and keeps its money records "
        "(ledger, invoices, payouts). Not the caller's own account.",
        request=None,
        responses={200: envelope(UserOutput)},
    )
    def post(self, request, user_id: int):
        user = selectors.user_get(user_id=user_id) or User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFoundError("User not found.")
        user = privacy.user_erase(user=user, actor=request.user)
        return ok(UserOutput(user).data, message="Personal data erased.")


PARTNER_TAGS = ["Partner credentials"]
SECRET_SHOWN_ONCE = "Store this API secret securely — it will not be shown again."


class PartnerCredentialListApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=PARTNER_TAGS,
        operation_id="partner_credentials_list",
        summary="List partner credentials",
        description="Admin only. Issued pairs without their secrets; revoked ones with "
        "`include_revoked=true`.",
        parameters=[PartnerCredentialListQuery],
        responses={200: envelope(PartnerCredentialOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(PartnerCredentialListQuery, request)
        credentials = selectors.partner_credential_list(
            user_id=query.get("user_id"), include_revoked=query["include_revoked"]
        )
        return paginated(request, credentials, PartnerCredentialOutput)

    @extend_schema(
        tags=PARTNER_TAGS,
        operation_id="partner_credentials_create",
        summary="Issue a partner credential pair",
        description="Admin only. Issues an `api_key` + `api_secret` to a partner-role user; "
        "the secret is in this answer only (stored as a SHA-256 hash). The partner exchanges "
        "the pair at `POST /api/auth/token` for a one-hour JWT and acts for the advertisers "
        "whose `manager_ids` name it.",
        request=PartnerCredentialCreateInput,
        responses={201: PartnerCredentialCreatedOutput, 422: error_response(422)},
        examples=[
            OpenApiExample(
                "Issue", value={"user_id": 12, "name": "Acme integration"}, request_only=True
            )
        ],
    )
    def post(self, request):
        data = validate_body(PartnerCredentialCreateInput, request)
        credential, raw_secret = partner_credentials.partner_credential_issue(
            user_id=data["user_id"], actor=request.user, name=data["name"]
        )
        return Response(
            {
                "success": True,
                "data": {**PartnerCredentialOutput(credential).data, "api_secret": raw_secret},
                "id": credential.pk,
                "api_key": credential.api_key,
                "api_secret": raw_secret,
                "message": SECRET_SHOWN_ONCE,
            },
            status=201,
            headers=NO_STORE,
        )


class PartnerCredentialDetailApi(APIView):
    permission_classes = [IsAdmin]

    def _get(self, credential_id: int) -> PartnerCredential:
        credential = selectors.partner_credential_get(credential_id=credential_id)
        if credential is None:
            raise NotFoundError("Partner credential not found.")
        return credential

    @extend_schema(
        tags=PARTNER_TAGS,
        operation_id="partner_credentials_retrieve",
        description="Admin only. One issued pair, revoked or not, with the partner user it "
        "belongs to; the secret is never shown again.",
        summary="One partner credential (without its secret)",
        responses={200: envelope(PartnerCredentialOutput)},
    )
    def get(self, request, credential_id: int):
        return ok(PartnerCredentialOutput(self._get(credential_id)).data)

    @extend_schema(
        tags=PARTNER_TAGS,
        operation_id="partner_credentials_revoke",
        summary="Revoke a partner credential pair",
        description="Admin only. The pair stops working at once, and so does every token "
        "made from it.",
        responses={200: envelope(PartnerCredentialOutput)},
    )
    def delete(self, request, credential_id: int):
        credential = partner_credentials.partner_credential_revoke(
            credential=self._get(credential_id)
        )
        return ok(PartnerCredentialOutput(credential).data, message="Partner credential revoked.")


# The same key endpoints under auth/, where some integrators look for them; documented once.
@extend_schema(exclude=True)
class AuthApiKeyListApi(ApiKeyListApi):
    pass


@extend_schema(exclude=True)
class AuthApiKeyDetailApi(ApiKeyDetailApi):
    pass
