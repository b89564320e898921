# Per-client arrangement pages, mounted at /clienten/<client_id>/arrangement/ (namespace "arrangements").
from django.urls import path

from arrangements.views.arrangements import (
    arrangement_activate_view,
    arrangement_builder,
    arrangement_create,
    arrangement_detail,
    arrangement_discard_view,
    arrangement_version,
    line_add_view,
    line_remove_view,
    line_update_view,
)
from arrangements.views.pdf import arrangement_pdf

app_name = "arrangements"
urlpatterns = [
    path("", arrangement_detail, name="detail"),
    path("nieuw/", arrangement_create, name="create"),
    path("<int:arrangement_id>/", arrangement_version, name="version"),
    path("<int:arrangement_id>/bouwen/", arrangement_builder, name="builder"),
    path("<int:arrangement_id>/regels/", line_add_view, name="line_add"),
    path("<int:arrangement_id>/regels/<int:arrangementline_id>/", line_update_view, name="line_update"),
    path("<int:arrangement_id>/regels/<int:arrangementline_id>/verwijderen/", line_remove_view, name="line_remove"),
    path("<int:arrangement_id>/activeren/", arrangement_activate_view, name="activate"),
    path("<int:arrangement_id>/verwijderen/", arrangement_discard_view, name="discard"),
    path("<int:arrangement_id>/pdf/", arrangement_pdf, name="pdf"),
]
