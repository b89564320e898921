# Finance: tariff tables and contracts, mounted at /financien/ (namespace "billing").
from django.urls import path

from billing.views import contract_create, contract_detail, contract_list, tariff_list

app_name = "billing"
urlpatterns = [
    path("tarieven/", tariff_list, name="tariffs"),
    path("contracten/", contract_list, name="contracts"),
    path("contracten/nieuw/", contract_create, name="contract_create"),
    path("contracten/<int:contract_id>/", contract_detail, name="contract_detail"),
]
