"""Arrangement API (v1): the menu card, a client's arrangement versions, and the draft
builder (lines, activation) — the same services and rules as the arrangement pages.

Permissions: `IsTenantMember` with `required_perm`: Perm.VIEW_CLIENTS to read,
Perm.MANAGE_ARRANGEMENTS to write. Objects are looked up in `initial()`, after the
permission check and before the method is dispatched, through the access_* selectors: a
client outside the member's organisation or teams, or a version or line of another client,
is 404 whatever the method. A service's ValidationError is a 400 with its messages (per
field where the service names one, else under "non_field_errors"). Reading a client's
arrangement is access to the client record: one VIEW entry per read request (NEN 7513);
the writes are logged by the services.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from arrangements import selectors
from arrangements.models import Arrangement, ArrangementLine, MenuItem
from arrangements.serializers import (
    ActivateInput,
    ArrangementCreateInput,
    ArrangementDetailSerializer,
    ArrangementLineSerializer,
    ArrangementSerializer,
    LineAddInput,
    LineUpdateInput,
    MenuItemListParams,
    MenuItemSerializer,
    summary_data,
)
from arrangements.services import arrangements as services
from clients.models import Client
from clients.selectors import access_client_by_id
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.service_errors import call_service
from vpt.tenancy.roles import Perm

VALIDATION_ERROR = OpenApiResponse(description="The input or a rule of the arrangement is not met; messages per field")


def with_details(arrangement: Arrangement) -> Arrangement:
    """Attach the lines and the cost summary that ArrangementDetailSerializer shows."""
    lines = selectors.arrangement_lines(arrangement)
    summary, tariff = selectors.arrangement_summary(arrangement, lines=lines)
    arrangement.api_lines = lines
    arrangement.api_summary = summary_data(summary, tariff)
    return arrangement


# --- the menu card ------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(summary="The organisation's menu card on a day", parameters=[MenuItemListParams]))
class MenuItemListApi(generics.ListAPIView):
    serializer_class = MenuItemSerializer
    required_perm = Perm.VIEW_CLIENTS
    pagination_class = None  # a menu card is a few dozen items

    def get_queryset(self) -> QuerySet[MenuItem]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation: no request data
            return MenuItem.objects.none()
        params = MenuItemListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        day = params.validated_data.get("day") or timezone.localdate()
        return selectors.menu_choices(self.request._request.organization, day)


# --- a client's arrangement ---------------------------------------------------------------


class ClientArrangementApi(generics.GenericAPIView):
    """Base: reading needs VIEW_CLIENTS, writing MANAGE_ARRANGEMENTS; the client (and the
    version and line named in the URL) are looked up before the method runs."""

    pagination_class = None

    @property
    def required_perm(self) -> str:
        request = getattr(self, "request", None)
        if request is None or request.method in SAFE_METHODS:
            return Perm.VIEW_CLIENTS
        return Perm.MANAGE_ARRANGEMENTS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        django_request = request._request
        self.client: Client = access_client_by_id(django_request, kwargs["client_id"])
        self.arrangement: Arrangement | None = None
        self.line: ArrangementLine | None = None
        if "arrangement_id" in kwargs:
            self.arrangement = selectors.access_arrangement_by_id(django_request, self.client, kwargs["arrangement_id"])
        if "arrangementline_id" in kwargs:
            self.line = selectors.access_arrangementline_by_id(django_request, self.arrangement,
                                                               kwargs["arrangementline_id"])

    def log_view(self, description: str) -> None:
        record_access(action=AccessLog.Action.VIEW, request=self.request._request, client_id=self.client.pk,
                      obj=self.arrangement or self.client, description=description)

    def detail_response(self, arrangement: Arrangement, code: int = status.HTTP_200_OK) -> Response:
        return Response(ArrangementDetailSerializer(with_details(arrangement)).data, status=code)


@extend_schema_view(
    get=extend_schema(summary="Versions of a client's arrangement, newest first",
                      responses=ArrangementSerializer(many=True)),
    post=extend_schema(summary="Start a new version as a draft", request=ArrangementCreateInput,
                       responses={201: ArrangementDetailSerializer, 400: VALIDATION_ERROR}),
)
class ArrangementListApi(ClientArrangementApi):
    serializer_class = ArrangementSerializer

    def get(self, request: Request, client_id: int) -> Response:
        versions = selectors.arrangement_versions(self.client)
        self.log_view("API arrangement versions")
        return Response(ArrangementSerializer(versions, many=True).data)

    def post(self, request: Request, client_id: int) -> Response:
        data = ArrangementCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        copy_from = values.pop("copy_from", None)
        if copy_from is not None:
            copy_from = selectors.arrangement_versions(self.client).filter(pk=copy_from).first()
            if copy_from is None:
                raise serializers.ValidationError({"copy_from": [_("Choose a version of this client's arrangement.")]})
        arrangement = call_service(services.arrangement_create_draft, acting=request._request.membership,
                                   client=self.client, copy_from=copy_from, request=request._request, **values)
        return self.detail_response(arrangement, status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="One version with its lines and cost summary"))
class ArrangementDetailApi(ClientArrangementApi):
    serializer_class = ArrangementDetailSerializer

    def get(self, request: Request, client_id: int, arrangement_id: int) -> Response:
        self.log_view(f"API arrangement v{self.arrangement.version}")
        return self.detail_response(self.arrangement)


@extend_schema_view(post=extend_schema(summary="Add a menu item to a draft", request=LineAddInput,
                                       responses={201: ArrangementLineSerializer, 400: VALIDATION_ERROR}))
class ArrangementLineListApi(ClientArrangementApi):
    serializer_class = ArrangementLineSerializer

    def post(self, request: Request, client_id: int, arrangement_id: int) -> Response:
        data = LineAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        menu_item = MenuItem.objects.filter(organization=request._request.organization, pk=values.pop("menu_item")).first()
        line = call_service(services.line_add, acting=request._request.membership, arrangement=self.arrangement,
                            menu_item=menu_item, request=request._request, **values)
        return Response(ArrangementLineSerializer(line).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(summary="Change a line of a draft", request=LineUpdateInput,
                        responses={200: ArrangementLineSerializer, 400: VALIDATION_ERROR}),
    delete=extend_schema(summary="Remove a line from a draft", responses={204: None, 400: VALIDATION_ERROR}),
)
class ArrangementLineDetailApi(ClientArrangementApi):
    serializer_class = ArrangementLineSerializer
    http_method_names = ["patch", "delete", "options"]

    def patch(self, request: Request, client_id: int, arrangement_id: int, arrangementline_id: int) -> Response:
        data = LineUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        line = call_service(services.line_update, acting=request._request.membership, line=self.line,
                            request=request._request, **data.validated_data)
        return Response(ArrangementLineSerializer(line).data)

    def delete(self, request: Request, client_id: int, arrangement_id: int, arrangementline_id: int) -> Response:
        call_service(services.line_remove, acting=request._request.membership, line=self.line, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(post=extend_schema(
    summary="Activate a draft: it becomes the agreed arrangement from its valid_from",
    request=ActivateInput, responses={200: ArrangementDetailSerializer, 400: VALIDATION_ERROR},
))
class ArrangementActivateApi(ClientArrangementApi):
    serializer_class = ArrangementDetailSerializer

    def post(self, request: Request, client_id: int, arrangement_id: int) -> Response:
        data = ActivateInput(data=request.data)
        data.is_valid(raise_exception=True)
        arrangement = call_service(services.arrangement_activate, acting=request._request.membership,
                                   arrangement=self.arrangement, request=request._request, **data.validated_data)
        return self.detail_response(arrangement)
