from django.urls import path

from . import mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/mfa/", mfa_views.login_mfa, name="login_mfa"),
    path("mfa/setup/", mfa_views.mfa_setup, name="mfa_setup"),
    path("mfa/disable/", mfa_views.mfa_disable, name="mfa_disable"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/export/", views.profile_export, name="profile_export"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<uuid:webhook_uuid>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<uuid:webhook_uuid>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<uuid:webhook_uuid>/test/", views.webhook_test, name="webhook_test"),
    path(
        "webhooks/<uuid:webhook_uuid>/rotate-secret/",
        views.webhook_rotate_secret,
        name="webhook_rotate_secret",
    ),
    path(
        "webhooks/<uuid:webhook_uuid>/deliveries/<uuid:delivery_uuid>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
