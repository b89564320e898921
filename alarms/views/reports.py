"""Alarm KPIs per team and month (/alarmen/rapportage/?maand=2026-11&team=<id>): the page,
and the same figures as CSV (`?format=csv`) and as a PDF document (`?format=pdf`).

The figures come from `alarms.kpis.alarm_kpis`; this module picks the month and the teams
and lays them out. Which teams: the member's visible teams (`clients.selectors.visible_teams`);
admins and finance see the whole organisation (also a team deactivated since). Asking for a
team one does not see (or that does not exist) is a 404, like every other object of
another team.

The page names the clients with the most alarms, so it leaves a VIEW entry in the access
log. The CSV and the PDF carry aggregates only — no client names or ids — and are meant to
leave the organisation (the zorgkantoor); they are logged as EXPORT and PRINT.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms.kpis import Figures, GroupKpis, KpiReport, add_months, alarm_kpis, month_first
from alarms.models import Alarm
from clients.selectors import visible_teams
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.csv_export import safe_cell
from vpt.core.pdf import render_pdf
from vpt.tenancy.decorators import requires
from vpt.tenancy.models import Team
from vpt.tenancy.roles import ORGANISATION_WIDE_CLIENT_ROLES, Perm

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
# Excel and LibreOffice run a cell starting with one of these as a formula.


# --- the month ---------------------------------------------------------------------------------


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """The first day of a month written as 2026-11; anything else is the current month."""
    match = _MONTH.match(value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    return month_first(today)


def month_param(first: dt.date) -> str:
    return f"{first.year}-{first.month:02d}"


@dataclass
class Month:
    first: dt.date
    current: dt.date  # the first of the current month

    @property
    def param(self) -> str:
        return month_param(self.first)

    @property
    def previous(self) -> str:
        return month_param(add_months(self.first, -1))

    @property
    def next(self) -> str | None:
        """None from the current month on: later months have no alarms yet."""
        return month_param(add_months(self.first, 1)) if self.first < self.current else None

    @property
    def is_current(self) -> bool:
        return self.first == self.current

    @property
    def last_day(self) -> dt.date:
        return add_months(self.first, 1) - dt.timedelta(days=1)


def _month(request: HttpRequest) -> Month:
    today = timezone.localdate()
    return Month(first=parse_month(request.GET.get("maand"), today), current=month_first(today))


# --- the teams ---------------------------------------------------------------------------------


@dataclass
class Selection:
    options: list[Team]  # the teams the member may pick
    team: Team | None  # the team picked, None: all of them
    team_ids: list[int] | None  # what the KPIs cover; None: the whole organisation

    @property
    def label(self) -> str:
        return self.team.name if self.team else _("All teams")


def _selection(request: HttpRequest) -> Selection:
    options = list(visible_teams(request.membership).order_by("name", "pk"))
    raw = (request.GET.get("team") or "").strip()
    if raw:
        team = next((t for t in options if str(t.pk) == raw), None)
        if team is None:  # not a team this member sees (or no team at all)
            raise Http404
        return Selection(options=options, team=team, team_ids=[team.pk])
    if request.membership.role in ORGANISATION_WIDE_CLIENT_ROLES:
        return Selection(options=options, team=None, team_ids=None)
    return Selection(options=options, team=None, team_ids=[t.pk for t in options])


# --- what the templates draw -------------------------------------------------------------------


def _pct(value: int, scale: int) -> float:
    """Width of a bar in percent of the scale (the largest value drawn next to it)."""
    if not scale or value <= 0:
        return 0.0
    return round(min(value / scale * 100, 100.0), 1)


@dataclass
class BarRow:
    value: str
    label: str
    count: int
    pct: float  # bar width
    share: float | None  # of the total, in percent


def _bars(counts: dict[str, int], labels: dict[str, str], *, total: int, keep_zero: bool = False) -> list[BarRow]:
    scale = max(counts.values(), default=0)
    rows = [
        BarRow(value=value, label=labels[value], count=count, pct=_pct(count, scale),
               share=round(100 * count / total, 1) if total else None)
        for value, count in counts.items()
        if count or keep_zero
    ]
    return sorted(rows, key=lambda row: -row.count)


def _step_rows(figures: Figures) -> list[dict]:
    names = {1: _("Responsible team again"), 2: _("Night service or alarm centre"), 3: _("Team manager on call")}
    return [
        {"level": level, "label": names.get(level, ""), "count": figures.by_highest_step.get(level, 0)}
        for level in sorted({*names, *figures.by_highest_step})
    ]


def _client_rows(group: GroupKpis) -> list[dict]:
    scale = max((c.alarms for c in group.top_clients), default=0)
    total = group.all.alarms
    return [
        {"rank": n, "client": c, "pct": _pct(c.alarms, scale),
         "share": round(100 * c.alarms / total, 1) if total else None}
        for n, c in enumerate(group.top_clients, start=1)
    ]


def _context(report: KpiReport, month: Month, selection: Selection) -> dict:
    total = report.total
    cause_labels, kind_labels = dict(Alarm.Cause.choices), dict(Alarm.Kind.choices)
    top_alarms = sum(c.alarms for c in total.top_clients)
    return {
        "report": report,
        "month": month,
        "selection": selection,
        "total": total,
        "teams": report.teams,
        "show_total_row": len(report.teams) != 1,
        "cause_rows": _bars(total.all.by_cause, cause_labels, total=total.all.resolved),
        "kind_rows": _bars(total.all.by_kind, kind_labels, total=total.all.alarms),
        "step_rows": _step_rows(total.all),
        "client_rows": _client_rows(total),
        "top_alarms": top_alarms,
        "top_share": round(100 * top_alarms / total.all.alarms, 1) if total.all.alarms else None,
        "parts": [(_("Day"), total.day), (_("Night"), total.night)],
    }


# --- the view ----------------------------------------------------------------------------------


@requires(Perm.VIEW_ALARM_REPORTS)
def month_kpis(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    selection = _selection(request)
    export = request.GET.get("format")
    report = alarm_kpis(request.organization.pk, selection.team_ids, month.first,
                        include_client_names=export not in ("csv", "pdf"), total_name=_("All teams"))
    what = f"alarm KPIs {month.param}, {selection.team.name if selection.team else 'all teams'}"
    if export == "csv":
        record_access(action=AccessLog.Action.EXPORT, request=request, obj=selection.team,
                      object_type="" if selection.team else "alarms.report",
                      description=f"{what}, as CSV (aggregates, {report.total.all.alarms} alarms)")
        return _csv(report, month, selection)
    if export == "pdf":
        record_access(action=AccessLog.Action.PRINT, request=request, obj=selection.team,
                      object_type="" if selection.team else "alarms.report",
                      description=f"{what}, as PDF (aggregates, {report.total.all.alarms} alarms)")
        return _pdf(request, report, month, selection)
    if report.total.top_clients:
        # The page names the clients with the most alarms: a read over client records (NEN 7513).
        record_access(action=AccessLog.Action.VIEW, request=request, obj=selection.team,
                      object_type="" if selection.team else "alarms.report",
                      description=f"{what} ({len(report.total.top_clients)} clients named)")
    return render(request, "alarms/report_month.html", _context(report, month, selection))


# --- exports -----------------------------------------------------------------------------------




def _number(value: float | int | None) -> str:
    # Semicolon-separated with decimal commas: what Dutch Excel opens as numbers.
    if value is None:
        return ""
    if isinstance(value, float):
        value = round(value, 1)
        if value == int(value):
            value = int(value)
    return str(value).replace(".", ",")


def _csv(report: KpiReport, month: Month, selection: Selection) -> HttpResponse:
    """One row per team and part (all, day, night), the selection's total last; aggregates
    only."""
    kinds, causes = Alarm.Kind.choices, Alarm.Cause.choices
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([
        _("Month"), _("Team"), _("Part of day"), _("Alarms"), _("Resolved"),
        _("Acknowledged"), _("Acknowledge median (min)"), _("Acknowledge p90 (min)"),
        _("Acknowledged within norm"), _("Acknowledge norm measured"), _("Acknowledged within norm %"),
        _("On site"), _("On site median (min)"), _("On site p90 (min)"),
        _("On site within norm"), _("On site within norm %"),
        _("Escalated alarms"), _("Escalation steps"), _("Open at month end"),
        *[_("Kind: %(kind)s") % {"kind": label} for _value, label in kinds],
        *[_("Cause: %(cause)s") % {"cause": label} for _value, label in causes],
    ])
    groups = [*report.teams, report.total] if len(report.teams) != 1 else report.teams
    for group in groups:
        for part, f in ((_("all"), group.all), (_("day"), group.day), (_("night"), group.night)):
            writer.writerow([
                month.param, safe_cell(group.team_name), part, f.alarms, f.resolved,
                f.acknowledged.count, _number(f.acknowledged.median), _number(f.acknowledged.p90),
                f.ack_norm.within, f.ack_norm.total, _number(f.ack_norm.pct),
                f.on_site.count, _number(f.on_site.median), _number(f.on_site.p90),
                f.on_site_norm.within, _number(f.on_site_norm.pct),
                f.escalated_alarms, f.escalation_steps, f.open_at_month_end,
                *[f.by_kind.get(value, 0) for value, _label in kinds],
                *[f.by_cause.get(value, 0) for value, _label in causes],
            ])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    suffix = f"team-{selection.team.pk}" if selection.team else "alle-teams"
    response["Content-Disposition"] = f'attachment; filename="alarmen-{month.param}-{suffix}.csv"'
    return response


def _pdf(request: HttpRequest, report: KpiReport, month: Month, selection: Selection) -> HttpResponse:
    context = _context(report, month, selection)
    # Translators: the Dutch title is "Alarmopvolging: kerncijfers".
    context.update({
        "title": _("Alarm follow-up: key figures"),
        "organization": request.organization,
        "printed_at": report.computed_at,
    })
    pdf = render_pdf("pdf/alarm_report.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = f"team-{selection.team.pk}" if selection.team else "alle-teams"
    response["Content-Disposition"] = f'attachment; filename="alarmen-{month.param}-{suffix}.pdf"'
    return response
