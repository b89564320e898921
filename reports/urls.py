# Provider side: the provider's reports to its zorgkantoor, at /rapportages/ (namespace "reports").
from django.urls import path

from reports.views import pdf, provider

app_name = "reports"
urlpatterns = [
    path("", provider.report_list, name="list"),
    path("nieuw/", provider.report_create, name="create"),
    path("<int:providerreport_id>/", provider.report_detail, name="detail"),
    path("<int:providerreport_id>/herberekenen/", provider.report_recompute, name="recompute"),
    path("<int:providerreport_id>/verwijderen/", provider.report_delete, name="delete"),
    path("<int:providerreport_id>/indienen/", provider.report_submit, name="submit"),
    path("<int:providerreport_id>/opnieuw-indienen/", provider.report_resubmit, name="resubmit"),
    path("<int:providerreport_id>/opmerkingen/<int:reportcomment_id>/antwoord/", provider.comment_answer,
         name="comment_answer"),
    path("<int:providerreport_id>/pdf/", pdf.provider_report_pdf, name="pdf"),
]
