# Finance: tariff tables, contracts and iWlz notifications, mounted at /financien/ (namespace "billing").
from django.urls import path

from billing import urls_declarations, urls_exports, urls_runs
from billing.views import (
    contract_create,
    contract_detail,
    contract_list,
    notification_list,
    notification_mark_sent,
    notification_xml,
    tariff_list,
)

app_name = "billing"
urlpatterns = [
    path("tarieven/", tariff_list, name="tariffs"),
    path("contracten/", contract_list, name="contracts"),
    path("contracten/nieuw/", contract_create, name="contract_create"),
    path("contracten/<int:contract_id>/", contract_detail, name="contract_detail"),
    path("iwlz/", notification_list, name="iwlz"),
    path("iwlz/<int:carenotification_id>/xml/", notification_xml, name="iwlz_xml"),
    path("iwlz/<int:carenotification_id>/verzonden/", notification_mark_sent, name="iwlz_mark_sent"),
]
urlpatterns += urls_runs.urlpatterns + urls_declarations.urlpatterns + urls_exports.urlpatterns
