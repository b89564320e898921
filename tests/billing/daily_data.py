"""A provider whose clients cover every rule of the daily run: the data of the parity test
(SQL engine == Python engine == clients.tariffs.day_tariff) and of the run's behaviour tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.models import Absence, Client
from teams.models import Visit
from tests.factories import (
    AbsenceFactory,
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    ContractFactory,
    ContractTariffFactory,
    EmployeeFactory,
    LevelRateFactory,
    MenuItemFactory,
    TeamFactory,
    VisitFactory,
    WlzIndicationFactory,
)

D = datetime.date
FIRST, LAST = D(2025, 11, 1), D(2026, 4, 30)
SINCE_2025 = D(2025, 1, 1)


def build_scenarios(org, zorgkantoor) -> dict[str, Client]:  # noqa: ANN001
    """Contracts for 2025 (97 %) and 2026 (96.5 % with one agreed amount), and one client per rule."""
    ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=2025, percentage=Decimal("97.00"))
    c2026 = ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal("96.50"))
    ContractTariffFactory(organization=org, contract=c2026, prestatiecode="V755C", amount=Decimal("240.00"))
    team = TeamFactory(organization=org, name="Noord")
    LevelRateFactory(organization=org, function_level=2, cost_per_hour=Decimal("48.00"))
    LevelRateFactory(organization=org, function_level=3, cost_per_hour=Decimal("55.00"))
    nurse = EmployeeFactory(organization=org, team=team, function_level=3)
    helper = EmployeeFactory(organization=org, team=team, function_level=2, hourly_cost=Decimal("50.50"))
    care_hours = MenuItemFactory(organization=org, unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=2,
                                 cost_price=Decimal("48.00"))
    meals = MenuItemFactory(organization=org, unit=MenuItem.Unit.PER_DAY, function_level=None,
                            kind=MenuItem.Kind.MEALS,
                            cost_price=Decimal("9.50"))
    alarm = MenuItemFactory(organization=org, unit=MenuItem.Unit.PER_MONTH, function_level=None,
                            cost_price=Decimal("30.00"))

    def client(name: str, *, start: datetime.date = SINCE_2025, end: datetime.date | None = None,
               profile: str = "754", behandeling: bool = False) -> Client:
        c = ClientFactory(organization=org, last_name=name, primary_team=team, status=Client.Status.IN_CARE,
                          care_start=start, care_end=end)
        WlzIndicationFactory(organization=org, client=c, zorgprofiel=profile, with_behandeling=behandeling,
                             valid_from=min(start, D(2025, 1, 1)))
        return c

    def arrangement(c: Client, *, version: int = 1, valid_from: datetime.date = SINCE_2025,
                    valid_to: datetime.date | None = None, dagbesteding: bool = True, hours: str = "10",
                    status: str = Arrangement.Status.ACTIVE) -> Arrangement:
        a = ArrangementFactory(organization=org, client=c, version=version, valid_from=valid_from, valid_to=valid_to,
                               includes_dagbesteding=dagbesteding, status=status)
        ArrangementLineFactory(organization=org, arrangement=a, menu_item=care_hours, quantity=Decimal(hours))
        ArrangementLineFactory(organization=org, arrangement=a, menu_item=meals, quantity=Decimal("1"),
                               delivered_by=ArrangementLine.DeliveredBy.SUBCONTRACTOR)
        ArrangementLineFactory(organization=org, arrangement=a, menu_item=alarm, quantity=Decimal("1"))
        ArrangementLineFactory(organization=org, arrangement=a, menu_item=care_hours, quantity=Decimal("4"),
                               delivered_by=ArrangementLine.DeliveredBy.MANTELZORG)
        return a

    s: dict[str, Client] = {}
    s["plain"] = client("Plain")
    arrangement(s["plain"])
    for day, employee, minutes in ((D(2026, 3, 2), nurse, 45), (D(2026, 3, 2), helper, 30), (D(2026, 3, 3), nurse, 60)):
        VisitFactory(organization=org, client=s["plain"], employee=employee, date=day, duration_minutes=minutes,
                     start=datetime.time(9 if employee == nurse else 11, 0))
    VisitFactory(organization=org, client=s["plain"], employee=nurse, date=D(2026, 3, 4), status=Visit.Status.CANCELLED,
                 delivered_at=None)

    # Indication change mid-month: 5VV until 14-03-2026, then 6VV with behandeling (agreed amount).
    s["reindicated"] = c = ClientFactory(organization=org, last_name="Reindicated", primary_team=team,
                                         status=Client.Status.IN_CARE, care_start=D(2025, 1, 1))
    WlzIndicationFactory(organization=org, client=c, zorgprofiel="754", valid_from=D(2025, 1, 1), valid_to=D(2026, 3, 14))
    WlzIndicationFactory(organization=org, client=c, zorgprofiel="755", with_behandeling=True, valid_from=D(2026, 3, 15))
    # Arrangement change mid-range: from 01-02-2026 without dagbesteding (another provider runs it).
    arrangement(c, version=1, valid_to=D(2026, 1, 31), status=Arrangement.Status.ENDED)
    arrangement(c, version=2, valid_from=D(2026, 2, 1), dagbesteding=False, hours="14")
    arrangement(c, version=3, valid_from=D(2026, 4, 1), status=Arrangement.Status.DRAFT, hours="30")  # no effect

    # Hospital admission beyond 91 days, one without and one with a timely extension.
    s["admission"] = client("Admission", profile="753")
    AbsenceFactory(organization=org, client=s["admission"], kind=Absence.Kind.ADMISSION, left_on=D(2025, 12, 1),
                   returned_on=D(2026, 4, 10))
    s["extended"] = client("Extended", profile="753", behandeling=True)
    AbsenceFactory(organization=org, client=s["extended"], kind=Absence.Kind.ADMISSION, left_on=D(2025, 12, 1),
                   returned_on=None, extension_granted_on=D(2026, 2, 20))

    # Holidays: 20 days in a row without consent; then the 42-day year limit with consent.
    s["holiday"] = client("Holiday")
    AbsenceFactory(organization=org, client=s["holiday"], kind=Absence.Kind.HOLIDAY, left_on=D(2025, 12, 10),
                   returned_on=D(2025, 12, 31))  # 20 absence days, days 15..20 without consent
    AbsenceFactory(organization=org, client=s["holiday"], kind=Absence.Kind.HOLIDAY, left_on=D(2026, 1, 4),
                   returned_on=D(2026, 2, 4), zorgkantoor_consent="ZK-2026-001")  # 30 days
    AbsenceFactory(organization=org, client=s["holiday"], kind=Absence.Kind.HOLIDAY, left_on=D(2026, 3, 1),
                   returned_on=D(2026, 3, 20), zorgkantoor_consent="ZK-2026-002")  # 18 days: 12 within, 6 beyond 42

    # Respite stays are part of VPT; an "other" absence has no limit.
    s["respite"] = client("Respite")
    AbsenceFactory(organization=org, client=s["respite"], kind=Absence.Kind.RESPITE, left_on=D(2026, 2, 2),
                   returned_on=D(2026, 2, 6))
    AbsenceFactory(organization=org, client=s["respite"], kind=Absence.Kind.OTHER, left_on=D(2026, 3, 10),
                   returned_on=D(2026, 3, 12))

    # Care starts mid-range, with an absence in the first 14 days; another ends mid-range.
    s["new"] = client("New", start=D(2026, 2, 20), profile="755")
    AbsenceFactory(organization=org, client=s["new"], kind=Absence.Kind.ADMISSION, left_on=D(2026, 2, 25),
                   returned_on=D(2026, 3, 5))
    s["ended"] = client("Ended", end=D(2026, 1, 15))

    # In care but the VPT indication ended: budget days, no day lines.
    s["lapsed"] = c = ClientFactory(organization=org, last_name="Lapsed", primary_team=team,
                                    status=Client.Status.IN_CARE, care_start=D(2025, 1, 1))
    WlzIndicationFactory(organization=org, client=c, zorgprofiel="754", valid_from=D(2025, 1, 1), valid_to=D(2026, 2, 28))
    arrangement(c)

    # Not in care (intake) — nothing at all.
    s["intake"] = ClientFactory(organization=org, last_name="Intake", primary_team=team)
    WlzIndicationFactory(organization=org, client=s["intake"], zorgprofiel="754", valid_from=D(2025, 1, 1))
    return s
