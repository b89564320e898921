"""API representations of the menu card and a client's arrangement (versions, lines, the
cost summary), and the input of the arrangement's write endpoints.

Amounts are decimal strings in euros. The detail view sets `api_lines` (the lines) and
`api_summary` (see `summary_data`) on the arrangement, so nothing is queried per row."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arrangements.costs import CENT, WEEK, CostSummary, line_cost_per_day
from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.tariffs import DayTariff

MONEY = {"max_digits": 12, "decimal_places": 2, "read_only": True}


class MenuItemSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_label = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = MenuItem
        fields = ["id", "code", "name", "kind", "kind_label", "unit", "unit_label", "function_level", "cost_price",
                  "is_fixed", "default_quantity", "description", "active_from", "active_to"]
        read_only_fields = fields


class LineMenuItemSerializer(serializers.ModelSerializer):
    unit_label = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = MenuItem
        fields = ["id", "code", "name", "kind", "unit", "unit_label", "function_level", "cost_price", "is_fixed"]
        read_only_fields = fields


class ArrangementLineSerializer(serializers.ModelSerializer):
    menu_item = LineMenuItemSerializer(read_only=True)
    delivered_by_label = serializers.CharField(source="get_delivered_by_display", read_only=True)
    bears_budget = serializers.BooleanField(read_only=True, help_text="Delivered by the own team or a subcontractor: "
                                                                      "costs the VPT budget")
    cost_per_day = serializers.SerializerMethodField()
    cost_per_week = serializers.SerializerMethodField()

    class Meta:
        model = ArrangementLine
        fields = ["id", "menu_item", "quantity", "delivered_by", "delivered_by_label", "subcontractor", "note",
                  "bears_budget", "cost_per_day", "cost_per_week"]
        read_only_fields = fields

    @staticmethod
    def _per_day(line: ArrangementLine) -> Decimal:
        return line_cost_per_day(line)

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_cost_per_day(self, line: ArrangementLine) -> str:
        return str(self._per_day(line).quantize(CENT, ROUND_HALF_UP))

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_cost_per_week(self, line: ArrangementLine) -> str:
        return str((self._per_day(line) * WEEK).quantize(CENT, ROUND_HALF_UP))


class HoursSerializer(serializers.Serializer):
    function_level = serializers.IntegerField()
    hours_per_week = serializers.DecimalField(max_digits=8, decimal_places=2)


class TariffSerializer(serializers.Serializer):
    day = serializers.DateField()
    zorgprofiel = serializers.CharField(help_text="iWlz code, e.g. 754")
    zorgprofiel_short = serializers.CharField(help_text='e.g. "5VV"')
    prestatiecode = serializers.CharField(help_text="Empty when no NZa tariff was imported for the day")
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True,
                                      help_text="Contracted tariff per day; null without a contract")
    max_amount = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="NZa maximum per day")
    is_illustrative = serializers.BooleanField(help_text="The NZa amount comes from the illustrative demo table")
    billable = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the day is not billable; empty when billable")


class SummarySerializer(serializers.Serializer):
    cost_per_day = serializers.DecimalField(**MONEY)
    cost_per_week = serializers.DecimalField(**MONEY)
    tariff_per_day = serializers.DecimalField(**MONEY, allow_null=True,
                                              help_text="Contracted amount, else the NZa maximum; null when unknown")
    margin_per_day = serializers.DecimalField(**MONEY, allow_null=True)
    margin_percentage = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True, allow_null=True)
    over_budget = serializers.BooleanField(read_only=True)
    hours_per_week_by_level = HoursSerializer(many=True, read_only=True, help_text="Hours the own team delivers")
    mantelzorg_hours_per_week = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    tariff = TariffSerializer(read_only=True, allow_null=True,
                              help_text="The client's day tariff the version is held against; null without VPT indication")


def summary_data(summary: CostSummary, tariff: DayTariff | None) -> dict:
    return {
        "cost_per_day": summary.cost_per_day,
        "cost_per_week": summary.cost_per_week,
        "tariff_per_day": summary.tariff_per_day,
        "margin_per_day": summary.margin_per_day,
        "margin_percentage": summary.margin_percentage,
        "over_budget": summary.over_budget,
        "hours_per_week_by_level": [
            {"function_level": level, "hours_per_week": hours} for level, hours in summary.hours_per_week_by_level.items()
        ],
        "mantelzorg_hours_per_week": summary.mantelzorg_hours_per_week,
        "tariff": None if tariff is None else {
            "day": tariff.day, "zorgprofiel": tariff.zorgprofiel, "zorgprofiel_short": tariff.zorgprofiel_short,
            "prestatiecode": tariff.prestatiecode, "amount": tariff.amount, "max_amount": tariff.max_amount,
            "is_illustrative": tariff.is_illustrative, "billable": tariff.billable, "reason": tariff.reason,
        },
    }


class ArrangementSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Arrangement
        fields = ["id", "version", "status", "status_label", "valid_from", "valid_to", "includes_dagbesteding",
                  "agreed_on", "over_budget_justification", "note", "created_at", "activated_at"]
        read_only_fields = fields


class ArrangementDetailSerializer(ArrangementSerializer):
    lines = ArrangementLineSerializer(source="api_lines", many=True, read_only=True)
    summary = SummarySerializer(source="api_summary", read_only=True)

    class Meta(ArrangementSerializer.Meta):
        fields = [*ArrangementSerializer.Meta.fields, "lines", "summary"]
        read_only_fields = fields


# --- input -----------------------------------------------------------------------------------


class MenuItemListParams(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="The menu card on this day (YYYY-MM-DD); default today")


class ArrangementCreateInput(serializers.Serializer):
    valid_from = serializers.DateField(help_text="The day the new version applies from")
    copy_from = serializers.IntegerField(required=False, allow_null=True,
                                         help_text="Id of a version of this client's arrangement to copy lines and tasks from")
    includes_dagbesteding = serializers.BooleanField(required=False, allow_null=True, default=None,
                                                     help_text="Day activities by us; default: as the copied version, else true")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class LineAddInput(serializers.Serializer):
    menu_item = serializers.IntegerField(help_text="Id of a menu item on the card on the day the version starts")
    quantity = serializers.DecimalField(max_digits=7, decimal_places=2)
    delivered_by = serializers.ChoiceField(choices=ArrangementLine.DeliveredBy.choices,
                                           default=ArrangementLine.DeliveredBy.TEAM)
    subcontractor = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class LineUpdateInput(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    delivered_by = serializers.ChoiceField(choices=ArrangementLine.DeliveredBy.choices, required=False)
    subcontractor = serializers.CharField(required=False, allow_blank=True, max_length=120)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ActivateInput(serializers.Serializer):
    justification = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000,
                                          help_text="Required when the cost per day exceeds the day tariff")
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None,
                                      help_text="The day the arrangement was agreed with the client")
