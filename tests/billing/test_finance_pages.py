"""The finance pages: NZa tariff table with contracted amounts, contracts and their agreed
amounts per prestatie (permissions, tenant isolation, validation, access log)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from billing import services
from tests.conftest import Persona
from tests.factories import (
    ContractFactory,
    ContractTariffFactory,
    OrganizationFactory,
    ZorgkantoorFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Contract, ContractTariff
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.models import Tariff

WARNING = "Illustrative — not the official NZa amounts."


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    with translation.override("en"):
        yield


def english_ui(persona: Persona) -> Persona:
    persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona


@pytest.fixture
def finance(regional, make_persona) -> Persona:  # noqa: ANN001
    return english_ui(make_persona(regional, Role.FINANCE))


@pytest.fixture
def contract_2025(regional, zorgkantoor):  # noqa: ANN001, ANN201
    return ContractFactory(organization=regional, zorgkantoor=zorgkantoor, year=2025, percentage=Decimal("96.50"))


PAGES = ["billing:tariffs", "billing:contracts", "billing:contract_create"]


def test_finance_user_reaches_every_page(finance, tariffs, contract_2025):  # noqa: ANN001
    for name in PAGES:
        assert finance.client.get(reverse(name)).status_code == 200, name
    url = reverse("billing:contract_detail", args=[contract_2025.pk])
    assert finance.client.get(url).status_code == 200


def test_tariff_table_warns_and_shows_the_contracted_amount(finance, tariffs, contract_2025):  # noqa: ANN001
    ContractTariffFactory(organization=finance.organization, contract=contract_2025, prestatiecode="V755B",
                          amount=Decimal("240.00"))
    response = finance.client.get(reverse("billing:tariffs"), {"year": 2025})
    body = response.content.decode()
    assert WARNING in body
    assert "alert alert-warning" in body
    assert "V754B" in body and "€ 215.00" in body and "€ 207.48" in body  # 96.5 % of 215.00
    assert "€ 240.00" in body and "agreed amount" in body
    assert "Zorgkantoor Haaglanden" in body
    assert "VDAGB" in body


def test_tariff_table_filters_on_component(finance, tariffs):  # noqa: ANN001
    body = finance.client.get(reverse("billing:tariffs"), {"year": 2026, "component": "vervoer"}).content.decode()
    assert "VVERV" in body and "€ 15.47" in body and "V754B" not in body
    assert "No contract with the zorgkantoor of your region for 2026" in body


def test_no_warning_for_an_official_table(finance, tmp_path):  # noqa: ANN001
    Tariff.objects.create(prestatiecode="OFF-754-ZD", description="5VV", component="base", zorgprofiel="754",
                          with_behandeling=False, with_dagbesteding=True, amount=Decimal("219.35"),
                          valid_from="2025-01-01", valid_to="2025-12-31", source="NZa", is_illustrative=False)
    body = finance.client.get(reverse("billing:tariffs"), {"year": 2025}).content.decode()
    assert "OFF-754-ZD" in body and WARNING not in body


def test_htmx_request_gets_the_results_fragment(finance, tariffs):  # noqa: ANN001
    response = finance.client.get(reverse("billing:tariffs"), {"year": 2025}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "V754B" in body and "<html" not in body


@pytest.mark.parametrize("extra", [0, 40])
def test_tariff_page_query_count_does_not_grow(finance, tariffs, contract_2025, extra, django_assert_max_num_queries):  # noqa: ANN001
    for i in range(extra):
        Tariff.objects.create(prestatiecode=f"TSL-{i}", description="toeslag", component="toeslag",
                              amount=Decimal("1.00"), valid_from="2025-01-01", valid_to="2025-12-31", source="t")
    with tenant_scope(finance.organization):
        for code in ("V753B", "V754B"):
            ContractTariffFactory(organization=finance.organization, contract=contract_2025, prestatiecode=code)
    # 4 for the page (years, rows, contract, agreed amounts); the rest is session, membership,
    # tenant scope and the layout, the same on every page.
    with django_assert_max_num_queries(17):
        assert finance.client.get(reverse("billing:tariffs"), {"year": 2025}).status_code == 200


def test_team_manager_gets_403(regional, make_persona, contract_2025):  # noqa: ANN001
    manager = make_persona(regional, Role.TEAM_MANAGER)
    for name in PAGES:
        assert manager.client.get(reverse(name)).status_code == 403, name
    assert manager.client.get(reverse("billing:contract_detail", args=[contract_2025.pk])).status_code == 403


def test_admin_of_another_organisation_gets_404(contract_2025, admin_b):  # noqa: ANN001
    url = reverse("billing:contract_detail", args=[contract_2025.pk])
    assert admin_b.client.get(url).status_code == 404
    assert admin_b.client.post(url, {"action": "terms", "percentage": "50", "production_agreement": "1", "products": ["754"]}).status_code == 404
    assert "Zorgkantoor Haaglanden" not in admin_b.client.get(reverse("billing:contracts")).content.decode()


def test_zorgkantoor_admin_cannot_use_the_provider_pages(contract_2025, zorgkantoor, make_persona):  # noqa: ANN001
    zk_admin = make_persona(zorgkantoor, Role.ADMIN)
    assert zk_admin.client.get(reverse("billing:contracts")).status_code == 403
    assert zk_admin.client.get(reverse("billing:contract_detail", args=[contract_2025.pk])).status_code == 403


# --- writes through the pages --------------------------------------------------------------

def test_create_contract_through_the_page(finance, zorgkantoor, tariffs):  # noqa: ANN001
    response = finance.client.post(reverse("billing:contract_create"), {
        "zorgkantoor": zorgkantoor.pk, "year": 2026, "percentage": "97.25", "production_agreement": "1500000", "products": ["754", "755"],
        "note": "Inkoopkader 2026"})
    with tenant_scope(finance.organization):
        contract = Contract.objects.get(organization=finance.organization)
        assert response.status_code == 302
        assert response.url == reverse("billing:contract_detail", args=[contract.pk])
        assert (contract.year, contract.percentage) == (2026, Decimal("97.25"))
        assert AccessLog.objects.filter(action="create", object_type="tenancy.contract", object_id=str(contract.pk)).exists()


def test_create_form_shows_validation_errors(finance, zorgkantoor, contract_2025):  # noqa: ANN001
    url = reverse("billing:contract_create")
    body = finance.client.post(url, {"zorgkantoor": zorgkantoor.pk, "year": 2025, "percentage": "0",
                                     "production_agreement": "1", "products": ["754"]}).content.decode()
    assert "The percentage of the NZa maximum must be more than 0 and at most 100." in body
    body = finance.client.post(url, {"zorgkantoor": zorgkantoor.pk, "year": 2025, "percentage": "90",
                                     "production_agreement": "1", "products": ["754"]}).content.decode()
    assert "There is already a contract with Zorgkantoor Haaglanden for 2025." in body
    with tenant_scope(finance.organization):
        assert Contract.objects.filter(organization=finance.organization).count() == 1


def test_contract_detail_edits_terms_and_agreed_amounts(finance, tariffs, contract_2025):  # noqa: ANN001
    url = reverse("billing:contract_detail", args=[contract_2025.pk])
    response = finance.client.post(url, {"action": "terms", "percentage": "98", "production_agreement": "2000000", "products": ["754"],
                                         "note": "herzien"})
    assert response.status_code == 302
    response = finance.client.post(url, {"action": "tariff_set", "agreed-prestatiecode": "V754B",
                                         "agreed-amount": "211.00"})
    assert response.status_code == 302
    body = finance.client.get(url).content.decode()
    assert "V754B" in body and "€ 211.00" in body and "€ 215.00" in body
    with tenant_scope(finance.organization):
        contract_2025.refresh_from_db()
        assert (contract_2025.percentage, contract_2025.note) == (Decimal("98.00"), "herzien")
        assert contract_2025.products == ["754"]
        assert ContractTariff.objects.get(contract=contract_2025).amount == Decimal("211.00")
    response = finance.client.post(url, {"action": "tariff_remove", "prestatiecode": "V754B"})
    assert response.status_code == 302
    with tenant_scope(finance.organization):
        assert not ContractTariff.objects.filter(contract=contract_2025).exists()
        actions = set(AccessLog.objects.filter(organization=finance.organization).values_list("action", flat=True))
    assert {"update", "create", "delete"} <= actions


def test_contract_detail_refuses_an_amount_above_the_maximum(finance, tariffs, contract_2025):  # noqa: ANN001
    url = reverse("billing:contract_detail", args=[contract_2025.pk])
    response = finance.client.post(url, {"action": "tariff_set", "agreed-prestatiecode": "V754B",
                                         "agreed-amount": "215.01"})
    assert response.status_code == 200
    assert "The amount is above the NZa maximum of € 215.00." in response.content.decode()
    response = finance.client.post(url, {"action": "terms", "percentage": "100.5", "production_agreement": "1", "products": ["754"]})
    assert "The percentage of the NZa maximum must be more than 0 and at most 100." in response.content.decode()
    with tenant_scope(finance.organization):
        contract_2025.refresh_from_db()
        assert contract_2025.percentage == Decimal("96.50")
        assert not ContractTariff.objects.filter(contract=contract_2025).exists()


# --- the services' rules -------------------------------------------------------------------

@pytest.fixture
def acting(finance):  # noqa: ANN001, ANN201
    return finance.membership


def save(acting, **kwargs):  # noqa: ANN001, ANN003, ANN201
    kwargs.setdefault("production_agreement", Decimal("1000"))
    kwargs.setdefault("percentage", Decimal("95"))
    kwargs.setdefault("products", ["754", "755"])
    with tenant_scope(acting.organization):
        return services.contract_save(acting=acting, **kwargs)


def field_errors(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_counterparty_must_be_a_zorgkantoor(acting):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(acting, zorgkantoor=OrganizationFactory(), year=2026)
    assert field_errors(exc) == {"zorgkantoor": ["Choose a zorgkantoor organisation."]}


def test_a_contract_names_its_products(acting, zorgkantoor):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(acting, zorgkantoor=zorgkantoor, year=2026, products=[])
    assert field_errors(exc) == {"products": ["Choose at least one contracted zorgprofiel."]}
    with pytest.raises(ValidationError) as exc:
        save(acting, zorgkantoor=zorgkantoor, year=2026, products=["754", "XYZ"])
    assert field_errors(exc) == {"products": ["Unknown zorgprofiel code."]}
    assert save(acting, zorgkantoor=zorgkantoor, year=2026, products=["755", "754", "754"]).products == ["754", "755"]


def test_one_contract_per_zorgkantoor_and_year(acting, zorgkantoor):  # noqa: ANN001
    save(acting, zorgkantoor=zorgkantoor, year=2026)
    with pytest.raises(ValidationError) as exc:
        save(acting, zorgkantoor=zorgkantoor, year=2026)
    assert "year" in field_errors(exc)
    save(acting, zorgkantoor=zorgkantoor, year=2027)  # another year
    save(acting, zorgkantoor=ZorgkantoorFactory(), year=2026)  # another zorgkantoor


@pytest.mark.parametrize("percentage,ok", [("0", False), ("-1", False), ("0.01", True), ("100", True), ("100.01", False)])
def test_percentage_range(acting, zorgkantoor, percentage, ok):  # noqa: ANN001
    if ok:
        assert save(acting, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal(percentage)).pk
    else:
        with pytest.raises(ValidationError) as exc:
            save(acting, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal(percentage))
        assert "percentage" in field_errors(exc)


def test_agreed_amount_rules(acting, tariffs, contract_2025):  # noqa: ANN001
    with tenant_scope(acting.organization):
        with pytest.raises(ValidationError) as exc:
            services.contract_tariff_set(acting=acting, contract=contract_2025, prestatiecode="NOPE", amount=Decimal("1"))
        assert "prestatiecode" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.contract_tariff_set(acting=acting, contract=contract_2025, prestatiecode="V754B",
                                         amount=Decimal("-1"))
        assert "amount" in exc.value.message_dict
        services.contract_tariff_set(acting=acting, contract=contract_2025, prestatiecode="V754B", amount=Decimal("200"))
        services.contract_tariff_set(acting=acting, contract=contract_2025, prestatiecode="V754B", amount=Decimal("201"))
        assert list(contract_2025.tariffs.values_list("amount", flat=True)) == [Decimal("201.00")]
        with pytest.raises(ValidationError):
            services.contract_tariff_remove(acting=acting, contract=contract_2025, prestatiecode="V753B")


def test_a_zorgkantoor_cannot_record_contracts(zorgkantoor, make_persona):  # noqa: ANN001
    zk_admin = make_persona(zorgkantoor, Role.ADMIN)
    with pytest.raises(ValidationError, match="Only a care provider"):
        save(zk_admin.membership, zorgkantoor=zorgkantoor, year=2026)
