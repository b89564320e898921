from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors, services
from billing.forms import (
    ContractCreateForm,
    ContractTariffForm,
    ContractTariffRemoveForm,
    ContractTermsForm,
)
from billing.views.common import add_errors, require_provider
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm
from vpt.wlz import codes


@requires(Perm.MANAGE_FINANCE)
def contract_list(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    contracts = list(selectors.contract_list(organization=request.organization))
    return render(request, "billing/contract_list.html", {"contracts": contracts})


@requires(Perm.MANAGE_FINANCE)
def contract_create(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    organization = request.organization
    zorgkantoor_id = organization.region.zorgkantoor_id if organization.region_id else None
    form = ContractCreateForm(request.POST or None,
                              initial={"year": timezone.localdate().year, "zorgkantoor": zorgkantoor_id,
                                       "percentage": "100", "products": list(codes.TARGET_ZORGPROFIELEN)})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_save(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The contract with %(zorgkantoor)s for %(year)s has been recorded.")
                             % {"zorgkantoor": contract.zorgkantoor.name, "year": contract.year})
            return redirect("billing:contract_detail", contract_id=contract.pk)
    return render(request, "billing/contract_form.html", {"form": form})


@requires(Perm.MANAGE_FINANCE)
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    """The contract's terms and its agreed amounts per prestatie. One page, three POST
    actions: change the terms, set an amount, remove an amount."""
    require_provider(request)
    contract = selectors.access_contract_by_id(request, contract_id)
    action = request.POST.get("action") if request.method == "POST" else None
    terms_form = ContractTermsForm(
        request.POST if action == "terms" else None,
        initial={"percentage": contract.percentage, "production_agreement": contract.production_agreement,
                 "products": contract.products, "note": contract.note},
    )
    tariff_form = ContractTariffForm(request.POST if action == "tariff_set" else None, year=contract.year,
                                     prefix="agreed")
    try:
        if action == "terms" and terms_form.is_valid():
            services.contract_save(acting=request.membership, request=request, contract=contract,
                                   **terms_form.cleaned_data)
            messages.success(request, _("The contract has been changed."))
            return redirect("billing:contract_detail", contract_id=contract.pk)
        if action == "tariff_set" and tariff_form.is_valid():
            services.contract_tariff_set(acting=request.membership, request=request, contract=contract,
                                         **tariff_form.cleaned_data)
            messages.success(request, _("The agreed amount for %(code)s has been saved.")
                             % {"code": tariff_form.cleaned_data["prestatiecode"]})
            return redirect("billing:contract_detail", contract_id=contract.pk)
        if action == "tariff_remove":
            remove_form = ContractTariffRemoveForm(request.POST)
            if remove_form.is_valid():
                services.contract_tariff_remove(acting=request.membership, request=request, contract=contract,
                                                **remove_form.cleaned_data)
                messages.success(request, _("The agreed amount for %(code)s has been removed; the percentage "
                                            "applies again.") % {"code": remove_form.cleaned_data["prestatiecode"]})
            return redirect("billing:contract_detail", contract_id=contract.pk)
    except ValidationError as exc:
        if action == "tariff_remove":
            messages.error(request, " ".join(exc.messages))
            return redirect("billing:contract_detail", contract_id=contract.pk)
        add_errors(terms_form if action == "terms" else tariff_form, exc)
        # A failed change must not show as saved: the form keeps the entered values.
        contract.refresh_from_db()

    region = request.organization.region
    return render(request, "billing/contract_detail.html", {
        "contract": contract, "terms_form": terms_form, "tariff_form": tariff_form,
        "agreed": selectors.agreed_amounts(contract),
        "products": [codes.zorgprofiel_short(code) for code in contract.products],
        # Day tariffs use the contract with the zorgkantoor of the provider's region.
        "is_regional_contract": region is not None and region.zorgkantoor_id == contract.zorgkantoor_id,
    })
