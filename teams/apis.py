"""Visit API (v1), for integration with planning systems: list, plan or register, change,
confirm and cancel visits, read their history, and map the organisation's staff.

The same services and rules as the visit pages (teams.services): visits of one employee
never overlap, activities come from the client's arrangement in force on the date, a
delivered visit cannot start in the future, a change after the visit's day needs a reason
and every change is kept as a revision.

Permissions: `IsTenantMember` with `required_perm`: Perm.VIEW_CLIENTS to read,
Perm.REGISTER_VISITS to write. Field staff write only their own visits, planners
(Perm.PLAN_VISITS) those of any employee of their teams: the service refuses the rest
(403). Visits are those of the clients the member may see; the visit named in the URL is
looked up in `initial()`, before the method is dispatched: a visit of another organisation
or of another team's client is 404 whatever the method. Clients and employees named in the
body are looked up the same way; one the member cannot see is a 400 on that field.

Idempotency: `external_id` is unique per organisation; a POST with an external_id that
already exists answers 409 with the id of the existing visit and changes nothing, so a
planning system may safely repeat a POST whose answer it did not receive.

Access log (NEN 7513): one SEARCH entry per list request, one VIEW entry per visit or
history read; the writes are logged by the services. The employee list is no client data
and is not logged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from clients.models import Client
from clients.selectors import visible_clients
from teams import selectors, services
from teams.models import Employee, Visit, VisitRevision
from teams.serializers import (
    EmployeeListParams,
    EmployeeSerializer,
    VisitCancelInput,
    VisitConflictSerializer,
    VisitCreateInput,
    VisitListParams,
    VisitRevisionSerializer,
    VisitSerializer,
    VisitUpdateInput,
)
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.service_errors import call_service
from vpt.tenancy.roles import Perm

VALIDATION_ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="The input or a rule of visits is not met: {field: [messages]}, or non_field_errors",
    examples=[OpenApiExample("overlap", value={
        "start": ["Cora Coach already has a visit to Jan Noorderling from 09:00 to 09:45."]})],
)
PARAMS_ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="A query parameter is malformed: {parameter: [messages]}",
    examples=[OpenApiExample("range", value={"date_to": ["Ask for at most 92 days at a time."]})],
)
FORBIDDEN = OpenApiResponse(description="No permission: the role may not do this, or field staff acting for "
                                        "another employee (field staff register only their own visits)")
NOT_FOUND = OpenApiResponse(description="No such visit among the visits the caller may see (another organisation "
                                        "or another team's client)")
CONFLICT = OpenApiResponse(response=VisitConflictSerializer,
                           description="A visit with this external_id already exists; nothing was changed. "
                                       "`id` is the existing visit's id (fetch or PATCH it instead).")


def _visible_client(request: Request, client_id: int) -> Client:
    client = visible_clients(request._request.membership).filter(pk=client_id).first()
    if client is None:
        raise serializers.ValidationError({"client": [_("Choose a client you may see.")]})
    return client


def _visible_employee(request: Request, employee_id: int) -> Employee:
    employee = selectors.visible_employees(request._request.membership).filter(pk=employee_id).first()
    if employee is None:
        raise serializers.ValidationError({"employee": [_("Choose an employee of your teams.")]})
    return employee


def _conflict(visit_id: int) -> Response:
    data = {"detail": _("A visit with this external id already exists."), "id": visit_id}
    return Response(VisitConflictSerializer(data).data, status=status.HTTP_409_CONFLICT)


class VisitApi(generics.GenericAPIView):
    # Base: reading needs VIEW_CLIENTS, writing REGISTER_VISITS; the visit named in the URL
    # is looked up before the method runs. (A comment, not a docstring: drf-spectacular
    # would show a docstring as the description of every operation.)

    serializer_class = VisitSerializer

    @property
    def required_perm(self) -> str:
        request = getattr(self, "request", None)
        if request is None or request.method in SAFE_METHODS:
            return Perm.VIEW_CLIENTS
        return Perm.REGISTER_VISITS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        self.visit: Visit | None = None
        if "visit_id" in kwargs:
            self.visit = selectors.access_visit_by_id(request._request, kwargs["visit_id"])

    def log_view(self, description: str) -> None:
        record_access(action=AccessLog.Action.VIEW, request=self.request._request, client_id=self.visit.client_id,
                      obj=self.visit, description=description)


@extend_schema_view(
    get=extend_schema(
        summary="Visits to the caller's clients in a date range",
        description="Visits of the clients the caller may see, ordered by date and start. Default range: this "
                    "week (Monday to Sunday); at most 92 days per request. Cancelled visits are included "
                    "unless a status is asked for.",
        parameters=[VisitListParams],
        responses={200: VisitSerializer(many=True), 400: PARAMS_ERROR, 403: FORBIDDEN},
    ),
    post=extend_schema(
        summary="Plan a visit, or register one as delivered",
        description="Field staff register their own visits; planners plan and register for every employee of "
                    "their teams. A planned visit is for today or later; a delivered one has started. "
                    "Idempotent on external_id: repeating a POST with an existing external_id answers 409 "
                    "with the existing visit's id.",
        request=VisitCreateInput,
        responses={201: VisitSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 409: CONFLICT},
    ),
)
class VisitListApi(VisitApi, generics.ListAPIView):
    def get_queryset(self) -> QuerySet[Visit]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation: no request data
            return Visit.objects.none()
        params = VisitListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        self.range = (values["date_from"], values["date_to"])
        visits = (
            selectors.visible_visits(self.request._request.membership)
            .filter(date__gte=values["date_from"], date__lte=values["date_to"])
            .select_related("client", "employee")
            .order_by("date", "start", "pk")
        )
        filters = {"employee_id": values.get("employee"), "client_id": values.get("client"),
                   "client__primary_team_id": values.get("team"), "status": values.get("status"),
                   "external_id": values.get("external_id")}
        return visits.filter(**{name: value for name, value in filters.items() if value not in (None, "")})

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # noqa: ANN401
        response = super().list(request, *args, **kwargs)
        date_from, date_to = self.range
        record_access(action=AccessLog.Action.SEARCH, request=request._request, object_type="teams.visit",
                      description=f"API visit list {date_from:%Y-%m-%d} to {date_to:%Y-%m-%d}, "
                                  f"page {request.query_params.get('page', '1')[:10]}")
        return response

    def post(self, request: Request) -> Response:
        data = VisitCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        membership = request._request.membership
        external_id = values.pop("external_id").strip()
        if external_id:
            existing = Visit.objects.filter(organization=membership.organization, external_id=external_id).first()
            if existing is not None:
                return _conflict(existing.pk)
        client = _visible_client(request, values.pop("client"))
        employee = _visible_employee(request, values.pop("employee"))
        delivered = values.pop("status") == Visit.Status.DELIVERED
        try:
            visit = call_service(services.visit_create, acting=membership, client=client, employee=employee,
                                 delivered=delivered, external_id=external_id, source=Visit.Source.API,
                                 request=request._request, **values)
        except serializers.ValidationError as exc:
            # Another request created the same external_id meanwhile: the same 409.
            if external_id and isinstance(exc.detail, dict) and "external_id" in exc.detail:
                existing = Visit.objects.filter(organization=membership.organization, external_id=external_id).first()
                if existing is not None:
                    return _conflict(existing.pk)
            raise
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One visit", description="A visit to a client the caller may see.",
                      responses={200: VisitSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
    patch=extend_schema(
        summary="Change a visit, or confirm it as delivered",
        description="Changes employee, date, start, duration_minutes, activities and note. "
                    '`{"confirm": true, "duration_minutes": 50}` confirms a planned visit as delivered with its '
                    "real duration. Once the visit's day has passed every change needs a `reason`. Cancelling "
                    "is POST .../cancel/; visits are never deleted.",
        request=VisitUpdateInput,
        responses={200: VisitSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class VisitDetailApi(VisitApi):
    http_method_names = ["get", "patch", "head", "options"]

    def get(self, request: Request, visit_id: int) -> Response:
        self.log_view("API visit detail")
        return Response(VisitSerializer(self.visit).data)

    def patch(self, request: Request, visit_id: int) -> Response:
        data = VisitUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        confirm, reason = changes.pop("confirm"), changes.pop("reason")
        if "employee" in changes:
            changes["employee"] = _visible_employee(request, changes["employee"])
        visit = call_service(services.visit_update, acting=request._request.membership, visit=self.visit,
                             reason=reason, confirm=confirm, request=request._request, **changes)
        return Response(VisitSerializer(visit).data)


@extend_schema_view(post=extend_schema(
    summary="Cancel a visit",
    description="The visit is kept, with its history, and no longer occupies the employee's time. Once the "
                "visit's day has passed a `reason` is required. Cancelling a cancelled visit changes nothing.",
    request=VisitCancelInput,
    responses={200: VisitSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN, 404: NOT_FOUND},
))
class VisitCancelApi(VisitApi):
    http_method_names = ["post", "options"]

    def post(self, request: Request, visit_id: int) -> Response:
        data = VisitCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = call_service(services.visit_cancel, acting=request._request.membership, visit=self.visit,
                             request=request._request, **data.validated_data)
        return Response(VisitSerializer(visit).data)


@extend_schema_view(get=extend_schema(
    summary="The history of a visit, newest first",
    description="Every change: who, when, why (required after the visit's day) and the fields before and after.",
    responses={200: VisitRevisionSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
))
class VisitHistoryApi(VisitApi, generics.ListAPIView):
    serializer_class = VisitRevisionSerializer
    pagination_class = None  # a handful of changes per visit

    def get_queryset(self) -> QuerySet[VisitRevision]:
        if getattr(self, "swagger_fake_view", False):
            return VisitRevision.objects.none()
        return (
            VisitRevision.objects.filter(organization=self.visit.organization, visit=self.visit)
            .select_related("changed_by")
            .order_by("-changed_at", "-pk")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # noqa: ANN401
        self.log_view("API visit history")
        return super().list(request, *args, **kwargs)


@extend_schema_view(get=extend_schema(
    summary="Employees of the caller's teams",
    description="For planning systems to map their staff to employee ids (admins: the whole organisation).",
    parameters=[EmployeeListParams],
    responses={200: EmployeeSerializer(many=True), 400: PARAMS_ERROR, 403: FORBIDDEN},
))
class EmployeeListApi(generics.ListAPIView):
    serializer_class = EmployeeSerializer
    required_perm = Perm.VIEW_CLIENTS

    def get_queryset(self) -> QuerySet[Employee]:
        if getattr(self, "swagger_fake_view", False):
            return Employee.objects.none()
        params = EmployeeListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        employees = selectors.visible_employees(self.request._request.membership).select_related("team")
        if params.validated_data.get("team") is not None:
            employees = employees.filter(team_id=params.validated_data["team"])
        if params.validated_data.get("active") is not None:
            employees = employees.filter(is_active=params.validated_data["active"])
        return employees.order_by("last_name", "first_name", "pk")
