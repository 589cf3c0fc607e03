"""Everything under ``/api/v1/``. Each app contributes its own ``urls.py``."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from apps.common.views import api_not_found

urlpatterns = [
    path("docs-json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.inventory.urls")),
    path("", include("apps.campaigns.urls")),
    path("", include("apps.delivery.urls")),
    path("", include("apps.reporting.urls")),
    path("", include("apps.rtb.api_urls")),
    path("", include("apps.webhooks.urls")),
    path("", include("apps.billing.urls")),
    path("", include("apps.audit.urls")),
    path("", include("apps.audiences.urls")),
    # Anything else under /api/v1 is a JSON 404, never an HTML page.
    re_path(r"^.*$", api_not_found),
]
