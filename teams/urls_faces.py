"""A client's fixed faces and primary coach (mounted at /clienten/<client_id>/vaste-gezichten/)."""

from django.urls import path

from teams.views import faces as views

app_name = "faces"
urlpatterns = [
    path("", views.faces_edit, name="edit"),
    path("toevoegen/", views.faces_add, name="add"),
    path("<int:fixedface_id>/verwijderen/", views.faces_remove, name="remove"),
    path("coach/", views.coach_set, name="coach"),
]
