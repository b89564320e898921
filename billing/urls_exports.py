# Finance: exports pages, included by billing/urls.py (namespace "billing", mounted at /financien/).
from django.urls import path

from billing.views.exports import export_client_search, export_detail, export_download, export_list

urlpatterns = [
    path("exports/", export_list, name="exports"),
    path("exports/clienten/", export_client_search, name="export_client_search"),
    path("exports/<int:exportjob_id>/", export_detail, name="export_detail"),
    path("exports/<int:exportjob_id>/download/", export_download, name="export_download"),
]
