# Visits: the planners' list, planning, one visit with its history, cancelling; mounted at
# /bezoeken/ (namespace "visits").
from django.urls import path

from teams.views import visits

app_name = "visits"
urlpatterns = [
    path("", visits.visit_list, name="list"),
    path("nieuw/", visits.visit_create, name="create"),
    path("<int:visit_id>/", visits.visit_detail, name="detail"),
    path("<int:visit_id>/annuleren/", visits.visit_cancel, name="cancel"),
]
