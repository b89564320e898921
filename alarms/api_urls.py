"""Alarm intake API routes (signed requests of alarm centres and device platforms),
included at /api/v1/ (namespace "api-v1"). Protocol: docs/alarm-intake.md."""

from django.urls import path

from alarms import intake

urlpatterns = [
    path("alarm-intake/events/", intake.AlarmEventIntakeApi.as_view(), name="alarm_intake_event"),
    path("alarm-intake/heartbeat/", intake.AlarmHeartbeatIntakeApi.as_view(), name="alarm_intake_heartbeat"),
]
