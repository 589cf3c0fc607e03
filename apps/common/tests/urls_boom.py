"""Tests-only URLconf: the real URLs plus views that fail, to check the 500 envelope."""

from django.urls import include, path
from rest_framework.views import APIView


def boom(request):
    raise RuntimeError("secret-internal-detail: database password is hunter2")


class BoomApi(APIView):
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("secret-internal-detail from a DRF view")


urlpatterns = [
    path("api/v1/boom", boom),
    path("api/v1/boom-drf", BoomApi.as_view()),
    path("", include("adplatform.urls")),
]
