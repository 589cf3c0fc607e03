from django.urls import path

from .. import history
from . import views

app_name = "publisher"

urlpatterns = [
    path("", views.home, name="home"),
    path("websites/", views.websites, name="websites"),
    path("websites/new/", views.website_create, name="website_create"),
    path("websites/<int:website_id>/", views.website_detail, name="website_detail"),
    path("websites/<int:website_id>/edit/", views.website_edit, name="website_edit"),
    path("websites/<int:website_id>/zones/new/", views.zone_create, name="zone_create"),
    path("zones/", views.zones, name="zones"),
    path("zones/<int:zone_id>/", views.zone_detail, name="zone_detail"),
    path("zones/<int:zone_id>/edit/", views.zone_edit, name="zone_edit"),
    path("zones/<int:zone_id>/history/", history.zone_history, name="zone_history"),
    path("reports/", views.reports, name="reports"),
    path("payout/", views.payout, name="payout"),
]
