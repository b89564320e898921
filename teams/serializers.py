"""API representations of visits, their revisions and employees, and the input of the visit
endpoints (for planning systems).

Times are local (Europe/Amsterdam) "HH:MM"; a visit's `date` + `start` is when it starts.
The list views select the client and the employee with the visits, so nothing is queried
per row. Write input is strict: a field the endpoint does not know is a 400, so a planning
system that sends e.g. `status` to a PATCH learns it has to call /cancel/ instead of
having the field silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teams.models import Employee, Visit, VisitRevision

TIME_FORMAT = "%H:%M"
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
MAX_RANGE_DAYS = 92


NEW_VISIT_STATUSES = [Visit.Status.PLANNED.value, Visit.Status.DELIVERED.value]


# --- output ------------------------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id", read_only=True, help_text="Id of the client")
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    employee = serializers.IntegerField(source="employee_id", read_only=True, help_text="Id of the employee")
    employee_name = serializers.CharField(source="employee.full_name", read_only=True)
    start = serializers.TimeField(format=TIME_FORMAT, read_only=True, help_text='Local time "HH:MM"')
    status = serializers.ChoiceField(choices=Visit.Status.choices, read_only=True)
    source = serializers.ChoiceField(choices=Visit.Source.choices, read_only=True, help_text="Where the visit was created")
    activities = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="Codes of elements of the client's arrangement (menu item codes)")
    planned_minutes = serializers.IntegerField(read_only=True, allow_null=True,
                                               help_text="The planned duration, kept when the visit is confirmed with "
                                                         "its real duration; null when registered as delivered at once")

    class Meta:
        model = Visit
        fields = ["id", "client", "client_name", "employee", "employee_name", "date", "start", "duration_minutes",
                  "planned_minutes", "status", "activities", "note", "source", "external_id", "delivered_at",
                  "created_at", "updated_at"]
        read_only_fields = fields


class VisitConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.IntegerField(help_text="Id of the visit that already has this external_id")


@extend_schema_field({
    "type": "object",
    "description": "Changed fields: {field: [before, after]} (employee_id, date, start, duration_minutes, "
                   "activities, note, status)",
    "additionalProperties": {"type": "array", "items": {}, "minItems": 2, "maxItems": 2},
})
class ChangesField(serializers.JSONField):
    pass


class VisitRevisionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SerializerMethodField()
    action = serializers.CharField(read_only=True, help_text="created, changed, confirmed or cancelled")
    is_late = serializers.BooleanField(read_only=True, help_text="Made after the visit's day (a reason is required)")
    changes = ChangesField(read_only=True)

    class Meta:
        model = VisitRevision
        fields = ["id", "changed_at", "changed_by", "action", "reason", "is_late", "changes"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Name (or username) of who made the change"))
    def get_changed_by(self, revision: VisitRevision) -> str | None:
        user = revision.changed_by
        if user is None:
            return None
        return user.get_full_name() or user.get_username()


class EmployeeSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True, help_text="Id of the employee's team")
    team_name = serializers.CharField(source="team.name", read_only=True)
    role = serializers.ChoiceField(choices=Employee.Role.choices, read_only=True)
    has_user_account = serializers.SerializerMethodField()

    class Meta:
        model = Employee
        fields = ["id", "first_name", "last_name", "full_name", "team", "team_name", "role", "function_level",
                  "contract_hours", "is_active", "has_user_account"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(help_text="Logs in: may register its own visits"))
    def get_has_user_account(self, employee: Employee) -> bool:
        return employee.membership_id is not None


# --- input -----------------------------------------------------------------------------------------


class StrictInput(serializers.Serializer):
    # Refuses fields it does not know (a 400 naming them) instead of ignoring them. (A
    # comment: drf-spectacular would show a docstring as every input's description.)

    def to_internal_value(self, data: Any) -> Any:  # noqa: ANN401
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


def _activities(**kwargs: Any) -> serializers.ListField:  # noqa: ANN401
    return serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=50,
        help_text="Codes of elements of the client's arrangement in force on the date (menu item codes)", **kwargs,
    )


class VisitCreateInput(StrictInput):
    """A visit to plan or register. Fields not listed here are refused (400)."""

    client = serializers.IntegerField(help_text="Id of a client visible to the caller, in care on the date")
    employee = serializers.IntegerField(help_text="Id of an active employee (field staff: only themselves)")
    date = serializers.DateField()
    start = serializers.TimeField(input_formats=TIME_INPUT_FORMATS, help_text='Local time "HH:MM"')
    duration_minutes = serializers.IntegerField(help_text="1 to 720")
    status = serializers.ChoiceField(choices=NEW_VISIT_STATUSES, default=Visit.Status.PLANNED.value,
                                     help_text="planned: today or later; delivered: has started (registered as done)")
    activities = _activities(required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    external_id = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64,
        help_text="The planning system's id of the visit, unique per organisation: sending it again answers 409",
    )


class VisitUpdateInput(StrictInput):
    """Changes of a visit, or its confirmation as delivered. Fields not listed here (such as
    status) are refused (400)."""

    employee = serializers.IntegerField(required=False, help_text="Id of another employee to do the visit")
    date = serializers.DateField(required=False)
    start = serializers.TimeField(required=False, input_formats=TIME_INPUT_FORMATS, help_text='Local time "HH:MM"')
    duration_minutes = serializers.IntegerField(required=False, help_text="1 to 720; with confirm: the real duration")
    activities = _activities(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    confirm = serializers.BooleanField(required=False, default=False,
                                       help_text="Confirm a planned visit as delivered (it has started)")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                   help_text="Why; required once the visit's day has passed")


class VisitCancelInput(StrictInput):
    """Why the visit is cancelled."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                   help_text="Why; required once the visit's day has passed")


class VisitListParams(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD); default: Monday of this week")
    date_to = serializers.DateField(
        required=False, help_text=f"Last day, at most {MAX_RANGE_DAYS} days from date_from; default: date_from + 6 days"
    )
    employee = serializers.IntegerField(required=False, help_text="Only visits of this employee")
    client = serializers.IntegerField(required=False, help_text="Only visits to this client")
    team = serializers.IntegerField(required=False, help_text="Only visits to clients of this team (primary team)")
    status = serializers.ChoiceField(choices=Visit.Status.choices, required=False)
    external_id = serializers.CharField(required=False, max_length=64, help_text="The visit with this external id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from is None and date_to is None:
            today = timezone.localdate()
            date_from = today - dt.timedelta(days=today.weekday())
        if date_from is None:
            date_from = date_to - dt.timedelta(days=6)
        if date_to is None:
            date_to = date_from + dt.timedelta(days=6)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"date_to": [_("Ask for at most %(n)d days at a time.") % {"n": MAX_RANGE_DAYS}]})
        attrs["date_from"], attrs["date_to"] = date_from, date_to
        return attrs


class EmployeeListParams(serializers.Serializer):
    team = serializers.IntegerField(required=False, help_text="Only employees of this team")
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: only active employees, false: only inactive; default both")
