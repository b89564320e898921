"""A client's devices (mounted at /clienten/<int:client_id>/apparaten/)."""

from django.urls import path

from alarms.views import devices as views

app_name = "devices"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("nieuw/", views.device_create, name="create"),
    path("<int:device_id>/", views.device_edit, name="edit"),
]
