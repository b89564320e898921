"""The day tariff of a client: THE one place that says what one VPT day of a client is worth
and whether it may be declared. The arrangement screen, the daily run and the declarations
all call `day_tariff()`; nothing else combines indication, NZa table, contract and absences.

Sources: DOMAIN.md "Money", "Tariffs and rules as data" and "Absence rules for VPT" (NZa
information card on absence in long-term care; limits as data in
vpt/wlz/data/absence_rules.toml).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from clients.models import Absence, Client, WlzIndication
from vpt.tenancy.models import Contract
from vpt.wlz import codes
from vpt.wlz.models import Tariff
from vpt.wlz.rules import absence_rules
from vpt.wlz.tariffs import (
    base_tariffs_on,
    contract_for,
    contract_overrides,
    contract_price,
    nza_tariff,
)


class NotBillable:
    """Why a day may not be declared, as stored on the daily run's day lines (billing)."""

    OUTSIDE_CARE = "outside_care"
    NO_TARIFF = "no_tariff"
    NO_CONTRACT = "no_contract"
    ABSENCE_FIRST_DAYS = "absence_first_days"
    HOLIDAY_NO_CONSENT = "holiday_no_consent"
    HOLIDAY_YEAR_LIMIT = "holiday_year_limit"
    ADMISSION_LIMIT = "admission_limit"


@dataclass(frozen=True)
class DayTariff:
    day: date
    prestatiecode: str  # "" when no NZa tariff was imported for the day
    zorgprofiel: str  # iWlz code, e.g. "754"
    max_amount: Decimal  # NZa maximum per day (0.00 when no tariff was imported)
    amount: Decimal | None  # contracted tariff per day; None without a contract
    percentage: Decimal | None  # contract percentage that produced `amount`; None for a per-prestatie amount
    contract_id: int | None
    is_illustrative: bool  # the NZa amount comes from the illustrative demo table
    billable: bool  # this day may be declared
    reason: str  # why not billable; empty when billable
    reason_code: str = ""  # the same as a code of NotBillable (stored by the daily run); "" when billable

    @property
    def zorgprofiel_short(self) -> str:
        return codes.zorgprofiel_short(self.zorgprofiel)


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def day_tariff(client: Client, day: date, *, includes_dagbesteding: bool = True) -> DayTariff | None:
    """What one day of VPT for `client` on `day` is worth, and whether it may be declared.

    None when the client has no VPT indication on `day`. Otherwise the indication valid on
    `day` gives the zorgprofiel and the behandeling variant, `includes_dagbesteding` the
    dagbesteding variant; the NZa base prestatie valid on `day` gives the maximum, the
    provider's contract with its zorgkantoor for `day.year` the contracted amount.

    Not billable (reason set): outside the care period; no NZa tariff or no contract; an
    absence day beyond the NZa limits — holiday beyond 42 days in the calendar year (or
    beyond 14 in a row without the zorgkantoor's consent), admission beyond 91 consecutive
    days without an extension granted within them, or any absence starting within the first
    14 days of VPT. Absence days within the limits and respite stays are billable at the
    same tariff. About six queries; for many clients use `day_tariffs`.
    """
    indication = _indications([client], day).get(client.pk)
    if indication is None:
        return None
    tariff = nza_tariff(
        zorgprofiel=indication.zorgprofiel, day=day,
        with_behandeling=indication.with_behandeling, with_dagbesteding=includes_dagbesteding,
    )
    contract = contract_for(organization=client.organization, day=day)
    return _day_tariff(
        client, day, indication=indication, tariff=tariff, contract=contract, overrides=None,
        absences=_absences([client], day).get(client.pk, []),
    )


def day_tariffs(clients: Iterable[tuple[Client, bool]], day: date) -> dict[int, DayTariff | None]:
    """`day_tariff` for many clients of one organisation at once: client id -> DayTariff.

    Takes (client, includes_dagbesteding) pairs; the same rules, in five queries whatever
    the number of clients (indications, NZa table, contract, contract amounts, absences)."""
    pairs = list(clients)
    if not pairs:
        return {}
    organizations = {c.organization_id for c, _variant in pairs}
    if len(organizations) != 1:
        raise ValueError("day_tariffs prices the clients of one organisation")
    plain = [c for c, _variant in pairs]
    indications = _indications(plain, day)
    table = base_tariffs_on(day)
    contract = contract_for(organization=plain[0].organization, day=day)
    overrides = contract_overrides(contract) if contract is not None else None
    absences = _absences(plain, day)
    result: dict[int, DayTariff | None] = {}
    for client, includes_dagbesteding in pairs:
        indication = indications.get(client.pk)
        if indication is None:
            result[client.pk] = None
            continue
        tariff = table.get((indication.zorgprofiel, indication.with_behandeling, includes_dagbesteding))
        result[client.pk] = _day_tariff(
            client, day, indication=indication, tariff=tariff, contract=contract, overrides=overrides,
            absences=absences.get(client.pk, []),
        )
    return result


def _indications(clients: list[Client], day: date) -> dict[int, WlzIndication]:
    """The VPT indication valid on `day` per client (the latest start wins; one query)."""
    result: dict[int, WlzIndication] = {}
    rows = (
        WlzIndication.objects.filter(organization_id=clients[0].organization_id, client__in=clients)
        .vpt()
        .valid_on(day)
        .order_by("client_id", "-valid_from")
    )
    for row in rows:
        result.setdefault(row.client_id, row)
    return result


def _absences(clients: list[Client], day: date) -> dict[int, list[Absence]]:
    """Per client, the absences with an absence day between 1 January of `day`'s year and
    `day` (the holiday count needs them; the absence covering `day` is among them)."""
    year_start = date(day.year, 1, 1)
    result: dict[int, list[Absence]] = {}
    rows = (
        Absence.objects.filter(organization_id=clients[0].organization_id, client__in=clients, left_on__lt=day)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=year_start))
        .order_by("left_on", "pk")
    )
    for row in rows:
        result.setdefault(row.client_id, []).append(row)
    return result


def _day_tariff(
    client: Client, day: date, *, indication: WlzIndication, tariff: Tariff | None, contract: Contract | None,
    overrides: dict[str, Decimal] | None, absences: list[Absence],
) -> DayTariff:
    """The rules, without queries (except a contract amount when `overrides` is None)."""
    amount = percentage = None
    if tariff is not None and contract is not None:
        amount, is_override = contract_price(tariff, contract, overrides=overrides)
        percentage = None if is_override else contract.percentage

    reasons = [
        _care_period_reason(client, day),
        (NotBillable.NO_TARIFF, _("no NZa tariff for %(profile)s on %(day)s") % {
            "profile": codes.zorgprofiel_short(indication.zorgprofiel), "day": _fmt(day)}) if tariff is None else None,
        (NotBillable.NO_CONTRACT, _("no contract with the zorgkantoor for %(year)s") % {"year": day.year})
        if contract is None else None,
        _absence_reason(client, day, absences),
    ]
    reason_code, reason = next((r for r in reasons if r), ("", ""))
    return DayTariff(
        day=day,
        prestatiecode=tariff.prestatiecode if tariff else "",
        zorgprofiel=indication.zorgprofiel,
        max_amount=tariff.amount if tariff else Decimal("0.00"),
        amount=amount,
        percentage=percentage,
        contract_id=contract.pk if contract else None,
        is_illustrative=tariff.is_illustrative if tariff else False,
        billable=not reason,
        reason=reason,
        reason_code=reason_code,
    )


def _care_period_reason(client: Client, day: date) -> tuple[str, str] | None:
    if client.care_start is None:
        return NotBillable.OUTSIDE_CARE, _("care has not started")
    if day < client.care_start:
        return NotBillable.OUTSIDE_CARE, _("before the start of care on %(day)s") % {"day": _fmt(client.care_start)}
    if client.care_end is not None and day > client.care_end:
        return NotBillable.OUTSIDE_CARE, _("after the end of care on %(day)s") % {"day": _fmt(client.care_end)}
    return None


def _absence_reason(client: Client, day: date, absences: list[Absence]) -> tuple[str, str] | None:
    """Why an absence day is not billable as (NotBillable code, text), or None (also when
    `day` is no absence day).
    `absences`: the client's absences from `_absences` (ordered by leaving date)."""
    year_start = date(day.year, 1, 1)
    # An absence day runs from the day after leaving to the day before returning (NZa).
    current = next(
        (a for a in absences if a.left_on < day and (a.returned_on is None or day < a.returned_on)), None
    )
    if current is None or current.kind == Absence.Kind.RESPITE:
        return None  # at home, or a respite stay: part of VPT

    rules = absence_rules(current.left_on)
    if client.care_start is not None and (current.left_on - client.care_start).days + 1 < rules.min_vpt_days_before_absence:
        return NotBillable.ABSENCE_FIRST_DAYS, _("absence within the first %(days)s days of VPT") % {
            "days": rules.min_vpt_days_before_absence}

    if current.kind == Absence.Kind.HOLIDAY:
        in_a_row = (day - current.left_on).days
        limit_in_a_row = rules.holiday_max_consecutive_days_without_consent
        if in_a_row > limit_in_a_row and not current.zorgkantoor_consent.strip():
            return NotBillable.HOLIDAY_NO_CONSENT, _(
                "holiday beyond %(days)s days in a row without the zorgkantoor's consent") % {"days": limit_in_a_row}
        year_limit = absence_rules(year_start).holiday_max_days_per_year
        used = sum(
            1
            for a in absences
            if a.kind == Absence.Kind.HOLIDAY
            for d in a.absence_days(until=day)
            if year_start <= d <= day
        )
        if used > year_limit:
            return NotBillable.HOLIDAY_YEAR_LIMIT, _("absence beyond the %(days)s holiday days") % {"days": year_limit}

    elif current.kind == Absence.Kind.ADMISSION:
        consecutive = (day - current.left_on).days
        limit = rules.admission_max_consecutive_days
        granted = current.extension_granted_on
        extended = granted is not None and current.left_on < granted <= current.left_on + timedelta(days=limit)
        if consecutive > limit and not extended:
            return NotBillable.ADMISSION_LIMIT, _("admission beyond %(days)s days without extension") % {"days": limit}
    return None
