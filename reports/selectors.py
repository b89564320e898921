"""Reads of provider reports, for both parties.

Every function takes the side it reads for: the provider reads through the tenant manager
(`objects`, its own rows), the zorgkantoor through `funder_objects` (reports addressed to
it that are not drafts). A zorgkantoor never reads a provider's tenant rows here, and
these functions never touch client-level tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest

from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from reports.sections import SECTIONS
from vpt.tenancy.models import Contract, Organization

PROVIDER, ZK = ReportComment.Side.PROVIDER, ReportComment.Side.ZORGKANTOOR


def side_of(request: HttpRequest) -> str:
    return PROVIDER if request.organization.is_provider else ZK


def _manager(model: type, side: str):  # noqa: ANN202 (a Manager)
    return model.objects if side == PROVIDER else model.funder_objects


# --------------------------------------------------------------------------- access (404 otherwise)


def access_report_by_id(request: HttpRequest, providerreport_id: int) -> ProviderReport:
    """A report of the active provider, or, for a zorgkantoor, a report addressed to it that
    is not a draft. Anything else — another provider's, another zorgkantoor's, a draft seen
    by the zorgkantoor, a guessed id — is 404."""
    side = side_of(request)
    qs = _manager(ProviderReport, side).filter(pk=providerreport_id)
    if side == PROVIDER:
        qs = qs.filter(organization=request.organization)
    report = qs.select_related("organization", "organization__region", "contract", "zorgkantoor").first()
    if report is None:
        raise Http404
    return report


def access_version(report: ProviderReport, side: str, number: int | None = None) -> ReportVersion:
    """Version `number` of the report (None: the latest); 404 when it has none such."""
    qs = _manager(ReportVersion, side).filter(report_id=report.pk)
    version = (qs.filter(number=number) if number is not None else qs.order_by("-number")).first()
    if version is None:
        raise Http404
    return version


def access_comment(report: ProviderReport, side: str, reportcomment_id: int) -> ReportComment:
    comment = _manager(ReportComment, side).filter(report_id=report.pk, pk=reportcomment_id).first()
    if comment is None:
        raise Http404
    return comment


# --------------------------------------------------------------------------- lists


def provider_reports(*, organization: Organization, status: str = "", year: int | None = None) -> QuerySet:
    qs = (ProviderReport.objects.filter(organization=organization)
          .select_related("zorgkantoor", "contract")
          .annotate(version_count=Count("versions", distinct=True),
                    open_comments=Count("comments", filter=Q(comments__side=ZK, comments__answered_by__isnull=True),
                                        distinct=True)))
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-quarter", "kind", "zorgkantoor__name")


def inbox(*, status: str = "", year: int | None = None, quarter: int | None = None, provider_id: int | None = None,
          search: str = "", waiting_only: bool = False) -> QuerySet:
    """The zorgkantoor's received reports (never drafts), waiting ones first."""
    qs = ProviderReport.funder_objects.select_related("organization", "organization__region")
    if waiting_only:
        qs = qs.filter(status__in=ProviderReport.AWAITING_REVIEWER)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    if quarter:
        qs = qs.filter(quarter=quarter)
    if provider_id:
        qs = qs.filter(organization_id=provider_id)
    if search:
        qs = qs.filter(Q(organization__name__icontains=search) | Q(organization__agb_code__icontains=search))
    return qs.annotate(latest_version=Max("versions__number")).order_by("-status_changed_at", "-pk")


def versions(report: ProviderReport, side: str) -> list[ReportVersion]:
    return list(_manager(ReportVersion, side).filter(report_id=report.pk).order_by("number"))


def history(report: ProviderReport, side: str) -> list[ReportEvent]:
    return list(_manager(ReportEvent, side).filter(report_id=report.pk).order_by("at", "pk"))


@dataclass
class Thread:
    comment: ReportComment
    answer: ReportComment | None = None


@dataclass
class SectionComments:
    key: str
    label: str
    threads: list[Thread] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for t in self.threads if t.answer is None)


def comments_by_section(report: ProviderReport, side: str) -> dict[str, SectionComments]:
    """Every section (in report order) with its comment threads: a zorgkantoor comment and
    the provider's answer. One query."""
    result = {key: SectionComments(key, str(label)) for key, label in SECTIONS}
    comments = list(_manager(ReportComment, side).filter(report_id=report.pk).order_by("created_at", "pk"))
    threads = {}
    for c in comments:
        if c.side == ZK:
            threads[c.pk] = Thread(c)
            result.setdefault(c.section, SectionComments(c.section, c.section)).threads.append(threads[c.pk])
    for c in comments:
        if c.side == PROVIDER and c.answers_id in threads:
            threads[c.answers_id].answer = c
    return result


# --------------------------------------------------------------------------- contracts (zorgkantoor side)


def funder_contracts(*, year: int | None = None) -> QuerySet[Contract]:
    """The contracts providers have with the active zorgkantoor."""
    qs = Contract.funder_objects.select_related("organization", "organization__region")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "organization__name")


def contracted_providers(*, year: int | None = None) -> list[Organization]:
    """The providers with a contract with the active zorgkantoor (in `year`, or ever)."""
    seen: dict[int, Organization] = {}
    for contract in funder_contracts(year=year):
        seen.setdefault(contract.organization_id, contract.organization)
    return sorted(seen.values(), key=lambda o: o.name)


def latest_version_of(report_ids: list[int]) -> dict[int, ReportVersion]:
    """The latest version of each of the reports, for the zorgkantoor: one query that reads
    only those versions (not every version's figures)."""
    newest = (ReportVersion.funder_objects.filter(report_id=OuterRef("report_id"))
              .order_by("-number").values("number")[:1])
    return {v.report_id: v for v in ReportVersion.funder_objects.filter(report_id__in=report_ids,
                                                                         number=Subquery(newest))}


def latest_versions(*, year: int, quarter: int | None, provider_ids: list[int] | None = None) -> dict[int, tuple]:
    """Per provider: (report, latest version) of the given period, for the zorgkantoor.
    Two queries."""
    kind = ProviderReport.Kind.YEAR if quarter is None else ProviderReport.Kind.QUARTER
    reports = ProviderReport.funder_objects.filter(kind=kind, year=year, quarter=quarter).select_related("organization")
    if provider_ids is not None:
        reports = reports.filter(organization_id__in=provider_ids)
    reports = {r.pk: r for r in reports}
    latest = latest_version_of(list(reports))
    return {r.organization_id: (r, latest[pk]) for pk, r in reports.items() if pk in latest}
