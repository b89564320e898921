"""The `me` endpoint: who am I, for which organisation, with which permissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from vpt.tenancy.roles import Perm


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    organization = serializers.CharField()
    organization_kind = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


@extend_schema(responses=MeSerializer, summary="The calling user, organisation and role")
@api_view(["GET"])
def me(request: Request) -> Response:
    membership = request._request.membership
    data = {
        "username": request.user.get_username(),
        "organization": membership.organization.name,
        "organization_kind": membership.organization.kind,
        "role": membership.role,
        "permissions": sorted(p.value for p in Perm if membership.has_perm(p)),
    }
    return Response(MeSerializer(data).data)
