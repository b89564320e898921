"""Finance documents: the monthly statement per client (one client, or every client of a
month in one bundle), the declaration overview and the team budget report, each as PDF
(WeasyPrint), CSV (semicolons, decimal commas: what Dutch Excel opens) or XLSX (openpyxl).

Documents are made by `billing.export_tasks.make_export` from an `ExportJob`; the single
client statement can also be rendered at once (`statement_pdf_now`). Everything here reads
the stored results of the daily run (current `DayLine`s, `BudgetDay`s) and declarations;
nothing is recomputed.

Reads happen inside `tenant_scope()` blocks opened *here*, one per chunk of clients, so a
long export does not hold one transaction open and its progress (written in between by the
task) is visible to the page that polls it. Rendering works on plain data (dataclasses),
outside any scope: a template that touched a lazy relation would raise, not query.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.daily import reason_label
from billing.declarations import declaration_deadline
from billing.figures import ZERO, BudgetFigures
from billing.models import BudgetDay, DayLine, Declaration, DeclarationLine, ExportJob
from clients.models import Absence, Client
from vpt.core.csv_export import safe_cell
from vpt.core.dates import is_whole_month, month_bounds, month_label
from vpt.core.pdf import BASE_URL, render_pdf, url_fetcher
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz import codes
from vpt.wlz.models import Tariff

log = logging.getLogger(__name__)

RETENTION_DAYS = 7  # jobs and their files are purged after this (export_tasks.purge_exports)
CHUNK_CLIENTS = 25  # clients read per transaction in a bundle of statements
# A bundle keeps every statement's laid-out pages in memory until the PDF is written (about
# 2 MB per client; 200 clients take about 45 s and 550 MB at the peak). Above this many
# clients the request is refused with the advice to choose a team.
MAX_BUNDLE_CLIENTS = 500
MAX_RANGE_DAYS = 366  # a team budget report covers at most a year

Progress = Callable[[int], None]


def _no_progress(_percent: int) -> None:
    return None


class ExportError(Exception):
    """A document cannot be made for a reason the requester should read (e.g. the
    declaration was deleted after the request). Stored as the job's error."""


# --------------------------------------------------------------------------- small helpers


def period_label(first: dt.date, last: dt.date) -> str:
    """'maart 2025' for a whole calendar month, '03-03-2025 – 16-03-2025' otherwise."""
    if is_whole_month(first, last):
        return month_label(first)
    return f"{first:%d-%m-%Y} – {last:%d-%m-%Y}"


def bsn_masked(bsn_last4: str) -> str:
    """A BSN shown on finance documents: only the last three digits."""
    return "••••••" + (bsn_last4 or "")[-3:]


ABSENCE_SHORT = {
    Absence.Kind.ADMISSION: gettext_lazy("Admission"),
    Absence.Kind.HOLIDAY: gettext_lazy("Holiday"),
    Absence.Kind.RESPITE: gettext_lazy("Respite stay"),
    Absence.Kind.OTHER: gettext_lazy("Other absence"),
}


def absence_label(kind: str) -> str:
    return str(ABSENCE_SHORT.get(kind, kind)) if kind else ""


def illustrative_tariffs(first: dt.date, last: dt.date) -> bool:
    """Whether the NZa table in force in the period is the shipped illustrative one (every
    document with amounts says so, as the screens do)."""
    return Tariff.objects.filter(valid_from__lte=last, valid_to__gte=first, is_illustrative=True).exists()


def load_organization(organization_id: int) -> Organization:
    organization = Organization.objects.filter(pk=organization_id).select_related("region").first()
    if organization is None:
        raise ExportError(_("The organisation no longer exists."))
    return organization


# --------------------------------------------------------------------------- who sees which job


def visible_export_jobs(membership: Membership) -> QuerySet[ExportJob]:
    """Finance sees every export of the organisation; anyone else (an admin) their own and
    those requested by finance staff."""
    jobs = ExportJob.objects.filter(organization=membership.organization)
    if membership.role == Role.FINANCE:
        return jobs
    finance = Membership.objects.filter(organization=membership.organization, role=Role.FINANCE,
                                        user=OuterRef("requested_by"))
    return jobs.filter(Q(requested_by=membership.user) | Exists(finance))


def access_export_job_by_id(request: HttpRequest, exportjob_id: int, *, with_content: bool = False) -> ExportJob:
    """A job the member may see; 404 for a missing one, another organisation's and one of a
    colleague outside finance alike."""
    jobs = visible_export_jobs(request.membership).select_related("requested_by")
    if not with_content:
        jobs = jobs.defer("content")
    job = jobs.filter(pk=exportjob_id).first()
    if job is None:
        raise Http404
    return job


# --------------------------------------------------------------------------- requesting a job


def request_export(*, acting: Membership, kind: str, format: str, params: dict, title: str) -> ExportJob:  # noqa: A002
    """Record an export job and hand it to the worker once the transaction commits. When
    the broker is unreachable the job stays queued and `export_tasks.sweep_exports` sends it
    again; in the embedded demo (eager Celery) it is made right after the commit."""
    if kind not in ExportJob.Kind.values or format not in ExportJob.Format.values:
        raise ValidationError(_("Unknown kind of document or format."))
    job = ExportJob.objects.create(
        organization=acting.organization, kind=kind, format=format, params=params, title=title[:200],
        requested_by=acting.user,
    )
    transaction.on_commit(partial(enqueue, job.organization_id, job.pk))
    return job


def enqueue(organization_id: int, job_id: int) -> None:
    from billing.export_tasks import make_export

    try:
        make_export.delay(organization_id, job_id)
    except Exception:
        # Broker down: the job stays queued for the sweeper. Eager (demo) and the task
        # failed: it has recorded the failure on the job already.
        log.warning("export job %s was not completed at once (broker unavailable or the task failed)", job_id,
                    exc_info=True)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class ClientInfo:
    pk: int
    name: str
    sort_name: str
    date_of_birth: dt.date
    bsn_masked: str
    team: str

    @classmethod
    def of(cls, client: Client) -> ClientInfo:
        return cls(pk=client.pk, name=client.full_name, sort_name=client.sort_name,
                   date_of_birth=client.date_of_birth, bsn_masked=bsn_masked(client.bsn_last4),
                   team=client.primary_team.name)


@dataclass(frozen=True)
class DayFigures:
    """One day of one client: the day line (if any) and the budget day (if any)."""

    day: dt.date
    has_line: bool
    zorgprofiel: str = ""
    prestatiecode: str = ""
    tariff: Decimal | None = None  # contracted amount per day; None without contract
    billable: bool = False
    reason: str = ""
    absence_kind: str = ""
    declared: bool = False
    has_budget: bool = False
    earned: Decimal = ZERO
    planned_cost: Decimal = ZERO
    realised_cost: Decimal = ZERO

    @property
    def amount(self) -> Decimal:
        return self.tariff if self.billable and self.tariff is not None else ZERO

    @property
    def margin(self) -> Decimal:
        return self.earned - self.realised_cost


@dataclass
class StatementPeriod:
    """Consecutive days of one client with the same profile, prestatie, tariff, billability
    and absence."""

    first: dt.date
    last: dt.date
    zorgprofiel: str
    prestatiecode: str
    tariff: Decimal | None
    billable: bool
    reason: str
    absence_kind: str
    days: int = 0
    declared_days: int = 0
    amount: Decimal = ZERO

    def key(self) -> tuple:
        return (self.zorgprofiel, self.prestatiecode, self.tariff, self.billable, self.reason, self.absence_kind)

    @property
    def zorgprofiel_short(self) -> str:
        return codes.zorgprofiel_short(self.zorgprofiel) if self.zorgprofiel else ""

    @property
    def reason_label(self) -> str:
        return reason_label(self.reason)

    @property
    def absence_label(self) -> str:
        return absence_label(self.absence_kind)


@dataclass
class ClientStatement:
    client: ClientInfo
    first: dt.date
    last: dt.date
    days: list[DayFigures]
    periods: list[StatementPeriod] = field(default_factory=list)
    budget: BudgetFigures = field(default_factory=BudgetFigures)
    line_days: int = 0
    billable_days: int = 0
    billable_amount: Decimal = ZERO
    declared_days: int = 0
    declared_amount: Decimal = ZERO
    absences: list[tuple[str, int]] = field(default_factory=list)
    zorgprofielen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        absences: Counter[str] = Counter()
        profiles: list[str] = []
        for figures in self.days:
            if figures.has_budget:
                self.budget.add(BudgetFigures(1, figures.earned, figures.planned_cost, figures.realised_cost))
            if not figures.has_line:
                continue
            self.line_days += 1
            if figures.billable:
                self.billable_days += 1
                self.billable_amount += figures.amount
            if figures.declared:
                self.declared_days += 1
                self.declared_amount += figures.amount
            if figures.absence_kind:
                absences[figures.absence_kind] += 1
            short = codes.zorgprofiel_short(figures.zorgprofiel) if figures.zorgprofiel else ""
            if short and short not in profiles:
                profiles.append(short)
            period = self.periods[-1] if self.periods else None
            candidate = StatementPeriod(first=figures.day, last=figures.day, zorgprofiel=figures.zorgprofiel,
                                        prestatiecode=figures.prestatiecode, tariff=figures.tariff,
                                        billable=figures.billable, reason=figures.reason,
                                        absence_kind=figures.absence_kind)
            if period is None or period.key() != candidate.key() or period.last + dt.timedelta(days=1) != figures.day:
                self.periods.append(candidate)
                period = candidate
            period.last = figures.day
            period.days += 1
            period.declared_days += figures.declared
            period.amount += figures.amount
        self.absences = [(absence_label(kind), count) for kind, count in sorted(absences.items())]
        self.zorgprofielen = profiles

    @property
    def not_billable_days(self) -> int:
        return self.line_days - self.billable_days

    @property
    def budget_rows(self) -> list[tuple[str, Decimal, Decimal | None, str]]:
        """(label, month total, per day, css class) for the budget table of the statement."""
        b = self.budget
        return [
            (_("Tariff earned"), b.tariff, b.per_day(b.tariff), ""),
            (_("Planned cost (arrangement)"), b.planned_cost, b.per_day(b.planned_cost), ""),
            (_("Realised cost (delivered care)"), b.realised_cost, b.per_day(b.realised_cost), ""),
            (_("Planned margin (tariff − planned cost)"), b.planned_margin, b.per_day(b.planned_margin), "subtotal"),
            (_("Margin (tariff − realised cost)"), b.margin, b.per_day(b.margin), "total"),
        ]


# --------------------------------------------------------------------------- reads (inside a scope)


def statement_client_ids(*, organization_id: int, first: dt.date, last: dt.date,
                         team_id: int | None = None) -> list[int]:
    """Clients with a current day line or a budget day in the period, by name. With a team:
    the clients whose days were booked on that team, or whose team it is now."""
    lines = DayLine.objects.filter(organization_id=organization_id, day__range=(first, last),
                                   superseded_at__isnull=True).values("client_id")
    budget = BudgetDay.objects.filter(organization_id=organization_id, day__range=(first, last))
    clients = Client.objects.filter(organization_id=organization_id).filter(
        Q(pk__in=lines) | Q(pk__in=budget.values("client_id")))
    if team_id is not None:
        clients = clients.filter(Q(primary_team_id=team_id) | Q(pk__in=budget.filter(team_id=team_id)
                                                                .values("client_id")))
    return list(clients.order_by("last_name", "first_name", "pk").values_list("pk", flat=True))


def client_statements(*, organization_id: int, client_ids: Sequence[int], first: dt.date,
                      last: dt.date) -> list[ClientStatement]:
    """The statements of `client_ids` (in that order) over [first, last]: three queries."""
    clients = {
        c.pk: c for c in Client.objects.filter(organization_id=organization_id, pk__in=client_ids)
        .select_related("primary_team")
    }
    lines: dict[int, dict[dt.date, tuple]] = {pk: {} for pk in clients}
    for row in (
        DayLine.objects.filter(organization_id=organization_id, client_id__in=clients, day__range=(first, last),
                               superseded_at__isnull=True)
        .order_by()
        .values_list("client_id", "day", "zorgprofiel", "prestatiecode", "amount", "billable", "reason",
                     "absence_kind", "declared_line_id")
    ):
        lines[row[0]][row[1]] = row[2:]
    budget: dict[int, dict[dt.date, tuple]] = {pk: {} for pk in clients}
    for row in (
        BudgetDay.objects.filter(organization_id=organization_id, client_id__in=clients, day__range=(first, last))
        .order_by()
        .values_list("client_id", "day", "tariff", "planned_cost", "realised_cost")
    ):
        budget[row[0]][row[1]] = row[2:]

    statements = []
    for pk in client_ids:
        client = clients.get(pk)
        if client is None:
            continue
        days = []
        for day in sorted(lines[pk].keys() | budget[pk].keys()):
            line, money = lines[pk].get(day), budget[pk].get(day)
            values: dict[str, Any] = {"day": day, "has_line": line is not None}
            if line is not None:
                zorgprofiel, prestatiecode, amount, billable, reason, absence_kind, declared_line_id = line
                values.update(zorgprofiel=zorgprofiel, prestatiecode=prestatiecode, tariff=amount, billable=billable,
                              reason=reason, absence_kind=absence_kind, declared=declared_line_id is not None)
            if money is not None:
                values.update(has_budget=True, earned=money[0], planned_cost=money[1], realised_cost=money[2])
            days.append(DayFigures(**values))
        statements.append(ClientStatement(client=ClientInfo.of(client), first=first, last=last, days=days))
    return statements


@dataclass(frozen=True)
class DeclarationRow:
    number: int
    reference: str
    client_id: int
    client_name: str
    bsn_masked: str
    zorgprofiel_short: str
    prestatiecode: str
    begin: dt.date
    end: dt.date
    days: int
    tariff: Decimal
    amount: Decimal
    side: str
    status: str
    status_label: str
    return_code: str
    return_reason: str
    corrects_number: int | None

    @property
    def is_credit(self) -> bool:
        return self.side == DeclarationLine.Side.CREDIT

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.is_credit else self.amount


@dataclass
class DeclarationOverview:
    pk: int
    reference: str
    zorgkantoor: str
    zorgkantoor_agb: str
    year: int
    month: int
    status: str
    status_label: str
    contract: str
    deadline: dt.date | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    answered_at: dt.datetime | None
    rows: list[DeclarationRow]

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def month_label(self) -> str:
        return month_label(self.first)

    @property
    def debit_rows(self) -> list[DeclarationRow]:
        return [r for r in self.rows if not r.is_credit]

    @property
    def credit_rows(self) -> list[DeclarationRow]:
        return [r for r in self.rows if r.is_credit]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.amount for r in self.debit_rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.amount for r in self.credit_rows), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total_debit - self.total_credit

    @property
    def debit_days(self) -> int:
        return sum(r.days for r in self.debit_rows)

    @property
    def credit_days(self) -> int:
        return sum(r.days for r in self.credit_rows)

    @property
    def client_ids(self) -> list[int]:
        return sorted({r.client_id for r in self.rows})

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rows if r.status == DeclarationLine.Status.REJECTED)


def declaration_overview(*, organization_id: int, declaration_id: int) -> DeclarationOverview:
    declaration = (
        Declaration.objects.filter(organization_id=organization_id, pk=declaration_id)
        .select_related("zorgkantoor", "contract")
        .first()
    )
    if declaration is None:
        raise ExportError(_("The declaration no longer exists."))
    lines = (
        DeclarationLine.objects.filter(organization_id=organization_id, declaration=declaration)
        .select_related("client", "corrects")
        .order_by("number")
    )
    rows = [
        DeclarationRow(
            number=line.number, reference=line.reference, client_id=line.client_id,
            client_name=line.client.sort_name, bsn_masked=bsn_masked(line.client.bsn_last4),
            zorgprofiel_short=codes.zorgprofiel_short(line.zorgprofiel), prestatiecode=line.prestatiecode,
            begin=line.begin, end=line.end, days=line.days, tariff=line.tariff, amount=line.amount, side=line.side,
            status=line.status, status_label=str(line.get_status_display()), return_code=line.return_code,
            return_reason=line.return_reason, corrects_number=line.corrects.number if line.corrects_id else None,
        )
        for line in lines
    ]
    contract = declaration.contract
    return DeclarationOverview(
        pk=declaration.pk, reference=declaration.reference, zorgkantoor=declaration.zorgkantoor.name,
        zorgkantoor_agb=declaration.zorgkantoor.agb_code, year=declaration.year, month=declaration.month,
        status=declaration.status, status_label=str(declaration.get_status_display()),
        contract=_("%(year)s, %(percentage)s %% of the NZa maximum") % {
            "year": contract.year, "percentage": contract.percentage},
        deadline=declaration_deadline(declaration.year, declaration.month), created_at=declaration.created_at,
        submitted_at=declaration.submitted_at, answered_at=declaration.answered_at, rows=rows,
    )


@dataclass
class TeamBudgetClient:
    client_id: int
    name: str
    figures: BudgetFigures


@dataclass
class TeamBudget:
    team_id: int
    name: str
    clients: list[TeamBudgetClient] = field(default_factory=list)
    total: BudgetFigures = field(default_factory=BudgetFigures)


@dataclass
class TeamBudgetReport:
    first: dt.date
    last: dt.date
    team_label: str
    teams: list[TeamBudget]
    total: BudgetFigures = field(default_factory=BudgetFigures)

    @property
    def client_ids(self) -> list[int]:
        return sorted({c.client_id for team in self.teams for c in team.clients})

    @property
    def client_count(self) -> int:
        return len(self.client_ids)

    @property
    def period_label(self) -> str:
        return period_label(self.first, self.last)


def team_budget(*, organization_id: int, first: dt.date, last: dt.date, team_id: int | None = None) -> TeamBudgetReport:
    """Budget days summed per team and client (one query); a client who changed teams in the
    period counts in each team for the days booked there."""
    team_label = _("All teams")
    days = BudgetDay.objects.filter(organization_id=organization_id, day__range=(first, last))
    if team_id is not None:
        team = Team.objects.filter(organization_id=organization_id, pk=team_id).first()
        if team is None:
            raise ExportError(_("The team no longer exists."))
        team_label = team.name
        days = days.filter(team_id=team_id)
    rows = (
        days.values("team_id", "team__name", "client_id", "client__first_name", "client__name_prefix",
                    "client__last_name")
        .annotate(days=Count("pk"), tariff=Sum("tariff"), planned=Sum("planned_cost"), realised=Sum("realised_cost"))
        .order_by("team__name", "team_id", "client__last_name", "client__first_name", "client_id")
    )
    teams: dict[int, TeamBudget] = {}
    report = TeamBudgetReport(first=first, last=last, team_label=team_label, teams=[])
    for row in rows:
        team = teams.get(row["team_id"])
        if team is None:
            team = teams[row["team_id"]] = TeamBudget(team_id=row["team_id"], name=row["team__name"])
            report.teams.append(team)
        prefix = f" {row['client__name_prefix']}" if row["client__name_prefix"] else ""
        figures = BudgetFigures(row["days"], row["tariff"], row["planned"], row["realised"])
        team.clients.append(TeamBudgetClient(row["client_id"], f"{row['client__last_name']}, "
                                                               f"{row['client__first_name']}{prefix}", figures))
        team.total.add(figures)
        report.total.add(figures)
    return report


# --------------------------------------------------------------------------- PDF


def _pdf_context(organization: Organization, title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "organization": organization, "printed_at": timezone.now(), **extra}


def statement_title() -> str:
    # Translators: the Dutch title is "Maandoverzicht".
    return _("Monthly statement")


def statement_pdf(organization: Organization, statement: ClientStatement, *, illustrative: bool) -> bytes:
    return render_pdf("billing/pdf/client_statement.html", _pdf_context(
        organization, statement_title(), statement=statement, illustrative=illustrative,
        month=month_label(statement.first)))


def _render_document(template: str, context: dict[str, Any], font_config: Any = None) -> Any:  # noqa: ANN401
    """A laid-out WeasyPrint document (pages that can be merged with others' pages)."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).render(font_config=font_config)


def statements_bundle_pdf(organization: Organization, statements: list[ClientStatement], *, first: dt.date,
                          last: dt.date, team_label: str, illustrative: bool, progress: Progress = _no_progress,
                          progress_range: tuple[int, int] = (0, 100)) -> bytes:
    """Every statement rendered on its own (own page numbering, "page 1 of 2" per client),
    behind a cover with the totals and an index of the page each statement starts on. One
    document per client keeps the layout work per step small and lets the task report
    progress per client."""
    from weasyprint.text.fonts import FontConfiguration

    start, end = progress_range
    month = month_label(first)
    printed_at = timezone.now()
    fonts = FontConfiguration()  # shared: fonts are loaded once, not per statement
    documents = []
    for index, statement in enumerate(statements, 1):
        documents.append(_render_document("billing/pdf/client_statement.html", {
            "title": statement_title(), "organization": organization, "printed_at": printed_at,
            "statement": statement, "illustrative": illustrative, "month": month, "in_bundle": True,
        }, fonts))
        progress(start + (end - start) * index // max(len(statements), 1))

    total = BudgetFigures()
    for statement in statements:
        total.add(statement.budget)
    cover_context = {
        # Translators: the Dutch title is "Maandoverzichten".
        "title": _("Monthly statements"), "organization": organization, "printed_at": printed_at,
        "month": month, "first": first, "last": last,
        "team_label": team_label, "illustrative": illustrative, "budget": total,
        "line_days": sum(s.line_days for s in statements),
        "billable_days": sum(s.billable_days for s in statements),
        "billable_amount": sum((s.billable_amount for s in statements), ZERO),
        "declared_amount": sum((s.declared_amount for s in statements), ZERO),
    }

    def cover(cover_pages: int) -> Any:  # noqa: ANN401
        page = cover_pages + 1
        index = []
        for statement, document in zip(statements, documents, strict=True):
            index.append((statement, page, len(document.pages)))
            page += len(document.pages)
        return _render_document("billing/pdf/statements_cover.html", {**cover_context, "index": index}, fonts)

    front = cover(1)
    if len(front.pages) != 1:  # the index took more than one page: number from after it
        front = cover(len(front.pages))
    pages = [page for document in (front, *documents) for page in document.pages]
    return front.copy(pages).write_pdf()


def declaration_pdf(organization: Organization, overview: DeclarationOverview) -> bytes:
    # Translators: the Dutch title is "Declaratieoverzicht".
    title = _("Declaration overview")
    return render_pdf("billing/pdf/declaration.html", _pdf_context(
        organization, title, declaration=overview,
        illustrative=illustrative_tariffs(*month_bounds(overview.year, overview.month))))


def team_budget_pdf(organization: Organization, report: TeamBudgetReport, *, illustrative: bool) -> bytes:
    # Translators: the Dutch title is "Teambudgetrapportage".
    title = _("Team budget report")
    return render_pdf("billing/pdf/team_budget.html", _pdf_context(
        organization, title, report=report, illustrative=illustrative))


# --------------------------------------------------------------------------- CSV and XLSX


def _number(value: Decimal | int | None) -> str:
    # Semicolon-separated with decimal commas: what Dutch Excel opens as numbers.
    return "" if value is None else str(value).replace(".", ",")


def csv_cell(value: Any) -> str:  # noqa: ANN401
    """Every CSV cell goes through here. Text (names, codes, labels) through `safe_cell`, so
    a spreadsheet never runs it as a formula; numbers and dates are ours and formatted here
    (a negative margin stays a number: it is not text that could carry a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal | int):
        return _number(value)
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return safe_cell(str(value))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Table:
    """One sheet: a header row, data rows and the rows (by index) that are totals."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    totals: frozenset[int] = frozenset()
    widths: dict[int, int] = field(default_factory=dict)


AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "DD-MM-YYYY"


def write_xlsx(tables: list[Table], *, organization: Organization, title: str, period: str) -> bytes:
    """Numbers as numbers (two decimals), dates as dates, text as text (never a formula),
    the header frozen, totals in bold; a last sheet says what the file is."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0B5A73")

    def put(cell: Any, value: Any) -> None:  # noqa: ANN401
        if value is None:
            return
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        if isinstance(value, str):
            cell.value = safe_cell(value)
            cell.data_type = "s"  # openpyxl would take "=..." for a formula
        elif isinstance(value, Decimal):
            cell.value = value
            cell.number_format = AMOUNT_FORMAT if value.as_tuple().exponent == -2 else "0.0"
        elif isinstance(value, dt.date):
            cell.value = value
            cell.number_format = DATE_FORMAT
        else:
            cell.value = value

    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        for col, label in enumerate(table.header, 1):
            cell = sheet.cell(row=1, column=col)
            put(cell, str(label))
            cell.font, cell.fill = header_font, header_fill
        for r, values in enumerate(table.rows, 2):
            for col, value in enumerate(values, 1):
                cell = sheet.cell(row=r, column=col)
                put(cell, value)
                if r - 2 in table.totals:
                    cell.font = bold
        for col, label in enumerate(table.header, 1):
            sheet.column_dimensions[get_column_letter(col)].width = table.widths.get(col - 1, max(12, len(str(label)) + 2))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.header))}{max(1, len(table.rows) + 1)}"

    about = workbook.create_sheet(_("About")[:31])
    facts = [
        (_("Organisation"), organization.name),
        (_("AGB code"), organization.agb_code),
        (_("Document"), title),
        (_("Period"), period),
        (_("Made on"), timezone.localtime().strftime("%d-%m-%Y %H:%M")),
    ]
    for r, (label, value) in enumerate(facts, 1):
        put(about.cell(row=r, column=1), str(label))
        about.cell(row=r, column=1).font = bold
        put(about.cell(row=r, column=2), str(value))
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 18, 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Statement: one row per client-day, a total at the end; the second sheet per client.


def statement_day_header() -> list[str]:
    return [_("Client"), _("Client number"), _("BSN"), _("Date"), _("Zorgprofiel"), _("Prestatiecode"),
            _("Tariff per day"), _("Billable"), _("Not billable because"), _("Absence"), _("Declared"), _("Amount"),
            _("Tariff earned"), _("Planned cost"), _("Realised cost"), _("Margin")]


def statement_day_rows(statements: list[ClientStatement]) -> tuple[list[list[Any]], int]:
    """(rows, index of the total row)."""
    rows: list[list[Any]] = []
    total = BudgetFigures()
    amount = ZERO
    for statement in statements:
        c = statement.client
        for d in statement.days:
            rows.append([
                c.sort_name, c.pk, c.bsn_masked, d.day,
                codes.zorgprofiel_short(d.zorgprofiel) if d.zorgprofiel else "", d.prestatiecode,
                d.tariff, d.billable if d.has_line else None, reason_label(d.reason), absence_label(d.absence_kind),
                d.declared if d.has_line else None, d.amount if d.has_line else None,
                d.earned if d.has_budget else None, d.planned_cost if d.has_budget else None,
                d.realised_cost if d.has_budget else None, d.margin if d.has_budget else None,
            ])
        total.add(statement.budget)
        amount += statement.billable_amount
    rows.append([_("Total"), None, None, None, None, None, None, None, None, None, None, amount,
                 total.tariff, total.planned_cost, total.realised_cost, total.margin])
    return rows, len(rows) - 1


def statement_client_table(statements: list[ClientStatement]) -> Table:
    header = [_("Client"), _("Client number"), _("BSN"), _("Team"), _("Days"), _("Billable days"),
              _("Billable amount"), _("Declared amount"), _("Tariff earned"), _("Planned cost"), _("Realised cost"),
              _("Margin"), _("Margin %")]
    rows: list[list[Any]] = []
    total = BudgetFigures()
    for s in statements:
        rows.append([s.client.sort_name, s.client.pk, s.client.bsn_masked, s.client.team, s.line_days,
                     s.billable_days, s.billable_amount, s.declared_amount, s.budget.tariff, s.budget.planned_cost,
                     s.budget.realised_cost, s.budget.margin, s.budget.margin_pct])
        total.add(s.budget)
    rows.append([_("Total"), None, None, None, sum(s.line_days for s in statements),
                 sum(s.billable_days for s in statements), sum((s.billable_amount for s in statements), ZERO),
                 sum((s.declared_amount for s in statements), ZERO), total.tariff, total.planned_cost,
                 total.realised_cost, total.margin, total.margin_pct])
    return Table(_("Clients"), header, rows, frozenset({len(rows) - 1}), {0: 28})


def declaration_header() -> list[str]:
    return [_("Line"), _("Line reference"), _("Client"), _("Client number"), _("BSN"), _("Zorgprofiel"),
            _("Prestatiecode"), _("Begin"), _("End"), _("Days"), _("Tariff"), _("Amount"), _("Debit/credit"),
            _("Corrects line"), _("Status"), _("Return code")]


def declaration_rows(overview: DeclarationOverview) -> tuple[list[list[Any]], frozenset[int]]:
    rows: list[list[Any]] = [
        [r.number, r.reference, r.client_name, r.client_id, r.bsn_masked, r.zorgprofiel_short, r.prestatiecode,
         r.begin, r.end, r.days, r.tariff, r.amount, r.side, r.corrects_number, r.status_label, r.return_code]
        for r in overview.rows
    ]
    blank = [None] * 8
    rows.append([_("Total debit"), *blank, overview.debit_days, None, overview.total_debit, "D", None, None, None])
    rows.append([_("Total credit"), *blank, overview.credit_days, None, overview.total_credit, "C", None, None, None])
    rows.append([_("Net"), *blank, None, None, overview.net, None, None, None, None])
    return rows, frozenset(range(len(rows) - 3, len(rows)))


def team_budget_header() -> list[str]:
    return [_("Team"), _("Client"), _("Client number"), _("Client-days"), _("Tariff earned"), _("Planned cost"),
            _("Realised cost"), _("Margin"), _("Margin %")]


def team_budget_rows(report: TeamBudgetReport) -> tuple[list[list[Any]], frozenset[int]]:
    rows: list[list[Any]] = []
    totals = set()

    def figures(f: BudgetFigures) -> list[Any]:
        return [f.client_days, f.tariff, f.planned_cost, f.realised_cost, f.margin, f.margin_pct]

    for team in report.teams:
        for c in team.clients:
            rows.append([team.name, c.name, c.client_id, *figures(c.figures)])
        totals.add(len(rows))
        rows.append([team.name, _("Team total"), None, *figures(team.total)])
    totals.add(len(rows))
    rows.append([_("Grand total"), None, None, *figures(report.total)])
    return rows, frozenset(totals)


def team_summary_table(report: TeamBudgetReport) -> Table:
    header = [_("Team"), _("Clients"), _("Client-days"), _("Tariff earned"), _("Planned cost"), _("Realised cost"),
              _("Margin"), _("Margin %")]
    rows: list[list[Any]] = []
    for team in report.teams:
        t = team.total
        rows.append([team.name, len(team.clients), t.client_days, t.tariff, t.planned_cost, t.realised_cost, t.margin,
                     t.margin_pct])
    t = report.total
    rows.append([_("Grand total"), report.client_count, t.client_days, t.tariff, t.planned_cost, t.realised_cost, t.margin,
                 t.margin_pct])
    return Table(_("Teams"), header, rows, frozenset({len(rows) - 1}), {0: 24})


# --------------------------------------------------------------------------- building a job's file


@dataclass(frozen=True)
class Built:
    content: bytes
    filename: str
    client_ids: list[int]


def _param_int(params: dict, name: str) -> int | None:
    value = params.get(name)
    return int(value) if value not in (None, "") else None


def _param_period(params: dict) -> tuple[dt.date, dt.date]:
    if params.get("first") and params.get("last"):
        return dt.date.fromisoformat(params["first"]), dt.date.fromisoformat(params["last"])
    return month_bounds(int(params["year"]), int(params["month"]))


def build(job: ExportJob, *, progress: Progress = _no_progress) -> Built:
    """The file of `job` (kind, format and params as requested). Opens its own tenant
    scopes; call it outside one so that progress updates in between are committed."""
    builders = {
        ExportJob.Kind.CLIENT_STATEMENT: build_statements,
        ExportJob.Kind.DECLARATION: build_declaration,
        ExportJob.Kind.TEAM_BUDGET: build_team_budget,
    }
    return builders[job.kind](job, progress)


def build_statements(job: ExportJob, progress: Progress) -> Built:
    org_id, params, fmt = job.organization_id, job.params, job.format
    organization = load_organization(org_id)
    first, last = month_bounds(int(params["year"]), int(params["month"]))
    client_id, team_id = _param_int(params, "client_id"), _param_int(params, "team_id")
    team_label = _("All teams")
    with tenant_scope(org_id):
        if client_id is not None:
            if not Client.objects.filter(organization_id=org_id, pk=client_id).exists():
                raise ExportError(_("The client no longer exists."))
            client_ids = [client_id]
        else:
            client_ids = statement_client_ids(organization_id=org_id, first=first, last=last, team_id=team_id)
            if fmt == ExportJob.Format.PDF and len(client_ids) > MAX_BUNDLE_CLIENTS:
                raise ExportError(_("%(count)s clients are too many for one PDF (at most %(max)s): choose a team, "
                                    "or take the sheet (CSV or XLSX).") % {"count": len(client_ids),
                                                                           "max": MAX_BUNDLE_CLIENTS})
            if team_id is not None:
                team = Team.objects.filter(organization_id=org_id, pk=team_id).first()
                if team is None:
                    raise ExportError(_("The team no longer exists."))
                team_label = team.name
        illustrative = illustrative_tariffs(first, last)
    progress(2)

    # Read in chunks, one transaction each: the progress written in between is visible.
    bulk = client_id is None
    read_share = 40 if fmt == ExportJob.Format.PDF else 85
    statements: list[ClientStatement] = []
    for start in range(0, len(client_ids), CHUNK_CLIENTS):
        with tenant_scope(org_id):
            statements += client_statements(organization_id=org_id, client_ids=client_ids[start:start + CHUNK_CLIENTS],
                                            first=first, last=last)
        progress(2 + read_share * len(statements) // max(len(client_ids), 1))

    period = f"{first:%Y-%m}"
    if bulk:
        stem = f"maandoverzichten-{period}" + (f"-team-{team_id}" if team_id else "")
    else:
        stem = f"maandoverzicht-client-{client_id}-{period}"
    if fmt == ExportJob.Format.PDF:
        if bulk:
            content = statements_bundle_pdf(organization, statements, first=first, last=last, team_label=team_label,
                                            illustrative=illustrative, progress=progress,
                                            progress_range=(2 + read_share, 95))
        elif statements:
            content = statement_pdf(organization, statements[0], illustrative=illustrative)
        else:
            raise ExportError(_("The client no longer exists."))
    elif fmt == ExportJob.Format.CSV:
        rows, _total = statement_day_rows(statements)
        content = write_csv(statement_day_header(), rows)
    else:
        rows, total = statement_day_rows(statements)
        tables = [Table(_("Days"), statement_day_header(), rows, frozenset({total}), {0: 28, 8: 30}),
                  statement_client_table(statements)]
        content = write_xlsx(tables, organization=organization, title=job.title, period=month_label(first))
    return Built(content, f"{stem}.{fmt}", [s.client.pk for s in statements])


def build_declaration(job: ExportJob, progress: Progress) -> Built:
    org_id, fmt = job.organization_id, job.format
    organization = load_organization(org_id)
    declaration_id = _param_int(job.params, "declaration_id")
    with tenant_scope(org_id):
        overview = declaration_overview(organization_id=org_id, declaration_id=declaration_id)
    progress(40)
    stem = f"declaratie-{overview.reference}"
    if fmt == ExportJob.Format.PDF:
        content = declaration_pdf(organization, overview)
    elif fmt == ExportJob.Format.CSV:
        rows, _totals = declaration_rows(overview)
        content = write_csv(declaration_header(), rows)
    else:
        rows, totals = declaration_rows(overview)
        content = write_xlsx([Table(_("Declaration"), declaration_header(), rows, totals, {1: 16, 2: 28, 14: 14})],
                             organization=organization, title=job.title,
                             period=f"{overview.reference} · {overview.month_label}")
    return Built(content, f"{stem}.{fmt}", overview.client_ids)


def build_team_budget(job: ExportJob, progress: Progress) -> Built:
    org_id, fmt = job.organization_id, job.format
    organization = load_organization(org_id)
    first, last = _param_period(job.params)
    team_id = _param_int(job.params, "team_id")
    with tenant_scope(org_id):
        report = team_budget(organization_id=org_id, first=first, last=last, team_id=team_id)
        illustrative = illustrative_tariffs(first, last)
    progress(40)
    period = f"{first:%Y-%m}" if is_whole_month(first, last) else f"{first:%Y%m%d}-{last:%Y%m%d}"
    stem = f"teambudget-{period}" + (f"-team-{team_id}" if team_id else "")
    if fmt == ExportJob.Format.PDF:
        content = team_budget_pdf(organization, report, illustrative=illustrative)
    elif fmt == ExportJob.Format.CSV:
        rows, _totals = team_budget_rows(report)
        content = write_csv(team_budget_header(), rows)
    else:
        rows, totals = team_budget_rows(report)
        content = write_xlsx([team_summary_table(report),
                              Table(_("Clients"), team_budget_header(), rows, totals, {0: 20, 1: 28})],
                             organization=organization, title=job.title, period=report.period_label)
    return Built(content, f"{stem}.{fmt}", report.client_ids)


CONTENT_TYPES = {
    ExportJob.Format.PDF: "application/pdf",
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def statement_pdf_now(*, organization: Organization, client_id: int, year: int, month: int) -> bytes:
    """The single client statement rendered at once (in the request's scope)."""
    first, last = month_bounds(year, month)
    statements = client_statements(organization_id=organization.pk, client_ids=[client_id], first=first, last=last)
    if not statements:
        raise Http404
    return statement_pdf(organization, statements[0], illustrative=illustrative_tariffs(first, last))


def expiry_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=RETENTION_DAYS)


def language_of(params: dict) -> str:
    return params.get("language") or settings.LANGUAGE_CODE
