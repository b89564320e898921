# Alarm KPIs per team and month; mounted at /alarmen/rapportage/ (namespace "alarm_reports").
# One route: the page, and with ?format=csv or ?format=pdf its exports.
from django.urls import path

from alarms.views import reports

app_name = "alarm_reports"
urlpatterns = [
    path("", reports.month_kpis, name="month"),
]
