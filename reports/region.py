"""The zorgkantoor's region overview and comparisons of submitted reports.

Built ONLY from what the zorgkantoor may read: its contracts (`selectors.funder_contracts`)
and the latest submitted version of each report (`selectors.latest_versions`, or
`funder_objects` for one provider's periods). Every figure comes from a frozen version's
figures JSON, never from a provider's own tables, so the overview shows what the providers
submitted. The page, the PDF and the CSV/XLSX exports all use `region_overview`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import ProviderReport, ReportVersion, period_label
from reports.selectors import funder_contracts, latest_version_of, latest_versions
from vpt.tenancy.models import Contract

NO_PROFILE = ""


def _dec(value: Any) -> Decimal | None:  # noqa: ANN401
    """A figure (string with decimals, int or float) as Decimal; None when absent."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _int(value: Any) -> int | None:  # noqa: ANN401
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def _get(figures: dict, *path: str) -> Any:  # noqa: ANN401
    """figures[a][b]… or None when any step is missing (old or partial figures)."""
    value: Any = figures
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass
class Profile:
    code: str
    short: str
    label: str


def profiles_of(figures_list: list[dict]) -> list[Profile]:
    """The profiles occurring in any of the figures, in code order, labelled from the
    figures themselves (never a live lookup)."""
    seen: dict[str, Profile] = {}
    for figures in figures_list:
        for p in _get(figures, "profiles") or []:
            code = str(p.get("code", ""))
            seen.setdefault(code, Profile(code, p.get("short") or code or _("none"), p.get("label") or ""))
    return [seen[code] for code in sorted(seen)]


@dataclass
class KeyFigures:
    """The key figures of one report version (what comparisons and the region table show)."""

    clients_at_end: dict[str, int] = field(default_factory=dict)
    clients_total: int | None = None
    client_days: int | None = None
    earned: Decimal | None = None
    declared: Decimal | None = None
    agreement: Decimal | None = None
    earned_to_date: Decimal | None = None
    realisation_pct: Decimal | None = None
    projected_pct: Decimal | None = None
    planned_per_week: Decimal | None = None
    delivered_per_week: Decimal | None = None
    mantelzorg_share_pct: Decimal | None = None
    alarms: int | None = None
    ack_median_min: Decimal | None = None
    ack_p90_min: Decimal | None = None
    ack_within_norm_pct: Decimal | None = None
    on_site_within_norm_pct: Decimal | None = None
    respite_nights: int | None = None


def key_figures(figures: dict) -> KeyFigures:
    figures = figures if isinstance(figures, dict) else {}
    at_end = {}
    for row in _get(figures, "clients", "rows") or []:
        if isinstance(row, dict) and _int(row.get("at_end")) is not None:
            at_end[str(row.get("profile", NO_PROFILE))] = row["at_end"]
    return KeyFigures(
        clients_at_end=at_end,
        clients_total=_int(_get(figures, "clients", "total", "at_end")),
        client_days=_int(_get(figures, "production", "total", "client_days")),
        earned=_dec(_get(figures, "production", "total", "earned")),
        declared=_dec(_get(figures, "production", "total", "declared")),
        agreement=_dec(_get(figures, "production", "year", "agreement")),
        earned_to_date=_dec(_get(figures, "production", "year", "earned_to_date")),
        realisation_pct=_dec(_get(figures, "production", "year", "used_pct")),
        projected_pct=_dec(_get(figures, "production", "year", "projected_pct")),
        planned_per_week=_dec(_get(figures, "hours", "total", "planned_per_week")),
        delivered_per_week=_dec(_get(figures, "hours", "total", "delivered_per_week")),
        mantelzorg_share_pct=_dec(_get(figures, "mantelzorg", "share_pct")),
        alarms=_int(_get(figures, "alarms", "alarms")),
        ack_median_min=_dec(_get(figures, "alarms", "ack_median_min")),
        ack_p90_min=_dec(_get(figures, "alarms", "ack_p90_min")),
        ack_within_norm_pct=_dec(_get(figures, "alarms", "ack_within_norm_pct")),
        on_site_within_norm_pct=_dec(_get(figures, "alarms", "on_site_within_norm_pct")),
        respite_nights=_int(_get(figures, "respite", "nights")),
    )


# --------------------------------------------------------------------------- region overview


@dataclass
class RegionRow:
    provider_id: int
    provider_name: str
    agb_code: str
    region: str
    agreement: Decimal | None  # the contract's production agreement (the contract as it is now)
    report: ProviderReport | None = None
    version: ReportVersion | None = None
    figures: KeyFigures = field(default_factory=KeyFigures)
    clients_by_profile: list[int | None] = field(default_factory=list)  # in RegionOverview.profiles order

    @property
    def has_report(self) -> bool:
        return self.version is not None

    @property
    def status_label(self) -> str:
        return self.report.get_status_display() if self.report else _("no report submitted")


@dataclass
class RegionTotals:
    providers: int = 0
    reported: int = 0
    agreement: Decimal = Decimal("0.00")
    earned: Decimal = Decimal("0.00")
    declared: Decimal = Decimal("0.00")
    earned_to_date: Decimal = Decimal("0.00")
    reported_agreement: Decimal = Decimal("0.00")
    clients_by_profile: list[int] = field(default_factory=list)
    clients_total: int = 0
    alarms: int = 0

    @property
    def realisation_pct(self) -> Decimal | None:
        """Earned to date of the reporting providers against their agreements."""
        return _pct(self.earned_to_date, self.reported_agreement)


@dataclass
class RegionOverview:
    year: int
    quarter: int | None
    rows: list[RegionRow]
    profiles: list[Profile]
    totals: RegionTotals

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)


def region_overview(*, year: int, quarter: int | None) -> RegionOverview:
    """Every provider with a contract with the active zorgkantoor for `year`, with the
    latest submitted version of its report for the period (or none: "no report
    submitted"), and totals. Three queries."""
    contracts: list[Contract] = list(funder_contracts(year=year))
    latest = latest_versions(year=year, quarter=quarter, provider_ids=[c.organization_id for c in contracts])
    profiles = profiles_of([version.figures for _report, version in latest.values()])
    totals = RegionTotals(clients_by_profile=[0] * len(profiles))
    rows = []
    for contract in contracts:
        org = contract.organization
        row = RegionRow(provider_id=org.pk, provider_name=org.name, agb_code=org.agb_code,
                        region=org.region.name if org.region_id else "", agreement=contract.production_agreement)
        totals.providers += 1
        totals.agreement += contract.production_agreement or 0
        if org.pk in latest:
            row.report, row.version = latest[org.pk]
            kf = row.figures = key_figures(row.version.figures)
            row.clients_by_profile = [kf.clients_at_end.get(p.code) for p in profiles]
            totals.reported += 1
            totals.earned += kf.earned or 0
            totals.declared += kf.declared or 0
            if kf.earned_to_date is not None and kf.agreement:
                totals.earned_to_date += kf.earned_to_date
                totals.reported_agreement += kf.agreement
            for i, n in enumerate(row.clients_by_profile):
                totals.clients_by_profile[i] += n or 0
            totals.clients_total += kf.clients_total or 0
            totals.alarms += kf.alarms or 0
        else:
            row.clients_by_profile = [None] * len(profiles)
        rows.append(row)
    rows.sort(key=lambda r: r.provider_name.lower())
    return RegionOverview(year=year, quarter=quarter, rows=rows, profiles=profiles, totals=totals)


def region_table(overview: RegionOverview) -> tuple[list[str], list[list[Any]]]:
    """The overview as header + rows for CSV/XLSX: numbers as Decimal/int, text as str."""
    header = [_("Provider"), _("AGB code"), _("Region"), _("Production agreement"), _("Status"), _("Version"),
              _("Earned"), _("Declared"), _("Realisation (percentage of the agreement)"), _("Projected %"),
              *[_("Clients %(profile)s") % {"profile": p.short} for p in overview.profiles], _("Clients total"),
              _("Alarms"), _("Acknowledged median (min)"), _("Acknowledged p90 (min)"),
              _("Acknowledged within norm %"), _("On site within norm %")]
    rows: list[list[Any]] = []
    for r in overview.rows:
        f = r.figures
        rows.append([r.provider_name, r.agb_code, r.region, r.agreement, r.status_label,
                     r.version.number if r.version else None, f.earned, f.declared, f.realisation_pct,
                     f.projected_pct, *r.clients_by_profile, f.clients_total, f.alarms, f.ack_median_min,
                     f.ack_p90_min, f.ack_within_norm_pct, f.on_site_within_norm_pct])
    t = overview.totals
    rows.append([_("Total"), "", "", t.agreement, _("%(n)s of %(total)s reported") % {"n": t.reported,
                                                                                   "total": t.providers},
                 None, t.earned, t.declared, t.realisation_pct, None, *t.clients_by_profile, t.clients_total,
                 t.alarms, None, None, None, None])
    return header, rows


# --------------------------------------------------------------------------- charts (inline SVG geometry)

CHART_WIDTH = 640
LABEL_WIDTH = 170
ROW_HEIGHT = 26
PROFILE_COLORS = ["#0b5a73", "#4f9bb3", "#9cc9d8", "#c77d1a", "#e2b36b", "#6b7f3a", "#a8b97a", "#7a5c99"]


def realisation_chart(overview: RegionOverview) -> dict:
    """Horizontal bars per provider: earned to date (solid) and projected (light) as a
    percentage of the agreement on a 0–150 % scale, with the 100 % line."""
    plot = CHART_WIDTH - LABEL_WIDTH - 60
    scale = Decimal(plot) / 150
    bars = []
    for i, row in enumerate(overview.rows):
        y = 30 + i * ROW_HEIGHT
        used, projected = row.figures.realisation_pct, row.figures.projected_pct
        bars.append({
            "y": y, "text_y": y + 14, "label": row.provider_name[:28],
            "used_w": int(min(used, 150) * scale) if used is not None else None,
            "projected_w": int(min(projected, 150) * scale) if projected is not None else None,
            "value": f"{number_format(used, 1)} %" if used is not None else (_("no report") if not row.has_report else "—"),
            "projected": number_format(projected, 1) if projected is not None else "",
        })
    return {"width": CHART_WIDTH, "height": 44 + len(overview.rows) * ROW_HEIGHT, "plot_left": LABEL_WIDTH,
            "plot_width": plot, "line_x": LABEL_WIDTH + int(100 * scale), "value_x": CHART_WIDTH - 4,
            "bars": bars, "axis_y": 40 + len(overview.rows) * ROW_HEIGHT}


def clients_chart(overview: RegionOverview) -> dict:
    """Stacked horizontal bars per provider: clients at the end of the period per profile."""
    plot = CHART_WIDTH - LABEL_WIDTH - 50
    top = max([sum(n or 0 for n in r.clients_by_profile) for r in overview.rows] + [1])
    legend = [{"x": LABEL_WIDTH + i * 80, "color": PROFILE_COLORS[i % len(PROFILE_COLORS)], "label": p.short}
              for i, p in enumerate(overview.profiles)]
    bars = []
    for i, row in enumerate(overview.rows):
        y = 30 + i * ROW_HEIGHT
        x = LABEL_WIDTH
        parts = []
        for j, (profile, n) in enumerate(zip(overview.profiles, row.clients_by_profile, strict=True)):
            if not n:
                continue
            w = max(1, round(n * plot / top))
            parts.append({"x": x, "w": w, "color": PROFILE_COLORS[j % len(PROFILE_COLORS)],
                          "title": f"{profile.short}: {n}"})
            x += w
        total = sum(n or 0 for n in row.clients_by_profile)
        bars.append({"y": y, "text_y": y + 14, "label": row.provider_name[:28], "parts": parts,
                     "total": total if row.has_report else _("no report")})
    return {"width": CHART_WIDTH, "height": 40 + len(overview.rows) * ROW_HEIGHT, "legend": legend,
            "bars": bars, "value_x": CHART_WIDTH - 4}


# --------------------------------------------------------------------------- comparisons


@dataclass
class CompareColumn:
    title: str
    subtitle: str
    report: ProviderReport
    version: ReportVersion
    figures: KeyFigures


@dataclass
class CompareRow:
    label: str
    kind: str  # int, amount, pct, num — how the template formats the values
    values: list[Any]
    key: str = ""


METRICS = [
    ("clients_total", gettext_lazy("Clients at end of period"), "int"),
    ("client_days", gettext_lazy("Client-days"), "int"),
    ("earned", gettext_lazy("Earned"), "amount"),
    ("declared", gettext_lazy("Declared"), "amount"),
    ("realisation_pct", gettext_lazy("Realisation, year to date (percentage of the agreement)"), "pct"),
    ("projected_pct", gettext_lazy("Projected % at year end"), "pct"),
    ("planned_per_week", gettext_lazy("Planned hours per client-week"), "num"),
    ("delivered_per_week", gettext_lazy("Delivered hours per client-week"), "num"),
    ("mantelzorg_share_pct", gettext_lazy("Clients with a mantelzorger"), "pct"),
    ("alarms", gettext_lazy("Alarms"), "int"),
    ("ack_median_min", gettext_lazy("Acknowledged, median (min)"), "num"),
    ("ack_p90_min", gettext_lazy("Acknowledged, p90 (min)"), "num"),
    ("ack_within_norm_pct", gettext_lazy("Acknowledged within norm"), "pct"),
    ("respite_nights", gettext_lazy("Respite nights"), "int"),
]


def compare_rows(columns: list[CompareColumn]) -> list[CompareRow]:
    profiles = profiles_of([c.version.figures for c in columns])
    rows = [CompareRow(_("Clients at end: %(profile)s") % {"profile": p.short}, "int",
                       [c.figures.clients_at_end.get(p.code) for c in columns], key=f"clients-{p.code}")
            for p in profiles]
    rows += [CompareRow(str(label), kind, [getattr(c.figures, key) for c in columns], key=key)
             for key, label, kind in METRICS]
    return rows


def compare_providers(*, year: int, quarter: int | None, provider_ids: list[int]) -> list[CompareColumn]:
    """One period, the chosen contracted providers side by side (those that submitted)."""
    latest = latest_versions(year=year, quarter=quarter, provider_ids=provider_ids)
    columns = [CompareColumn(report.organization.name, report.organization.agb_code, report, version,
                             key_figures(version.figures))
               for report, version in latest.values()]
    return sorted(columns, key=lambda c: c.title.lower())


def compare_periods(*, provider_id: int) -> list[CompareColumn]:
    """One provider, the latest version of each of its submitted reports, oldest period
    first (quarters of a year before the year itself)."""
    reports = {r.pk: r for r in ProviderReport.funder_objects.filter(organization_id=provider_id)
               .select_related("organization")}
    latest = latest_version_of(list(reports))
    columns = [CompareColumn(r.period_label, r.get_kind_display(), r, latest[pk], key_figures(latest[pk].figures))
               for pk, r in reports.items() if pk in latest]
    return sorted(columns, key=lambda c: (c.report.year, c.report.quarter or 5))
