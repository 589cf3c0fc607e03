from django.urls import path

from . import api

urlpatterns = [
    path("segments", api.SegmentListApi.as_view(), name="segments"),
    path("segments/<int:segment_id>", api.SegmentDetailApi.as_view(), name="segment-detail"),
    path("audiences", api.AudienceListApi.as_view(), name="audiences"),
    path(
        "audiences/lookalike-estimate",
        api.LookalikeEstimateApi.as_view(),
        name="audience-lookalike-estimate",
    ),
    path("audiences/<int:audience_id>", api.AudienceDetailApi.as_view(), name="audience-detail"),
    path(
        "audiences/<int:audience_id>/rebuild",
        api.AudienceRebuildApi.as_view(),
        name="audience-rebuild",
    ),
    path(
        "audiences/<int:audience_id>/uploads",
        api.AudienceUploadListApi.as_view(),
        name="audience-uploads",
    ),
    path(
        "audiences/<int:audience_id>/uploads/<int:upload_id>",
        api.AudienceUploadDetailApi.as_view(),
        name="audience-upload-detail",
    ),
    path("consent", api.ConsentListApi.as_view(), name="consent"),
    path("consent/stats", api.ConsentStatsApi.as_view(), name="consent-stats"),
    path(
        "websites/<int:website_id>/consent-settings",
        api.WebsiteConsentSettingsApi.as_view(),
        name="website-consent-settings",
    ),
    path("privacy/users/<str:user_key>", api.PrivacyUserApi.as_view(), name="privacy-user"),
]
