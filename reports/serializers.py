"""Read-only API representations of provider reports (reports/api.py).

One shape for both parties: the provider reads its own reports, the zorgkantoor the reports
addressed to it (never drafts). The figures are the frozen JSON of a version (schema 1, see
reports/figures.py), passed through unchanged.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.models import ProviderReport, ReportComment, ReportVersion


class ProviderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    agb_code = serializers.CharField()


class ZorgkantoorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='"Q3 2026", or "2026" for an annual report')
    first = serializers.DateField()
    last = serializers.DateField()


class ReportSerializer(serializers.ModelSerializer):
    provider = serializers.SerializerMethodField()
    zorgkantoor = serializers.SerializerMethodField()
    # Plain strings (not enums): the choice names collide with other apps' in the schema.
    kind = serializers.CharField(read_only=True, help_text="quarter or year")
    period = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="draft (provider only), submitted, in_review, "
                                                             "clarification, resubmitted or approved")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    latest_version = serializers.IntegerField(source="latest_version_number", read_only=True, allow_null=True,
                                              help_text="Number of the latest submitted version; null for a draft")

    class Meta:
        model = ProviderReport
        fields = ["id", "provider", "zorgkantoor", "kind", "year", "quarter", "period", "status", "status_label",
                  "submitted_at", "status_changed_at", "latest_version"]
        read_only_fields = fields

    @extend_schema_field(ProviderRefSerializer)
    def get_provider(self, report: ProviderReport) -> dict:
        org = report.organization
        return {"id": org.pk, "name": org.name, "agb_code": org.agb_code}

    @extend_schema_field(ZorgkantoorRefSerializer)
    def get_zorgkantoor(self, report: ProviderReport) -> dict:
        return {"id": report.zorgkantoor_id, "name": report.zorgkantoor.name}

    @extend_schema_field(PeriodSerializer)
    def get_period(self, report: ProviderReport) -> dict:
        return {"label": report.period_label, "first": report.first_day, "last": report.last_day}


class VersionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by_name", read_only=True)
    data_version = serializers.CharField(read_only=True,
                                         help_text="Daily run, day computed through and the figures' fingerprint")

    class Meta:
        model = ReportVersion
        fields = ["number", "submitted_at", "submitted_by", "message", "data_version", "figures_sha256",
                  "source_run_id", "computed_through", "computed_at"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_name", read_only=True)
    answers = serializers.IntegerField(source="answers_id", read_only=True, allow_null=True,
                                       help_text="For a provider's answer: the id of the zorgkantoor comment it answers")

    class Meta:
        model = ReportComment
        fields = ["id", "section", "side", "author", "body", "created_at", "version_number", "answers"]
        extra_kwargs = {"side": {"help_text": "zorgkantoor (a question or remark) or provider (an answer)"}}
        read_only_fields = fields


class ReportDetailSerializer(ReportSerializer):
    versions = VersionSerializer(many=True, read_only=True, source="api_versions")
    figures_version = serializers.IntegerField(read_only=True, source="api_figures_version", allow_null=True,
                                               help_text="The version whose figures follow; null: a draft's figures")
    figures = serializers.JSONField(read_only=True, source="api_figures",
                                    help_text="The figures (schema 1) of that version, exactly as submitted")
    comments = CommentSerializer(many=True, read_only=True, source="api_comments")

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "versions", "figures_version", "figures", "comments"]
        read_only_fields = fields
