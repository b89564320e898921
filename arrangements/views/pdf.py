"""The arrangement as a signed document: one version of a client's arrangement on the
provider's letterhead, for the client (or representative) and the provider to sign.

Printing is access to the client record: every PDF leaves a PRINT entry (NEN 7513). Name,
date of birth and address identify the client; the BSN is never printed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from arrangements import selectors
from arrangements.costs import CENT, WEEK, line_cost_per_day
from arrangements.models import ArrangementLine, TaskAgreement
from clients.selectors import access_client_by_id, current_indication
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.pdf import render_pdf
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


def _line_rows(lines: list[ArrangementLine]) -> list[dict]:
    """Lines per 'delivered by' (own team first, private last), each with its cost per week
    (None for lines outside the VPT budget)."""
    order = list(ArrangementLine.DeliveredBy.values)
    rows = []
    for line in sorted(lines, key=lambda line: order.index(line.delivered_by)):
        per_week = (line_cost_per_day(line) * WEEK).quantize(CENT, ROUND_HALF_UP) if line.bears_budget else None
        rows.append({"line": line, "cost_per_week": per_week})
    return rows


@requires(Perm.VIEW_CLIENTS)
def arrangement_pdf(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    record_access(action=AccessLog.Action.PRINT, request=request, client_id=client.pk, obj=arrangement,
                  description=f"arrangement v{arrangement.version} ({arrangement.status}) as PDF")
    lines = selectors.arrangement_lines(arrangement)
    day = selectors.summary_day(arrangement)
    summary, tariff = selectors.arrangement_summary(arrangement, day, lines=lines)
    tasks = list(
        TaskAgreement.objects.filter(organization=arrangement.organization, arrangement=arrangement)
        .select_related("network_member")
        .order_by("pk")
    )
    # Translators: the Dutch title is "Zorgafspraken VPT in de wijk".
    title = _("Care arrangement VPT in de wijk")
    pdf = render_pdf("pdf/arrangement.html", {
        "title": title,
        "organization": request.organization,
        "printed_at": timezone.now(),
        "client": client,
        "arrangement": arrangement,
        "indication": current_indication(client, day),
        "rows": _line_rows(lines),
        "summary": summary,
        "tariff": tariff,
        "over_by": -summary.margin_per_day if summary.over_budget else None,
        "hours_by_level": list(summary.hours_per_week_by_level.items()),
        "tasks": tasks,
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"zorgafspraken-client-{client.pk}-v{arrangement.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
