"""The alarm inbox, at /alarmen/ (alarms:*). The alarm setup and the reports live under
/alarmen/instellingen/ and /alarmen/rapportage/ (their own url modules)."""

from django.urls import path

from alarms.views import inbox as views

app_name = "alarms"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("lijst/", views.inbox_list, name="inbox_list"),
    path("nieuw/", views.create, name="create"),
    path("<int:alarm_id>/", views.detail, name="detail"),
    path("<int:alarm_id>/bevestigen/", views.acknowledge, name="acknowledge"),
    path("<int:alarm_id>/ter-plaatse/", views.on_site, name="on_site"),
    path("<int:alarm_id>/afhandelen/", views.resolve, name="resolve"),
]
