"""Read-only API representations of the client file.

The BSN only ever appears masked (last four digits). The current zorgprofiel comes from
the `current_zorgprofiel` / `current_valid_to` annotations of `selectors.client_list`
(the detail view sets the same attributes), so no query runs per row.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client, WlzIndication
from vpt.wlz import codes


class ZorgprofielSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="iWlz code (COD163), e.g. 754")
    short = serializers.CharField(help_text='Human form, e.g. "5VV"')
    valid_to = serializers.DateField(allow_null=True, help_text="End of the current VPT indication; null: open-ended")


class ClientSerializer(serializers.ModelSerializer):
    bsn_masked = serializers.CharField(read_only=True, help_text="Only the last four digits; the full BSN is never exposed")
    full_name = serializers.CharField(read_only=True)
    team = serializers.CharField(source="primary_team.name", read_only=True)
    coach = serializers.SerializerMethodField()
    current_zorgprofiel = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "id", "first_name", "name_prefix", "last_name", "full_name", "date_of_birth", "bsn_masked",
            "street", "house_number", "house_number_suffix", "postcode", "city", "district",
            "team", "coach", "status", "care_start", "care_end", "current_zorgprofiel",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_coach(self, client: Client) -> str | None:
        coach = client.client_coach
        if coach is None:
            return None
        return coach.user.get_full_name() or coach.user.get_username()

    @extend_schema_field(ZorgprofielSerializer(allow_null=True))
    def get_current_zorgprofiel(self, client: Client) -> dict | None:
        code = getattr(client, "current_zorgprofiel", None)
        if not code:
            return None
        return {"code": code, "short": codes.zorgprofiel_short(code), "valid_to": getattr(client, "current_valid_to", None)}


class ClientDetailSerializer(ClientSerializer):
    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "phone", "gp_name", "gp_phone", "end_reason"]
        read_only_fields = fields


class IndicationSerializer(serializers.ModelSerializer):
    zorgprofiel_short = serializers.CharField(read_only=True)
    leveringsvorm_label = serializers.CharField(source="get_leveringsvorm_display", read_only=True)

    class Meta:
        model = WlzIndication
        fields = ["id", "zorgprofiel", "zorgprofiel_short", "leveringsvorm", "leveringsvorm_label", "valid_from",
                  "valid_to", "ciz_reference"]
        read_only_fields = fields
