from django.contrib import admin
from django.urls import include, path, re_path

from apps.common.views import api_not_found, home
from apps.delivery.demo_views import demo_page

admin.site.site_header = "Ad Platform administration"
admin.site.site_title = "Ad Platform admin"

urlpatterns = [
    path("", home, name="home"),
    path("demo/", demo_page, name="demo"),
    path("admin/", admin.site.urls),
    path("", include("apps.dashboards.urls")),
    path("api/v1/", include("adplatform.api_urls")),
    # OpenRTB 2.6 (bid endpoint and notices), on the hot-path lane like serve and tracking.
    path("", include("apps.rtb.urls")),
    re_path(r"^api/.*$", api_not_found),
]
