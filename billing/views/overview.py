"""The finance overview (/financien/): for a month or the year to date the totals per
zorgprofiel from the day lines, the margins per team and per client from the budget days,
the margin over time as a server-drawn SVG chart, and the production agreement of the year
against what the days earned so far, with a projection to the end of the year."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from billing import selectors_finance as finance
from billing.forms_runs import OverviewFilterForm
from billing.views.common import require_provider
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50


def euros(value: Decimal | float) -> str:
    """Whole euros (half up) with thousands separators in the active language: "€ 12.345"."""
    whole = Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return "€ " + number_format(whole, 0, use_l10n=True, force_grouping=True)


# --------------------------------------------------------------------------- the SVG chart

CHART_W, CHART_H = 800, 320
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 92, 12, 40, 46
COLOR_TARIFF, COLOR_COST, COLOR_MARGIN, COLOR_LOSS = "#0b5a73", "#a3adb8", "#2e7d4f", "#9b1c1c"


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    w: str
    h: str
    fill: str
    title: str


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str
    sub: str = ""  # second line (the year under a month)
    fill: str = "#1b2430"


@dataclass(frozen=True)
class Point:
    x: str
    y: str
    fill: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: str
    label: str
    is_zero: bool


@dataclass(frozen=True)
class MarginChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    bars: list[Rect]
    points: list[Point]
    line: str  # polyline points of the margin
    values: list[Text]  # margin value above each bucket
    ticks: list[Tick]
    x_labels: list[Text]
    legend_y: int
    colors: dict[str, str]


def _f(value: float) -> str:
    return f"{value:.1f}"  # SVG coordinates: never localised (a decimal comma breaks them)


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover


def bucket_label(series: finance.MarginSeries, point: finance.MarginPoint, index: int) -> tuple[str, str, str]:
    """(axis label, second axis line, full name for the tooltip) of a month or week."""
    if series.granularity == "week":
        week = _("wk %(week)s") % {"week": point.start.isocalendar()[1]}
        return f"{point.start:%d-%m}", week, _("week of %(day)s") % {"day": f"{point.start:%d-%m-%Y}"}
    show_year = index == 0 or point.start.month == 1
    return (date_format(point.start, "M"), str(point.start.year) if show_year else "",
            date_format(point.start, "F Y"))


def margin_chart(series: finance.MarginSeries) -> MarginChart:
    """Grouped bars (tariff earned, realised cost) and the margin as a line with its value
    per bucket, on a y-axis with round euro ticks. Pure geometry: no queries."""
    values = [float(v) for p in series.points for v in (p.tariff, p.realised_cost, p.margin)]
    top, bottom = max(values + [0.0]), min(values + [0.0])
    if top == bottom:
        top = bottom + 1
    step = _nice_step(top - bottom)
    axis_top, axis_bottom = math.ceil(top / step) * step, math.floor(bottom / step) * step
    plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_H - PLOT_TOP - PLOT_BOTTOM

    def y(value: float) -> float:
        return PLOT_TOP + (axis_top - value) / (axis_top - axis_bottom) * plot_h

    ticks = []
    n_ticks = round((axis_top - axis_bottom) / step)
    for i in range(n_ticks + 1):
        value = axis_bottom + i * step
        ticks.append(Tick(_f(y(value)), euros(value), abs(value) < step / 1000))

    n = len(series.points)
    group = plot_w / n
    bar_w = group * 0.3
    bars, points, labels, texts, line = [], [], [], [], []
    for i, p in enumerate(series.points):
        left = PLOT_LEFT + i * group
        center = left + group / 2
        name, sub, full = bucket_label(series, p, i)
        labels.append(Text(_f(center), _f(CHART_H - PLOT_BOTTOM + 16), name, sub))
        for offset, value, color, what in (
            (-bar_w - 1, p.tariff, COLOR_TARIFF, _("Tariff earned")),
            (1, p.realised_cost, COLOR_COST, _("Realised cost")),
        ):
            if not value:
                continue
            y0, y1 = y(0), y(float(value))
            bars.append(Rect(_f(center + offset), _f(min(y0, y1)), _f(bar_w), _f(abs(y0 - y1)), color,
                             f"{full} · {what}: {euros(value)}"))
        if not p.client_days:
            continue
        my = y(float(p.margin))
        color = COLOR_LOSS if p.margin < 0 else COLOR_MARGIN
        line.append(f"{_f(center)},{_f(my)}")
        points.append(Point(_f(center), _f(my), color, f"{full} · {_('Margin')}: {euros(p.margin)}"))
        texts.append(Text(_f(center), _f(my - 8), euros(p.margin), fill=color))
    return MarginChart(
        width=CHART_W, height=CHART_H, plot_left=PLOT_LEFT, plot_right=CHART_W - PLOT_RIGHT, bars=bars,
        points=points, line=" ".join(line), values=texts, ticks=ticks, x_labels=labels, legend_y=16,
        colors={"tariff": COLOR_TARIFF, "cost": COLOR_COST, "margin": COLOR_MARGIN},
    )


# --------------------------------------------------------------------------- the production bar


@dataclass(frozen=True)
class UsageBar:
    """used (earned) and projected against the agreement on a 0..100 scale that stretches
    beyond the agreement when the figures exceed it (the agreement line moves left)."""

    used: str
    projected: str
    agreement: str
    used_color: str


def usage_bar(row: finance.ProductionRow) -> UsageBar | None:
    if not row.agreement:
        return None
    scale = float(max(row.agreement, row.earned, row.projected))
    return UsageBar(
        used=_f(float(row.earned) / scale * 100),
        projected=_f(float(row.projected) / scale * 100),
        agreement=_f(min(float(row.agreement) / scale * 100, 99.4)),  # the marker is 0.6 wide
        used_color=COLOR_LOSS if row.is_over else COLOR_TARIFF,
    )


# --------------------------------------------------------------------------- the page


@requires(Perm.MANAGE_FINANCE)
def overview(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    organization = request.organization
    today = timezone.localdate()
    form = OverviewFilterForm(request.GET or None, today=today)
    period, search, order = form.selected()

    clients = finance.client_margins(organization=organization, first=period.first, last=period.last,
                                     search=search, order=order)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    client_rows = finance.client_margin_rows(list(page.object_list))
    record_access(action=AccessLog.Action.VIEW, request=request, object_type="billing.budgetday",
                  description=f"finance overview {period.first:%Y-%m-%d}..{period.last:%Y-%m-%d}"
                              + (f" search {search!r}" if search else ""))
    context = {"form": form, "period": period, "search": search, "page": page, "client_rows": client_rows}
    if request.htmx and request.htmx.target == "results":
        return render(request, "billing/finance/overview.html#clients", context)

    through = finance.computed_through(organization)
    teams = finance.team_margins(organization=organization, first=period.first, last=period.last)
    series = finance.margin_series(organization=organization, last=period.last)
    production = finance.production(organization=organization, year=period.last.year, through=through)
    context.update({
        "through": through,
        "profiles": finance.profile_totals(organization=organization, first=period.first, last=period.last),
        "teams": teams,
        "organisation": finance.total_margin(teams),
        "series": series,
        "chart": margin_chart(series) if series.has_data else None,
        "production": production,
        "production_rows": [(row, usage_bar(row)) for row in production.rows],
    })
    return render(request, "billing/finance/overview.html", context)
