"""The coach's Today view, at /vandaag/."""

from django.urls import path

from teams.views import today as views

app_name = "today"
urlpatterns = [
    path("", views.today, name="today"),
    path("bezoek/<int:visit_id>/geleverd/", views.confirm, name="confirm"),
    path("registreer/<int:client_id>/", views.register, name="register"),
]
