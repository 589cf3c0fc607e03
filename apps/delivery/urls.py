from django.urls import path

from . import views

urlpatterns = [
    path("serve/<str:zone_uuid>", views.serve, name="serve"),
    path("serve/<str:zone_uuid>/iframe", views.serve_iframe, name="serve-iframe"),
    path("serve/<str:zone_uuid>/image", views.serve_image, name="serve-image"),
    path("serve/<str:zone_uuid>/click", views.serve_click, name="serve-click"),
    path("serve/<str:zone_uuid>/vast", views.serve_vast, name="serve-vast"),
]
