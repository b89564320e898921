"""Client API routes, included at /api/v1/ (namespace "api-v1")."""

from django.urls import path

from clients import apis

urlpatterns = [
    path("clients/", apis.ClientListApi.as_view(), name="client_list"),
    path("clients/<int:client_id>/", apis.ClientDetailApi.as_view(), name="client_detail"),
    path("clients/<int:client_id>/indications/", apis.ClientIndicationsApi.as_view(), name="client_indications"),
]
