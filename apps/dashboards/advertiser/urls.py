from django.urls import path

from .. import history
from . import intake
from .views import ads, campaigns, goals, reports

app_name = "advertiser"

urlpatterns = [
    path("", campaigns.campaign_list, name="home"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:campaign_id>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/status/", campaigns.campaign_status, name="campaign_status"),
    path("campaigns/<int:campaign_id>/finish/", intake.campaign_finish, name="campaign_finish"),
    path("campaigns/<int:campaign_id>/history/", history.campaign_history, name="campaign_history"),
    path("ads/<int:ad_id>/history/", history.ad_history, name="ad_history"),
    path("ads/", ads.ad_list, name="ads"),
    path("ads/new/", ads.ad_create, name="ad_create"),
    path("ads/preview/", ads.ad_preview, name="ad_preview"),
    path("ads/<int:ad_id>/edit/", ads.ad_edit, name="ad_edit"),
    path("ads/<int:ad_id>/status/", ads.ad_status, name="ad_status"),
    path("ads/<int:ad_id>/delete/", ads.ad_delete, name="ad_delete"),
    path("goals/", goals.goal_list, name="goals"),
    path("goals/<int:goal_id>/", goals.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/delete/", goals.goal_delete, name="goal_delete"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export.csv", reports.reports_csv, name="reports_csv"),
]
