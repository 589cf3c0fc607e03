from django.urls import path

from . import api

urlpatterns = [
    path("roles", api.RolesApi.as_view(), name="roles"),
    path("auth/signup", api.SignupApi.as_view(), name="auth-signup"),
    path("auth/login", api.LoginApi.as_view(), name="auth-login"),
    path("auth/logout", api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/token", api.TokenApi.as_view(), name="auth-token"),
    path("auth/refresh", api.RefreshApi.as_view(), name="auth-refresh"),
    path("auth/me", api.MeApi.as_view(), name="auth-me"),
    path("auth/export", api.DataExportApi.as_view(), name="auth-export"),
    path("auth/mfa", api.MfaStatusApi.as_view(), name="auth-mfa"),
    path("auth/mfa/setup", api.MfaSetupApi.as_view(), name="auth-mfa-setup"),
    path("auth/mfa/verify", api.MfaVerifyApi.as_view(), name="auth-mfa-verify"),
    path("auth/mfa/disable", api.MfaDisableApi.as_view(), name="auth-mfa-disable"),
    path("api-keys", api.ApiKeyListApi.as_view(), name="api-keys"),
    path("api-keys/<id:key_id>", api.ApiKeyDetailApi.as_view(), name="api-key-detail"),
    path("auth/api-keys", api.AuthApiKeyListApi.as_view(), name="auth-api-keys"),
    path(
        "auth/api-keys/<id:key_id>", api.AuthApiKeyDetailApi.as_view(), name="auth-api-key-detail"
    ),
    path("users", api.UserListApi.as_view(), name="users"),
    path("users/<id:user_id>", api.UserDetailApi.as_view(), name="user-detail"),
    path("users/<id:user_id>/erase", api.UserEraseApi.as_view(), name="user-erase"),
    path("settings", api.SettingsApi.as_view(), name="settings"),
    path(
        "partner-credentials",
        api.PartnerCredentialListApi.as_view(),
        name="partner-credentials",
    ),
    path(
        "partner-credentials/<id:credential_id>",
        api.PartnerCredentialDetailApi.as_view(),
        name="partner-credential-detail",
    ),
]
