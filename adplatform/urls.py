from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from apps.common.metrics import metrics_view
from apps.common.views import api_not_found, home
from apps.delivery.demo_views import demo_page
from apps.delivery.health import healthz, readyz

admin.site.site_header = "Ad Platform administration"
admin.site.site_title = "Ad Platform admin"

urlpatterns = [
    path("", home, name="home"),
    path("demo/", demo_page, name="demo"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Browsers (and Django admin pages, which link no icon) ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg")),
    path("admin/", admin.site.urls),
    path("", include("apps.dashboards.urls")),
    path("api/v1/", include("adplatform.api_urls")),
    # The partner API (seed 002): /api/auth/token, /api/campaign, /api/clients/{slug}/…
    path("api/", include("apps.partners.urls")),
    # OpenRTB 2.6 (bid endpoint and notices), on the hot-path lane like serve and tracking.
    path("", include("apps.rtb.urls")),
    re_path(r"^api/.*$", api_not_found),
]
