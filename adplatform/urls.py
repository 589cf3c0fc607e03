from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from apps.common.views import api_not_found, home
from apps.delivery.demo_views import demo_page

admin.site.site_header = "Ad Platform administration"
admin.site.site_title = "Ad Platform admin"

urlpatterns = [
    path("", home, name="home"),
    path("demo/", demo_page, name="demo"),
    # Browsers (and Django admin pages, which link no icon) ask for /favicon.ico.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg")),
    path("admin/", admin.site.urls),
    path("", include("apps.dashboards.urls")),
    path("api/v1/", include("adplatform.api_urls")),
    re_path(r"^api/.*$", api_not_found),
]
