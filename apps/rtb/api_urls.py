from django.urls import path

from . import api

urlpatterns = [path("reports/rtb", api.RtbReportApi.as_view(), name="reports-rtb")]
