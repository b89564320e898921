"""Reads of the finance pages: the NZa tariff table and the provider's own contracts.

Contracts are visible to both parties through RLS (provider and zorgkantoor); these pages
belong to the provider, so every read filters on `organization` explicitly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from billing.models import CareNotification
from vpt.tenancy.models import Contract, Organization
from vpt.wlz.models import Tariff
from vpt.wlz.tariffs import contract_for, contract_overrides, contract_price


def access_contract_by_id(request: HttpRequest, contract_id: int) -> Contract:
    """The requesting provider's own contract; 404 for a missing one and for another
    organisation's (also when that organisation is the zorgkantoor of the contract)."""
    contract = (
        Contract.objects.filter(organization=request.organization, pk=contract_id)
        .select_related("zorgkantoor")
        .first()
    )
    if contract is None:
        raise Http404
    return contract


def contract_list(*, organization: Organization) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(organization=organization)
        .select_related("zorgkantoor")
        .annotate(tariff_count=Count("tariffs"))
        .order_by("-year", "zorgkantoor__name")
    )


def tariff_years() -> list[int]:
    """Calendar years covered by the imported tariff table, newest first."""
    years: set[int] = set()
    for start, end in Tariff.objects.order_by().values_list("valid_from", "valid_to").distinct():
        years.update(range(start.year, end.year + 1))
    return sorted(years, reverse=True)


def tariffs_in_year(year: int) -> QuerySet[Tariff]:
    """Tariff rows valid on at least one day of `year`."""
    return Tariff.objects.filter(
        valid_from__lte=datetime.date(year, 12, 31), valid_to__gte=datetime.date(year, 1, 1)
    )


@dataclass(frozen=True)
class TariffRow:
    tariff: Tariff
    contracted: Decimal | None
    is_override: bool


@dataclass(frozen=True)
class TariffTable:
    year: int
    rows: list[TariffRow]
    contract: Contract | None
    has_illustrative: bool

    @property
    def sources(self) -> list[str]:
        return sorted({row.tariff.source for row in self.rows})


def tariff_table(*, organization: Organization, year: int, component: str = "") -> TariffTable:
    """The NZa rows of `year` with the contracted amount under the organisation's contract
    with its zorgkantoor for that year (three queries, whatever the number of rows)."""
    tariffs = tariffs_in_year(year)
    if component:
        tariffs = tariffs.filter(component=component)
    tariffs = list(tariffs.order_by("component", "zorgprofiel", "with_behandeling", "with_dagbesteding",
                                    "is_illustrative", "prestatiecode", "valid_from"))
    contract = contract_for(organization=organization, day=datetime.date(year, 1, 1))
    overrides = contract_overrides(contract) if contract else {}
    rows = []
    for tariff in tariffs:
        if contract is None:
            rows.append(TariffRow(tariff, None, False))
        else:
            amount, is_override = contract_price(tariff, contract, overrides=overrides)
            rows.append(TariffRow(tariff, amount, is_override))
    return TariffTable(year=year, rows=rows, contract=contract, has_illustrative=any(t.is_illustrative for t in tariffs))


def prestatie_choices(year: int) -> list[tuple[str, str]]:
    """(prestatiecode, label) of the prestaties valid in `year`, for a per-prestatie amount."""
    seen: dict[str, str] = {}
    for code, description, amount in tariffs_in_year(year).order_by("prestatiecode", "-valid_from").values_list(
        "prestatiecode", "description", "amount"
    ):
        seen.setdefault(code, f"{code} — {description} (NZa € {amount})")
    return list(seen.items())


def nza_maximum(*, prestatiecode: str, year: int) -> Decimal | None:
    """The highest NZa maximum of a prestatie in `year`; None when it is not in the table."""
    values = list(tariffs_in_year(year).filter(prestatiecode=prestatiecode).values_list("amount", flat=True))
    return max(values) if values else None


def zorgkantoren() -> QuerySet[Organization]:
    return Organization.objects.filter(Q(kind=Organization.Kind.ZORGKANTOOR) & Q(is_active=True)).order_by("name")


@dataclass(frozen=True)
class AgreedAmount:
    prestatiecode: str
    amount: Decimal
    description: str
    nza_maximum: Decimal | None


def agreed_amounts(contract: Contract) -> list[AgreedAmount]:
    """The contract's amounts per prestatie with the NZa row they override (two queries)."""
    items = list(contract.tariffs.filter(organization_id=contract.organization_id).order_by("prestatiecode"))
    nza: dict[str, Tariff] = {}
    for tariff in tariffs_in_year(contract.year).filter(prestatiecode__in=[i.prestatiecode for i in items]).order_by(
        "is_illustrative", "-valid_from"
    ):
        nza.setdefault(tariff.prestatiecode, tariff)
    return [
        AgreedAmount(
            prestatiecode=i.prestatiecode,
            amount=i.amount,
            description=nza[i.prestatiecode].description if i.prestatiecode in nza else "",
            nza_maximum=nza[i.prestatiecode].amount if i.prestatiecode in nza else None,
        )
        for i in items
    ]


def care_notifications(*, organization: Organization, kind: str = "", status: str = "") -> QuerySet[CareNotification]:
    notifications = CareNotification.objects.filter(organization=organization)
    if kind:
        notifications = notifications.filter(kind=kind)
    if status:
        notifications = notifications.filter(status=status)
    return notifications.select_related("client").order_by("status", "-date", "-pk")


def access_care_notification_by_id(request: HttpRequest, carenotification_id: int) -> CareNotification:
    """The requesting provider's own notification; 404 for a missing one or another's."""
    notification = (
        CareNotification.objects.filter(organization=request.organization, pk=carenotification_id)
        .select_related("client", "organization__region__zorgkantoor")
        .first()
    )
    if notification is None:
        raise Http404
    return notification
