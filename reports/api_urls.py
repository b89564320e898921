"""Report API routes, included at /api/v1/ (namespace "api-v1")."""

from django.urls import path

from reports import api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="report-list"),
    path("reports/<int:providerreport_id>/", api.ReportDetailApi.as_view(), name="report-detail"),
]
