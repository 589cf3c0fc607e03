"""The OpenRTB endpoints (mounted at the site root; they take the hot-path lane)."""

from django.urls import path

from . import notice_views, views

urlpatterns = [
    path("openrtb/2.6/bid", views.bid, name="openrtb-bid"),
    path("openrtb/2.6/win", notice_views.win, name="openrtb-win"),
    path("openrtb/2.6/billing", notice_views.billing, name="openrtb-billing"),
    path("openrtb/2.6/loss", notice_views.loss, name="openrtb-loss"),
    path(
        "openrtb/2.6/partner-impression",
        notice_views.partner_impression,
        name="openrtb-partner-impression",
    ),
]
