"""Provider reports as PDF (WeasyPrint, `vpt.core.pdf.render_pdf`): the official document
the provider sends and the zorgkantoor files.

A report PDF renders one version's frozen figures dict and nothing else: the cover (title,
provider, AGB code, zorgkantoor, period, version, status, data version, submitted at/by),
a table of contents with page numbers for the annual report, one section per
`reports.sections.SECTIONS` entry (tables and simple bar charts) and a running footer with
the provider, the period and "page X of Y". Everything shown about the provider, the
zorgkantoor, the period and the contract comes from the figures, so a submitted version
reads the same forever. A draft renders its draft figures under a "draft" watermark.

The region overview PDF renders `reports.region.region_overview(...)` for the zorgkantoor.

Numbers in the figures are strings (amounts with 2 decimals, hours and percentages with 1);
`_dec` turns them into Decimals so the templates format them in the active language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from reports.figures import outflow_rows
from reports.models import ProviderReport, ReportVersion
from reports.sections import SECTIONS
from vpt.core.pdf import render_pdf
from vpt.wlz import codes

# --------------------------------------------------------------------------- small helpers


def _dec(value: Any) -> Decimal | None:  # noqa: ANN401 (a figures value)
    """'244930.00' → Decimal; None (no denominator) and anything unreadable → None."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _date(value: Any) -> dt.date | None:  # noqa: ANN401
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def report_title(kind: str) -> str:
    if kind == ProviderReport.Kind.YEAR:
        # Translators: the Dutch title is "Jaarrapportage VPT".
        return _("Annual report VPT")
    # Translators: the Dutch title is "Kwartaalrapportage VPT".
    return _("Quarterly report VPT")


def report_filename(report: ProviderReport, version: ReportVersion | None) -> str:
    """'rapportage-73730001-2026-q3-v2.pdf' (draft: '…-concept.pdf')."""
    period = f"{report.year}-q{report.quarter}" if report.quarter else f"{report.year}-jaar"
    agb = report.organization.agb_code or str(report.organization_id)
    suffix = f"v{version.number}" if version is not None else "concept"
    return f"rapportage-{agb}-{period}-{suffix}.pdf"


# --------------------------------------------------------------------------- bar charts (inline SVG)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    value: str

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class BarChart:
    """A grouped bar chart laid out in Python; `reports/pdf/_bar_chart.html` draws it."""

    title: str
    groups: list[dict] = field(default_factory=list)  # {"label", "x" (centre), "bars": [Bar]}
    legend: list[dict] = field(default_factory=list)  # {"label", "color", "x"}
    width: int = 520
    height: int = 170
    baseline: float = 140
    gridlines: list[dict] = field(default_factory=list)  # {"y", "label"}

    @property
    def empty(self) -> bool:
        return not self.groups


COLORS = ("#0b5a73", "#7fb3c4", "#b45309", "#4f5b67")
PLOT_TOP, PLOT_LEFT, PLOT_RIGHT = 22, 46, 8


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[Decimal | None]]],
              *, fmt: str = "int") -> BarChart:
    """Bars per category, one per series, scaled to the largest value (None draws nothing)."""
    chart = BarChart(title=title)
    values = [v for _label, vals in series for v in vals if v is not None]
    if not categories or not values:
        return chart
    top = max(max(values), Decimal(0))
    if top <= 0:
        top = Decimal(1)
    plot_height = chart.baseline - PLOT_TOP
    plot_width = chart.width - PLOT_LEFT - PLOT_RIGHT
    group_width = plot_width / len(categories)
    bar_width = min(34.0, group_width * 0.8 / max(len(series), 1))
    for step in (Decimal(0), top / 2, top):
        y = chart.baseline - float(step / top) * plot_height
        chart.gridlines.append({"y": round(y, 1), "label": _fmt(step, fmt, short=True)})
    for i, category in enumerate(categories):
        centre = PLOT_LEFT + group_width * (i + 0.5)
        start = centre - bar_width * len(series) / 2
        bars = []
        for j, (_label, vals) in enumerate(series):
            value = vals[i]
            if value is None:
                continue
            height = float(max(value, Decimal(0)) / top) * plot_height
            bars.append(Bar(x=round(start + j * bar_width + 1, 1), y=round(chart.baseline - height, 1),
                            width=round(bar_width - 2, 1), height=round(height, 1),
                            color=COLORS[j % len(COLORS)], value=_fmt(value, fmt, short=True)))
        chart.groups.append({"label": category, "x": round(centre, 1), "bars": bars})
    x = PLOT_LEFT
    for j, (label, _vals) in enumerate(series):
        chart.legend.append({"label": label, "color": COLORS[j % len(COLORS)], "x": x})
        x += 14 + 6.2 * len(label) + 16
    return chart


def _fmt(value: Decimal, fmt: str, *, short: bool = False) -> str:
    """A chart label (the tables use the template's localized formats)."""
    if fmt == "money":
        if short and abs(value) >= 1000:
            return "€ " + number_format(round(value / 1000), 0, force_grouping=True) + "k"
        return "€ " + number_format(value, 0, force_grouping=True)
    if fmt == "dec1":
        return number_format(value, 1)
    return number_format(value, 0, force_grouping=True)


# --------------------------------------------------------------------------- the figures, ready to render


def _profile_labels(figures: dict) -> dict[str, dict]:
    """Profile code → short and long label, as the figures name them ("" = no valid indication)."""
    labels = {p.get("code", ""): {"short": p.get("short") or p.get("code") or "—",
                                  "label": p.get("label") or ("" if p.get("code") else _("No valid indication"))}
              for p in figures.get("profiles", [])}
    labels.setdefault("", {"short": "—", "label": _("No valid indication")})
    return labels


def _rows(block: dict, labels: dict[str, dict], money: tuple[str, ...] = (), decimal: tuple[str, ...] = ()) -> list[dict]:
    rows = []
    for row in block.get("rows", []):
        out = dict(row)
        profile = labels.get(row.get("profile", ""), {"short": row.get("profile", ""), "label": ""})
        out["short"], out["label"] = profile["short"], profile["label"]
        for key in (*money, *decimal):
            out[key] = _dec(row.get(key))
        rows.append(out)
    return rows


def _total(block: dict, money: tuple[str, ...] = (), decimal: tuple[str, ...] = ()) -> dict:
    total = dict(block.get("total") or {})
    for key in (*money, *decimal):
        total[key] = _dec(total.get(key))
    return total


def _products(figures: dict) -> list[dict]:
    labels = _profile_labels(figures)
    products = []
    for code in (figures.get("contract") or {}).get("products") or []:
        short = labels[code]["short"] if code in labels else codes.zorgprofiel_short(code)
        products.append({"code": code, "short": short})
    return products


def report_context(figures: dict) -> dict[str, Any]:
    """Everything the section templates need, derived from the figures dict alone."""
    labels = _profile_labels(figures)
    period = dict(figures.get("period") or {})
    period["first_date"], period["last_date"] = _date(period.get("first")), _date(period.get("last"))

    clients = figures.get("clients") or {}
    client_rows = _rows(clients, labels)
    production = figures.get("production") or {}
    money = ("earned", "declared")
    production_rows = _rows(production, labels, money=money)
    year = dict(production.get("year") or {})
    for key in ("agreement", "earned_to_date", "declared_to_date", "projected", "used_pct", "projected_pct"):
        year[key] = _dec(year.get(key))
    year["through_date"] = _date(year.get("through"))
    hours = figures.get("hours") or {}
    hours_dec = ("client_weeks", "planned_per_week", "delivered_per_week")
    hours_rows = _rows(hours, labels, decimal=hours_dec)

    flow = dict(figures.get("flow") or {})
    flow["outflow_rows"] = outflow_rows(flow)

    mantelzorg = dict(figures.get("mantelzorg") or {})
    for key in ("share_pct", "estimated_hours_per_week"):
        mantelzorg[key] = _dec(mantelzorg.get(key))

    alarms = dict(figures.get("alarms") or {})
    for key in ("ack_within_norm_pct", "on_site_within_norm_pct"):
        alarms[key] = _dec(alarms.get(key))
    months = []
    for month in alarms.get("months") or []:
        first = _date(f"{month.get('month')}-01")
        months.append({"month": month.get("month"), "first": first, "alarms": month.get("alarms", 0),
                       "ack_within_norm_pct": _dec(month.get("ack_within_norm_pct"))})
    alarms["month_rows"] = months

    contract = dict(figures.get("contract") or {})
    contract["production_agreement"] = _dec(contract.get("production_agreement"))
    contract["percentage"] = _dec(contract.get("percentage"))
    contract["product_list"] = _products(figures)

    shorts = [r["short"] for r in client_rows]
    charts = {
        "clients": bar_chart(_("Clients per profile"), shorts, [
            (_("At the start"), [_dec(r.get("at_start")) for r in client_rows]),
            (_("At the end"), [_dec(r.get("at_end")) for r in client_rows]),
        ]),
        "production": bar_chart(_("Earned and declared per profile"), [r["short"] for r in production_rows], [
            (_("Earned"), [r["earned"] for r in production_rows]),
            (_("Declared"), [r["declared"] for r in production_rows]),
        ], fmt="money"),
        "hours": bar_chart(_("Hours per client per week"), [r["short"] for r in hours_rows], [
            (_("Planned"), [r["planned_per_week"] for r in hours_rows]),
            (_("Delivered"), [r["delivered_per_week"] for r in hours_rows]),
        ], fmt="dec1"),
        "alarms": bar_chart(_("Alarms per month"), [date_format(m["first"], "M Y") if m["first"] else (m["month"] or "")
                                                    for m in months], [
            (_("Alarms"), [_dec(m["alarms"]) for m in months]),
        ]),
    }
    return {
        "figures": figures,
        "period": period,
        "provider": figures.get("provider") or {},
        "zorgkantoor_name": (figures.get("zorgkantoor") or {}).get("name", ""),
        "contract": contract,
        "clients": {"rows": client_rows, "total": _total(clients)},
        "production": {"rows": production_rows, "total": _total(production, money=money), "year": year},
        "flow": flow,
        "hours": {"rows": hours_rows, "total": _total(hours, decimal=hours_dec)},
        "mantelzorg": mantelzorg,
        "alarms": alarms,
        "respite": figures.get("respite") or {},
        "charts": charts,
    }


# --------------------------------------------------------------------------- documents


def report_pdf(report: ProviderReport, version: ReportVersion | None) -> bytes:
    """The PDF of `version` of the report; with version None the report's draft figures,
    marked as a draft (only the provider ever sees a draft)."""
    draft = version is None
    figures = report.draft_figures if draft else version.figures
    kind = (figures.get("period") or {}).get("kind") or report.kind
    title = report_title(kind)
    context = report_context(figures)
    provider = context["provider"]
    context.update({
        "title": title,
        # The letterhead shows the provider as the figures name it (frozen with the version).
        "organization": {"name": provider.get("name") or report.organization.name,
                         "agb_code": provider.get("agb_code", "")},
        "printed_at": timezone.now(),
        "report": report,
        "version": version,
        "draft": draft,
        "status_label": report.get_status_display(),
        "computed_at": report.draft_computed_at if draft else version.computed_at,
        "is_annual": kind == ProviderReport.Kind.YEAR,
        "sections": [{"key": key, "label": str(label)} for key, label in SECTIONS],
    })
    return render_pdf("reports/pdf/report.html", context)


def region_title() -> str:
    # Translators: the Dutch title is "Regio-overzicht VPT".
    return _("Region overview VPT")


def region_pdf(overview: Any, *, organization: Any = None) -> bytes:  # noqa: ANN401 (reports.region.RegionOverview)
    """The zorgkantoor's region overview of one period (`reports.region.region_overview`):
    every contracted provider with the key figures of its latest submitted version, the
    totals and the two charts of the page. `organization` is the zorgkantoor (letterhead)."""
    from reports import region

    charts = {
        "realisation": region.realisation_chart(overview) if overview.rows else None,
        "clients": region.clients_chart(overview) if overview.rows and overview.profiles else None,
    }
    return render_pdf("reports/pdf/region.html", {
        "title": region_title(),
        "organization": organization,
        "printed_at": timezone.now(),
        "overview": overview,
        "charts": charts,
    })


def region_filename(overview: Any) -> str:  # noqa: ANN401
    return f"regio-overzicht-{overview.period_label.replace(' ', '-')}.pdf"
