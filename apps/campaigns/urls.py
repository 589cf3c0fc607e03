from django.urls import path

from .api import ads, advertisers, campaigns, goals

urlpatterns = [
    path("advertisers", advertisers.AdvertiserListApi.as_view(), name="advertisers"),
    path(
        "advertisers/<id:advertiser_id>",
        advertisers.AdvertiserDetailApi.as_view(),
        name="advertiser-detail",
    ),
    path("campaigns", campaigns.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/resolve", campaigns.CampaignResolveApi.as_view(), name="campaign-resolve"),
    path(
        "campaigns/<id:campaign_id>",
        campaigns.CampaignDetailApi.as_view(),
        name="campaign-detail",
    ),
    path(
        "campaigns/<id:campaign_id>/pause",
        campaigns.CampaignPauseApi.as_view(),
        name="campaign-pause",
    ),
    path(
        "campaigns/<id:campaign_id>/resume",
        campaigns.CampaignResumeApi.as_view(),
        name="campaign-resume",
    ),
    path("ads", ads.AdListApi.as_view(), name="ads"),
    path("ads/<id:ad_id>", ads.AdDetailApi.as_view(), name="ad-detail"),
    path("ads/<id:ad_id>/approve", ads.AdApproveApi.as_view(), name="ad-approve"),
    path("ads/<id:ad_id>/reject", ads.AdRejectApi.as_view(), name="ad-reject"),
    path("conversion-goals", goals.ConversionGoalListApi.as_view(), name="conversion-goals"),
    path(
        "conversion-goals/<id:goal_id>",
        goals.ConversionGoalDetailApi.as_view(),
        name="conversion-goal-detail",
    ),
]
