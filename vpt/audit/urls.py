from django.urls import path

from vpt.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("<int:accesslog_id>/", views.entry, name="entry"),
]
