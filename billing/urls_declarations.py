# Finance: declarations to the zorgkantoor (AW319), included by billing/urls.py (namespace "billing").
from django.urls import path

from billing.views.declarations import (
    declaration_answer,
    declaration_aw319,
    declaration_create,
    declaration_csv,
    declaration_detail,
    declaration_list,
    declaration_rebuild,
    declaration_run_validation,
    declaration_submit_view,
)

urlpatterns = [
    path("declaraties/", declaration_list, name="declarations"),
    path("declaraties/maken/", declaration_create, name="declaration_create"),
    path("declaraties/<int:declaration_id>/", declaration_detail, name="declaration_detail"),
    path("declaraties/<int:declaration_id>/opnieuw/", declaration_rebuild, name="declaration_rebuild"),
    path("declaraties/<int:declaration_id>/valideren/", declaration_run_validation, name="declaration_validate"),
    path("declaraties/<int:declaration_id>/indienen/", declaration_submit_view, name="declaration_submit"),
    path("declaraties/<int:declaration_id>/antwoord/", declaration_answer, name="declaration_answer"),
    path("declaraties/<int:declaration_id>/aw319/", declaration_aw319, name="declaration_aw319"),
    path("declaraties/<int:declaration_id>/csv/", declaration_csv, name="declaration_csv"),
]
