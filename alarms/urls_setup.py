"""The alarm setup: policy and alarm centres (mounted at /alarmen/instellingen/)."""

from django.urls import path

from alarms.views import setup as views

app_name = "alarm_setup"
urlpatterns = [
    path("", views.index, name="index"),
    path("centrales/nieuw/", views.centre_create_view, name="centre_create"),
    path("centrales/<int:alarmcentre_id>/", views.centre_edit, name="centre_edit"),
    path("centrales/<int:alarmcentre_id>/nieuw-geheim/", views.centre_new_secret, name="centre_new_secret"),
]
