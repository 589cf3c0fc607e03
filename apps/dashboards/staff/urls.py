from django.urls import path

from . import browse, partner_credentials, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("approvals/", views.approvals, name="approvals"),
    path(
        "approvals/publishers/<int:publisher_id>/<str:decision>/",
        views.publisher_decide,
        name="publisher_decide",
    ),
    path("approvals/ads/<int:ad_id>/<str:decision>/", views.ad_decide, name="ad_decide"),
    path("advertisers/", browse.advertisers, name="advertisers"),
    path("campaigns/", browse.campaigns, name="campaigns"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path(
        "users/<int:user_id>/deactivate/",
        views.user_set_active,
        {"active": False},
        name="user_deactivate",
    ),
    path(
        "users/<int:user_id>/activate/",
        views.user_set_active,
        {"active": True},
        name="user_activate",
    ),
    path("settings/", views.platform_settings, name="settings"),
    path(
        "partner-credentials/",
        partner_credentials.partner_credentials,
        name="partner_credentials",
    ),
    path(
        "partner-credentials/<int:credential_id>/revoke/",
        partner_credentials.partner_credential_revoke,
        name="partner_credential_revoke",
    ),
    path("django-admin/", views.admin_links, name="admin_links"),
]
