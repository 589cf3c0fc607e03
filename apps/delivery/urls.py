from django.urls import path

from . import views

urlpatterns = [
    path("serve/<str:zone_uuid>", views.serve, name="serve"),
    path("serve/<str:zone_uuid>/iframe", views.serve_iframe, name="serve-iframe"),
    path("serve/<str:zone_uuid>/image", views.serve_image, name="serve-image"),
    path("serve/<str:zone_uuid>/click", views.serve_click, name="serve-click"),
    path("serve/<str:zone_uuid>/vast", views.serve_vast, name="serve-vast"),
]

from . import tracking  # noqa: E402

urlpatterns += [
    path("track/impression", tracking.impression, name="track-impression"),
    path("track/impression/pixel", tracking.impression_pixel, name="track-impression-pixel"),
    path("track/click", tracking.click, name="track-click"),
    path("track/conversion", tracking.conversion, name="track-conversion"),
    path("track/conversion/pixel", tracking.conversion_pixel, name="track-conversion-pixel"),
    path("track/viewable", tracking.viewable, name="track-viewable"),
    path("track/video", tracking.video, name="track-video"),
]

from apps.audiences.pixel import segment_pixel  # noqa: E402

urlpatterns += [
    path(
        "track/segment/<str:segment_uuid>/pixel",
        segment_pixel,
        name="track-segment-pixel",
    ),
]
