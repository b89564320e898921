"""Read-only report API (v1) for both parties, through the same selectors as the pages.

- A zorgkantoor (role with `Perm.REVIEW_REPORTS`) reads the reports addressed to it, never
  drafts (`selectors.inbox`, the `funder_objects` managers);
- a provider (`Perm.SUBMIT_REPORTS`) reads its own reports (`selectors.provider_reports`).

Anything else — another provider's report, another zorgkantoor's, a draft asked for by the
zorgkantoor, a guessed id — is 404 (`selectors.access_report_by_id`). The detail carries
the versions, the figures of the latest version (or `?version=N`) and the comments.
"""

from __future__ import annotations

from django.db.models import Max, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from reports import selectors
from reports.models import ProviderReport
from reports.serializers import ReportDetailSerializer, ReportSerializer
from vpt.tenancy.roles import Perm


class ReportListParams(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(required=False, min_value=1, max_value=4,
                                       help_text="1–4; annual reports have no quarter")
    status = serializers.ChoiceField(choices=ProviderReport.Status.choices, required=False, allow_blank=True)
    provider = serializers.RegexField(r"^\d{8}$", required=False, help_text="AGB code of the provider (8 digits)")


class ReportDetailParams(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text="Version whose figures to return (default: the latest)")


class ReportApiMixin:
    """Both parties use the same endpoints: the permission follows the active organisation."""

    @property
    def required_perm(self) -> Perm:
        organization = getattr(getattr(self, "request", None), "organization", None)
        if organization is not None and organization.is_zorgkantoor:
            return Perm.REVIEW_REPORTS
        return Perm.SUBMIT_REPORTS


@extend_schema_view(get=extend_schema(
    summary="Reports: a provider's own, or those received by the zorgkantoor (never drafts)",
    parameters=[ReportListParams]))
class ReportListApi(ReportApiMixin, generics.ListAPIView):
    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[ProviderReport]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI schema generation: no request data
            return ProviderReport.objects.none()
        params = ReportListParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        request = self.request._request
        if selectors.side_of(request) == selectors.ZK:
            qs = selectors.inbox(status=data.get("status", ""), year=data.get("year"), quarter=data.get("quarter"))
        else:
            qs = selectors.provider_reports(organization=request.organization, status=data.get("status", ""),
                                            year=data.get("year"))
            if data.get("quarter"):
                qs = qs.filter(quarter=data["quarter"])
        if data.get("provider"):
            qs = qs.filter(organization__agb_code=data["provider"])
        return (qs.select_related("organization", "zorgkantoor")
                .annotate(latest_version_number=Max("versions__number"))
                .order_by("-year", "-quarter", "organization__name", "pk"))


@extend_schema_view(get=extend_schema(
    summary="One report with its versions, the figures of one version and the comments",
    parameters=[OpenApiParameter("version", int, description="Version whose figures to return (default: latest)")]))
class ReportDetailApi(ReportApiMixin, generics.RetrieveAPIView):
    serializer_class = ReportDetailSerializer

    def get_object(self) -> ProviderReport:
        request = self.request._request
        params = ReportDetailParams(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        report = selectors.access_report_by_id(request, self.kwargs["providerreport_id"])
        side = selectors.side_of(request)
        versions = selectors.versions(report, side)
        number = params.validated_data.get("version")
        report.latest_version_number = versions[-1].number if versions else None
        report.api_versions = versions
        if number is None and not versions:  # a draft (only its provider gets here)
            report.api_figures_version, report.api_figures = None, report.draft_figures
        else:
            version = selectors.access_version(report, side, number)
            report.api_figures_version, report.api_figures = version.number, version.figures
        comments = [c for section in selectors.comments_by_section(report, side).values() for thread in section.threads
                    for c in (thread.comment, thread.answer) if c is not None]
        report.api_comments = sorted(comments, key=lambda c: (c.created_at, c.pk))
        return report
