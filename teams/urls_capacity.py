# Capacity and realisation per team and ISO week; mounted at /capaciteit/ (namespace "capacity").
from django.urls import path

from teams.views import capacity

app_name = "capacity"
urlpatterns = [
    path("", capacity.overview, name="overview"),
    path("<int:team_id>/", capacity.team, name="team"),
]
