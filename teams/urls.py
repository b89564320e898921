"""Teams, employees and the rates per function level (mounted at /teams/)."""

from django.urls import path

from teams.views import teams as views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("nieuw/", views.team_create, name="create"),
    path("tarieven/", views.rates, name="rates"),
    path("medewerkers/nieuw/", views.employee_create, name="employee_create"),
    path("medewerkers/<int:employee_id>/", views.employee_edit, name="employee_edit"),
    path("<int:team_id>/", views.team_detail, name="detail"),
    path("<int:team_id>/bewerken/", views.team_edit, name="edit"),
]
