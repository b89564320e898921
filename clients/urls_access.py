"""The client's right of inspection: who accessed this client's record (NEN 7513)."""

from django.urls import path

from clients.views.access import client_access_log, client_access_log_csv, client_access_log_pdf

urlpatterns = [
    path("<int:client_id>/toegang/", client_access_log, name="access_log"),
    path("<int:client_id>/toegang/csv/", client_access_log_csv, name="access_log_csv"),
    path("<int:client_id>/toegang/pdf/", client_access_log_pdf, name="access_log_pdf"),
]
