"""Read-only client API (v1): the same visibility and tenancy rules as the client pages.

Permission: `IsTenantMember` (the default) with `required_perm = Perm.VIEW_CLIENTS`; a
client outside the member's organisation or teams is 404 (`access_client_by_id`). Reading
is access to client records, so every request leaves an access-log entry: one SEARCH per
list request, one VIEW per detail or indications request (NEN 7513).
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clients import selectors
from clients.models import Client, WlzIndication
from clients.serializers import ClientDetailSerializer, ClientSerializer, IndicationSerializer
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.roles import Perm
from vpt.wlz import codes


class ClientListParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text="Name, BSN (9 digits or the last 3-4) or postcode, as on the client list page")
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False, allow_blank=True)
    zorgprofiel = serializers.ChoiceField(choices=list(codes.TARGET_ZORGPROFIELEN), required=False, allow_blank=True,
                                          help_text="iWlz code of the current zorgprofiel, e.g. 754 (5VV)")
    expiring = serializers.BooleanField(required=False, default=False,
                                        help_text="Only clients whose current indication ends within 60 days")


@extend_schema_view(get=extend_schema(summary="Clients visible to the caller", parameters=[ClientListParams]))
class ClientListApi(generics.ListAPIView):
    serializer_class = ClientSerializer
    required_perm = Perm.VIEW_CLIENTS

    def get_queryset(self) -> QuerySet[Client]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation: no request data
            return Client.objects.none()
        params = ClientListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        self.search = params.validated_data.get("q", "")
        return selectors.client_list(
            membership=self.request._request.membership,
            search=self.search,
            status=params.validated_data.get("status", ""),
            zorgprofiel=params.validated_data.get("zorgprofiel", ""),
            expiring=params.validated_data.get("expiring", False),
        )

    def list(self, request: Request, *args, **kwargs) -> Response:  # noqa: ANN002, ANN003
        response = super().list(request, *args, **kwargs)
        # Never the search text itself in the log: it may be a BSN.
        record_access(action=AccessLog.Action.SEARCH, request=request._request, object_type="clients.client",
                      description=f"API client list (search: {len(self.search)} characters, "
                                  f"page {request.query_params.get('page', '1')[:10]})")
        return response


@extend_schema_view(get=extend_schema(summary="One client"))
class ClientDetailApi(generics.RetrieveAPIView):
    serializer_class = ClientDetailSerializer
    required_perm = Perm.VIEW_CLIENTS

    def get_object(self) -> Client:
        client = selectors.access_client_by_id(self.request._request, self.kwargs["client_id"])
        indication = selectors.current_indication(client)
        client.current_zorgprofiel = indication.zorgprofiel if indication else None
        client.current_valid_to = indication.valid_to if indication else None
        record_access(action=AccessLog.Action.VIEW, request=self.request._request, client_id=client.pk, obj=client,
                      description="API client detail")
        return client


@extend_schema_view(get=extend_schema(summary="Wlz indications of one client, newest first"))
class ClientIndicationsApi(generics.ListAPIView):
    serializer_class = IndicationSerializer
    required_perm = Perm.VIEW_CLIENTS
    pagination_class = None  # a handful per client

    def get_queryset(self) -> QuerySet[WlzIndication]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation
            return WlzIndication.objects.none()
        client = selectors.access_client_by_id(self.request._request, self.kwargs["client_id"])
        record_access(action=AccessLog.Action.VIEW, request=self.request._request, client_id=client.pk, obj=client,
                      description="API client indications")
        return client.indications.order_by("-valid_from", "-pk")
