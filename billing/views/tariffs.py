from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing import selectors
from billing.forms import TariffFilterForm
from billing.views.common import require_provider
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


@requires(Perm.MANAGE_FINANCE)
def tariff_list(request: HttpRequest) -> HttpResponse:
    """The NZa table of one year, with the contracted amount under this provider's contract."""
    require_provider(request)
    years = selectors.tariff_years()
    this_year = timezone.localdate().year
    default_year = this_year if this_year in years else (years[0] if years else this_year)
    form = TariffFilterForm(request.GET or None, years=years)
    year, component = default_year, ""
    if form.is_valid():
        year = form.cleaned_data["year"] or default_year
        component = form.cleaned_data["component"]
    table = selectors.tariff_table(organization=request.organization, year=year, component=component)
    template = "billing/tariff_list.html#results" if request.htmx else "billing/tariff_list.html"
    return render(request, template, {"form": form, "table": table, "years": years})
