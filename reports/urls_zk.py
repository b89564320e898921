# Zorgkantoor side: review inbox, reports, comparison, region overview, at /zorgkantoor/ (namespace "zk").
from django.urls import path

from reports.views import pdf, zk

app_name = "zk"
urlpatterns = [
    path("", zk.inbox, name="inbox"),
    path("rapportages/<int:providerreport_id>/", zk.detail, name="detail"),
    path("rapportages/<int:providerreport_id>/beoordelen/", zk.start_review, name="start_review"),
    path("rapportages/<int:providerreport_id>/goedkeuren/", zk.approve, name="approve"),
    path("rapportages/<int:providerreport_id>/verduidelijking/", zk.clarify, name="clarify"),
    path("rapportages/<int:providerreport_id>/opmerking/", zk.comment_add, name="comment_add"),
    path("rapportages/<int:providerreport_id>/pdf/", pdf.zk_report_pdf, name="pdf"),
    path("vergelijken/", zk.compare, name="compare"),
    path("regio/", zk.region_page, name="region"),
    path("regio/export/", zk.region_export, name="region_export"),
    path("regio/pdf/", pdf.zk_region_pdf, name="region_pdf"),
    path("contracten/", zk.contracts, name="contracts"),
]
