from django.urls import path

from . import api

urlpatterns = [
    path("publishers", api.PublisherListApi.as_view(), name="publishers"),
    path("publishers/<id:publisher_id>", api.PublisherDetailApi.as_view(), name="publisher-detail"),
    path(
        "publishers/<id:publisher_id>/approve",
        api.PublisherApproveApi.as_view(),
        name="publisher-approve",
    ),
    path(
        "publishers/<id:publisher_id>/reject",
        api.PublisherRejectApi.as_view(),
        name="publisher-reject",
    ),
    path("websites", api.WebsiteListApi.as_view(), name="websites"),
    path("websites/<id:website_id>", api.WebsiteDetailApi.as_view(), name="website-detail"),
    path("zones", api.ZoneListApi.as_view(), name="zones"),
    path("zones/<id:zone_id>", api.ZoneDetailApi.as_view(), name="zone-detail"),
    path("zones/<id:zone_id>/embed", api.ZoneEmbedApi.as_view(), name="zone-embed"),
]
