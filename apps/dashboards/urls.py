"""Server-rendered dashboards. Each role's pages live in their own package."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard_home, name="dashboard"),
    path("accounts/", include("apps.dashboards.accounts.urls")),
    path("advertiser/", include("apps.dashboards.advertiser.urls")),
    path("publisher/", include("apps.dashboards.publisher.urls")),
    path("staff/", include("apps.dashboards.staff.urls")),
    path("finance/", include("apps.dashboards.finance.urls")),
    path("billing/", include("apps.dashboards.billing.urls")),
]
