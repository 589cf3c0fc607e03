from django.urls import path

from . import api

urlpatterns = [
    path("publishers", api.PublisherListApi.as_view(), name="publishers"),
    path(
        "publishers/<int:publisher_id>", api.PublisherDetailApi.as_view(), name="publisher-detail"
    ),
    path(
        "publishers/<int:publisher_id>/approve",
        api.PublisherApproveApi.as_view(),
        name="publisher-approve",
    ),
    path(
        "publishers/<int:publisher_id>/reject",
        api.PublisherRejectApi.as_view(),
        name="publisher-reject",
    ),
    path("websites", api.WebsiteListApi.as_view(), name="websites"),
    path("websites/<int:website_id>", api.WebsiteDetailApi.as_view(), name="website-detail"),
    path("zones", api.ZoneListApi.as_view(), name="zones"),
    path("zones/<int:zone_id>", api.ZoneDetailApi.as_view(), name="zone-detail"),
    path("zones/<int:zone_id>/embed", api.ZoneEmbedApi.as_view(), name="zone-embed"),
]
