"""The partner API under ``/api`` (seed 002); the client comes from the host or the path."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/token", api.PartnerTokenApi.as_view(), name="partner-auth-token"),
    path("campaign", api.PartnerCampaignApi.as_view(), name="partner-campaign"),
    path(
        "clients/<str:client_slug>/auth/token",
        api.ClientPartnerTokenApi.as_view(),
        name="partner-client-auth-token",
    ),
    path(
        "clients/<str:client_slug>/campaign",
        api.ClientPartnerCampaignApi.as_view(),
        name="partner-client-campaign",
    ),
]
