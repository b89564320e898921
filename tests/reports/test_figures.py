"""reports.figures.compute against figures computed by hand, on a small fixed provider.

The provider (org_a, region served by the zorgkantoor) has a 2026 contract: agreement
300000.00, agreed amounts V754B (5VV with dagbesteding) 200.00 and V755B (6VV with
dagbesteding) 250.00 a day, products 753, 754, 755. The daily run is run for real
(nightly, 01-01-2026 .. 30-04-2026, so computed through 30-04).

Clients (all in team "Noord"):
  A  in care since 01-06-2025; 5VV (754) until 14-02-2026, 6VV (755) from 15-02.
     Arrangement v1 (ended) until 31-01: 10 h/week team; v2 from 01-02: 12 h team +
     2 h subcontractor (+ 3 h mantelzorg, 3 h private, meals per day: not counted).
     Holiday 01-02..05-02 (not respite), respite 01-05..03-05 (2 nights, year only).
  B  care from 10-02-2026, 754; arrangement 7 h from 10-02 (a draft v2 of 30 h from 01-03
     does not count). Admission 15-02..20-02 within the first 14 days of VPT: absence days
     16..19-02 (4) not billable. Respite 28-03..03-04.
  C  in care 2025 .. 10-03-2026 (deceased), 755; arrangement 20 h. Respite 29-12-2025..
     02-01-2026 (one night in 2026: 01-01).
  D  in care 01-03-2025 .. 31-01-2026 (nursing home); indication ended 31-12-2025, so
     profile "" (no valid indication) in 2026 and no day lines; arrangement 5 h.
  G  in care since 2025, 755, no arrangement (0 planned hours); open respite stay from 30-03.
  F  care 15-04..30-06-2026 (reason "other"), 754 from 01-04; no arrangement (year only).
  E  intake (no start of care): counts nowhere.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from alarms.models import AlarmEvent
from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from billing import daily
from billing.models import DailyRun, Declaration, DeclarationLine
from clients.models import Absence, Client, NetworkMember
from reports.figures import compute
from teams.models import Visit
from tests.factories import (
    AbsenceFactory,
    AlarmEventFactory,
    AlarmFactory,
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    ContractFactory,
    ContractTariffFactory,
    DeclarationFactory,
    DeclarationLineFactory,
    EmployeeFactory,
    LevelRateFactory,
    MenuItemFactory,
    NetworkMemberFactory,
    OrganizationFactory,
    RegionFactory,
    TaskAgreementFactory,
    TeamFactory,
    VisitFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
    make_bsn,
)
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

pytestmark = pytest.mark.django_db
D = dt.date
AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # long after the alarms: every deadline passed
SECRET_BSN = make_bsn(4242)


# --- fixtures (as tests/billing/conftest.py) ------------------------------------------------------


@pytest.fixture
def tariffs(db):  # noqa: ANN001, ANN201
    return load_default_tariffs()


@pytest.fixture
def zorgkantoor(db):  # noqa: ANN001, ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def regional(org_a, zorgkantoor):  # noqa: ANN001, ANN201
    """org_a lies in a region served by `zorgkantoor`."""
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor, name="Haaglanden")
    org_a.save(update_fields=["region"])
    return org_a


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    with translation.override("en"):
        yield


# --- the dataset ----------------------------------------------------------------------------------


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def build(org, zorgkantoor) -> dict:  # noqa: ANN001, PLR0915
    contract = ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=2026,
                               production_agreement=Decimal("300000.00"), percentage=Decimal("96.50"),
                               products=["755", "753", "754"])
    ContractTariffFactory(organization=org, contract=contract, prestatiecode="V754B", amount=Decimal("200.00"))
    ContractTariffFactory(organization=org, contract=contract, prestatiecode="V755B", amount=Decimal("250.00"))
    other_contract = ContractFactory(organization=org, zorgkantoor=ZorgkantoorFactory(), year=2026)
    team = TeamFactory(organization=org, name="Noord")
    LevelRateFactory(organization=org, function_level=2, cost_per_hour=Decimal("48.00"))
    nurse = EmployeeFactory(organization=org, team=team, function_level=2)
    hours = MenuItemFactory(organization=org, unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=2)
    meals = MenuItemFactory(organization=org, unit=MenuItem.Unit.PER_DAY, function_level=None,
                            kind=MenuItem.Kind.MEALS, cost_price=Decimal("9.50"))

    def client(first_name: str, last_name: str, start: dt.date | None, end: dt.date | None = None,
               reason: str = "", **kwargs) -> Client:  # noqa: ANN003
        status = Client.Status.INTAKE if start is None else Client.Status.ENDED if end else Client.Status.IN_CARE
        return ClientFactory(organization=org, first_name=first_name, last_name=last_name, primary_team=team,
                             status=status, care_start=start, care_end=end, end_reason=reason, **kwargs)

    def indication(c: Client, profile: str, valid_from: dt.date, valid_to: dt.date | None = None) -> None:
        WlzIndicationFactory(organization=org, client=c, zorgprofiel=profile, valid_from=valid_from,
                             valid_to=valid_to)

    def arrangement(c: Client, version: int, valid_from: dt.date, valid_to: dt.date | None = None, *,
                    status: str = Arrangement.Status.ACTIVE, lines=()) -> Arrangement:  # noqa: ANN001
        a = ArrangementFactory(organization=org, client=c, version=version, valid_from=valid_from,
                               valid_to=valid_to, status=status)
        for item, quantity, by in lines:
            ArrangementLineFactory(organization=org, arrangement=a, menu_item=item, quantity=Decimal(quantity),
                                   delivered_by=by)
        return a

    team_, sub, mz, private = (ArrangementLine.DeliveredBy.TEAM, ArrangementLine.DeliveredBy.SUBCONTRACTOR,
                               ArrangementLine.DeliveredBy.MANTELZORG, ArrangementLine.DeliveredBy.PRIVATE)
    a = client("Wilhelmina", "Zonnebloem", D(2025, 6, 1), bsn=SECRET_BSN)
    indication(a, "754", D(2025, 1, 1), D(2026, 2, 14))
    indication(a, "755", D(2026, 2, 15))
    arrangement(a, 1, D(2025, 6, 1), D(2026, 1, 31), status=Arrangement.Status.ENDED, lines=[(hours, "10", team_)])
    arrangement(a, 2, D(2026, 2, 1), lines=[(hours, "12", team_), (hours, "2", sub), (hours, "3", mz),
                                            (hours, "3", private), (meals, "1", team_)])
    AbsenceFactory(organization=org, client=a, kind=Absence.Kind.HOLIDAY, left_on=D(2026, 2, 1),
                   returned_on=D(2026, 2, 5))
    AbsenceFactory(organization=org, client=a, kind=Absence.Kind.RESPITE, left_on=D(2026, 5, 1),
                   returned_on=D(2026, 5, 3))
    NetworkMemberFactory(organization=org, client=a, name="Xantippe Zonnebloem", relation=NetworkMember.Relation.CHILD,
                         hours_per_week=Decimal("6.0"))
    NetworkMemberFactory(organization=org, client=a, relation=NetworkMember.Relation.NEIGHBOUR,
                         hours_per_week=Decimal("2.5"))
    NetworkMemberFactory(organization=org, client=a, relation=NetworkMember.Relation.VOLUNTEER,
                         hours_per_week=Decimal("4.0"))

    b = client("Bartholomeus", "Quakkelaar", D(2026, 2, 10))
    indication(b, "754", D(2026, 1, 1))
    b_arrangement = arrangement(b, 1, D(2026, 2, 10), lines=[(hours, "7", team_)])
    arrangement(b, 2, D(2026, 3, 1), status=Arrangement.Status.DRAFT, lines=[(hours, "30", team_)])
    AbsenceFactory(organization=org, client=b, kind=Absence.Kind.ADMISSION, left_on=D(2026, 2, 15),
                   returned_on=D(2026, 2, 20))
    AbsenceFactory(organization=org, client=b, kind=Absence.Kind.RESPITE, left_on=D(2026, 3, 28),
                   returned_on=D(2026, 4, 3))
    friend = NetworkMemberFactory(organization=org, client=b, relation=NetworkMember.Relation.FRIEND,
                                  hours_per_week=None)
    NetworkMemberFactory(organization=org, client=b, relation=NetworkMember.Relation.VOLUNTEER,
                         hours_per_week=Decimal("3.0"))
    TaskAgreementFactory(organization=org, arrangement=b_arrangement, done_by=TaskAgreement.DoneBy.NETWORK,
                         network_member=friend, task="Boodschappen")

    c = client("Cornelia", "Pruimelaar", D(2025, 1, 1), D(2026, 3, 10), Client.EndReason.DECEASED)
    indication(c, "755", D(2025, 1, 1))
    arrangement(c, 1, D(2025, 1, 1), lines=[(hours, "20", team_), (hours, "5", mz)])
    AbsenceFactory(organization=org, client=c, kind=Absence.Kind.RESPITE, left_on=D(2025, 12, 29),
                   returned_on=D(2026, 1, 2))
    NetworkMemberFactory(organization=org, client=c, relation=NetworkMember.Relation.CHILD,
                         hours_per_week=Decimal("8.0"))

    d = client("Dirk", "Vlaskamp", D(2025, 3, 1), D(2026, 1, 31), Client.EndReason.NURSING_HOME)
    indication(d, "754", D(2025, 3, 1), D(2025, 12, 31))
    arrangement(d, 1, D(2025, 3, 1), lines=[(hours, "5", team_)])

    g = client("Gerritje", "Kwakernaak", D(2025, 1, 1))
    indication(g, "755", D(2025, 1, 1))
    AbsenceFactory(organization=org, client=g, kind=Absence.Kind.RESPITE, left_on=D(2026, 3, 30), returned_on=None)

    f = client("Frederik", "Spijkerboor", D(2026, 4, 15), D(2026, 6, 30), Client.EndReason.OTHER)
    indication(f, "754", D(2026, 4, 1))

    e = client("Evertje", "Intakeling", None)
    indication(e, "754", D(2026, 1, 1))
    NetworkMemberFactory(organization=org, client=e, relation=NetworkMember.Relation.PARTNER,
                         hours_per_week=Decimal("20.0"))

    def visit(who: Client, day: dt.date, minutes: int, status: str = Visit.Status.DELIVERED) -> None:
        delivered = dt.datetime.combine(day, dt.time(18), tzinfo=dt.UTC) if status == Visit.Status.DELIVERED else None
        VisitFactory(organization=org, client=who, employee=nurse, date=day, start=dt.time(8, 0),
                     duration_minutes=minutes, status=status, delivered_at=delivered)

    visit(a, D(2025, 12, 31), 100)  # before the period
    visit(a, D(2026, 1, 5), 300)  # 754
    visit(a, D(2026, 2, 20), 360)  # 755
    visit(a, D(2026, 3, 2), 500, Visit.Status.PLANNED)
    visit(a, D(2026, 3, 3), 500, Visit.Status.CANCELLED)
    visit(b, D(2026, 2, 5), 30)  # before B's start of care: not counted
    visit(b, D(2026, 3, 10), 270)  # 754
    visit(c, D(2026, 1, 15), 240)  # 755
    visit(c, D(2026, 3, 12), 60)  # after C's end of care: not counted
    visit(d, D(2026, 1, 20), 120)  # ""

    # Alarms (norms: acknowledge within 5 minutes, on site within 30 — the factory's).
    def alarm(received: dt.datetime, ack: int | None = None, on_site: int | None = None, level: int = 0,
              events: tuple[int, ...] = ()) -> None:
        al = AlarmFactory(
            organization=org, client=a, team=team, received_at=received, escalation_level=level,
            acknowledged_at=received + dt.timedelta(minutes=ack) if ack is not None else None,
            on_site_at=received + dt.timedelta(minutes=on_site) if on_site is not None else None)
        for step in events:
            AlarmEventFactory(organization=org, alarm=al, action=AlarmEvent.Action.ESCALATED, level=step)

    alarm(local(2026, 1, 1, 0, 30), ack=2, on_site=20)  # 31-12-2025 23:30 UTC: January local
    alarm(local(2025, 12, 31, 23, 50), ack=1)  # December: outside 2026
    alarm(local(2026, 1, 15, 10), ack=7, level=1, events=(1,))
    alarm(local(2026, 2, 10, 14), ack=3, on_site=40, level=2, events=(1, 2))
    alarm(local(2026, 3, 5, 8), ack=1, on_site=10)
    alarm(local(2026, 3, 31, 23, 30))  # never acknowledged, deadline passed: settled, missed
    alarm(local(2026, 4, 1, 0, 10), ack=4)  # 31-03 22:10 UTC: April local (Q2)

    # Declarations of the contract (and one of another contract, which never counts).
    def declaration(month: int, status: str = Declaration.Status.SUBMITTED, of=contract) -> Declaration:  # noqa: ANN001
        return DeclarationFactory(organization=org, contract=of, zorgkantoor=of.zorgkantoor, year=2026, month=month,
                                  status=status)

    def line(decl: Declaration, who: Client, profile: str, amount: str, month: int | None = None,
             **kwargs) -> DeclarationLine:  # noqa: ANN003
        # Care days of `month` (default: the declaration's month): a line covers one month.
        month = month or decl.month
        first = D(2026, month, 1)
        last = (D(2026, month + 1, 1) if month < 12 else D(2027, 1, 1)) - dt.timedelta(days=1)
        return DeclarationLineFactory(organization=org, declaration=decl, client=who, zorgprofiel=profile,
                                      amount=Decimal(amount), begin=first, end=last, days=(last - first).days + 1,
                                      **kwargs)

    jan = declaration(1, Declaration.Status.PARTLY_REJECTED)
    a_jan = line(jan, a, "754", "6200.00", status=DeclarationLine.Status.ACCEPTED)
    line(jan, c, "755", "7750.00", status=DeclarationLine.Status.REJECTED, return_code="0123")
    line(jan, g, "755", "7750.00")
    feb = declaration(2)
    line(feb, a, "754", "200.00", month=1, side=DeclarationLine.Side.CREDIT, corrects=a_jan)
    line(feb, g, "755", "7000.00")
    line(declaration(3, Declaration.Status.DRAFT), b, "754", "5000.00")
    april = declaration(4)
    line(april, b, "754", "1000.00")
    line(april, b, "754", "300.00", month=3)  # March days declared late, in April: they count for Q1
    line(declaration(2, of=other_contract), g, "755", "999.00")

    run = daily.run_days(org, D(2026, 1, 1), D(2026, 4, 30), kind=DailyRun.Kind.NIGHTLY)
    assert run.status == DailyRun.Status.DONE
    return {"contract": contract, "clients": [a, b, c, d, e, f, g]}


@pytest.fixture
def data(regional, zorgkantoor, tariffs) -> dict:  # noqa: ANN001
    return build(regional, zorgkantoor)


def figures(org, contract, year: int, quarter: int | None) -> dict:  # noqa: ANN001
    with tenant_scope(org):
        return compute(org, contract, year, quarter, now=NOW)


PROFILES = [
    {"code": "753", "short": "4VV", "label": "Beschut wonen met intensieve begeleiding en uitgebreide verzorging"},
    {"code": "754", "short": "5VV", "label": "Beschermd wonen met intensieve dementiezorg"},
    {"code": "755", "short": "6VV", "label": "Beschermd wonen met intensieve verzorging en verpleging"},
    {"code": "", "short": "—", "label": "No valid indication"},
]
MANTELZORG = {
    # In care on the last day (31-03 and 31-12 alike): A, B, G. Mantelzorgers: A's child (6.0 h)
    # and neighbour (2.5 h), B's friend (no estimate); the volunteers, C's child (C left) and
    # E's partner (intake) do not count. 2 of 3 clients = 66.67 %.
    # Tasks: A's arrangement v2 has a mantelzorg line, B's a task done by the friend.
    "clients": 3, "with_mantelzorger": 2, "share_pct": "66.7", "mantelzorgers": 3,
    "estimated_hours_per_week": "8.5", "clients_with_mantelzorg_tasks": 2,
}


def test_first_quarter_by_hand(data, regional) -> None:  # noqa: ANN001
    got = figures(regional, data["contract"], 2026, 1)

    assert got["schema"] == 1
    assert got["period"] == {"kind": "quarter", "year": 2026, "quarter": 1, "first": "2026-01-01",
                             "last": "2026-03-31", "days": 90, "label": "Q1 2026"}
    assert got["provider"] == {"name": regional.name, "agb_code": regional.agb_code, "region": "Haaglanden"}
    assert got["zorgkantoor"] == {"name": "Zorgkantoor Haaglanden"}
    assert got["contract"] == {"year": 2026, "production_agreement": "300000.00", "percentage": "96.50",
                               "products": ["755", "753", "754"]}
    # 753 only as a contracted product; "" (D in January) last.
    assert got["profiles"] == PROFILES

    # at_start 01-01: A (754), C and G (755), D (""); started: B (10-02, 754);
    # ended: C (10-03, 755), D (31-01, ""); at_end 31-03: B (754), A and G (755). 4 + 1 - 2 = 3.
    assert got["clients"] == {
        "rows": [
            {"profile": "753", "at_start": 0, "started": 0, "ended": 0, "at_end": 0},
            {"profile": "754", "at_start": 1, "started": 1, "ended": 0, "at_end": 1},
            {"profile": "755", "at_start": 2, "started": 0, "ended": 1, "at_end": 2},
            {"profile": "", "at_start": 1, "started": 0, "ended": 1, "at_end": 0},
        ],
        "total": {"at_start": 4, "started": 1, "ended": 2, "at_end": 3},
    }

    # Day lines: 754 = A 01-01..14-02 (45) + B 10-02..31-03 (50) = 95, of which B's absence
    # days 16..19-02 (4) not billable: 91 × 200.00 = 18200.00.
    # 755 = A 15-02..31-03 (45) + C 01-01..10-03 (69) + G (90) = 204 × 250.00 = 51000.00.
    # Declared for care days 01-01..31-03: 754 = 6200.00 - 200.00 (credit of January days,
    # declared in February) + 300.00 (March days declared in April) = 6300.00; 755 = 7750.00
    # (G, January; C's rejected line left out) + 7000.00 = 14750.00; the draft of March, the
    # April days and the other contract's declaration left out.
    # Year: through min(31-03, computed through 30-04) = 31-03; last day A 250 + B 200 + G 250
    # = 700.00 × 275 remaining days = 192500.00; projected 69200 + 192500 = 261700.00;
    # 69200 / 300000 = 23.07 %, 261700 / 300000 = 87.23 %.
    assert got["production"] == {
        "rows": [
            {"profile": "753", "client_days": 0, "billable_days": 0, "earned": "0.00", "declared": "0.00"},
            {"profile": "754", "client_days": 95, "billable_days": 91, "earned": "18200.00", "declared": "6300.00"},
            {"profile": "755", "client_days": 204, "billable_days": 204, "earned": "51000.00",
             "declared": "14750.00"},
            {"profile": "", "client_days": 0, "billable_days": 0, "earned": "0.00", "declared": "0.00"},
        ],
        "total": {"client_days": 299, "billable_days": 295, "earned": "69200.00", "declared": "21050.00"},
        "year": {"agreement": "300000.00", "earned_to_date": "69200.00", "declared_to_date": "21050.00",
                 "through": "2026-03-31", "projected": "261700.00", "used_pct": "23.1", "projected_pct": "87.2"},
    }

    assert got["flow"] == {"inflow": 1, "outflow": {"nursing_home": 1, "deceased": 1, "other": 0},
                           "outflow_total": 2, "net": -1}

    # Client-days: 754 = 95 (A 45, B 50); 755 = 204 (A 45, C 69, G 90); "" = 31 (D, January).
    # Planned hour-days: 754 = A 31 × 10 + 14 × 14 (12 team + 2 subcontractor) + B 50 × 7
    # = 310 + 196 + 350 = 856 → 856 / 95 = 9.01; 755 = A 45 × 14 + C 69 × 20 + G 0 = 2010
    # → 2010 / 204 = 9.85; "" = D 31 × 5 = 155 → 5.0; total 3021 / 330 = 9.15.
    # Delivered: 754 = 300 + 270 min = 9.5 h → 9.5 × 7 / 95 = 0.70; 755 = 360 + 240 = 10 h
    # → 70 / 204 = 0.34; "" = 2 h → 14 / 31 = 0.45; total 21.5 × 7 / 330 = 0.46.
    # Weeks: 95 / 7 = 13.57, 204 / 7 = 29.14, 31 / 7 = 4.43, 330 / 7 = 47.14.
    assert got["hours"] == {
        "rows": [
            {"profile": "753", "client_days": 0, "client_weeks": "0.0", "planned_per_week": None,
             "delivered_per_week": None},
            {"profile": "754", "client_days": 95, "client_weeks": "13.6", "planned_per_week": "9.0",
             "delivered_per_week": "0.7"},
            {"profile": "755", "client_days": 204, "client_weeks": "29.1", "planned_per_week": "9.9",
             "delivered_per_week": "0.3"},
            {"profile": "", "client_days": 31, "client_weeks": "4.4", "planned_per_week": "5.0",
             "delivered_per_week": "0.5"},
        ],
        "total": {"client_days": 330, "client_weeks": "47.1", "planned_per_week": "9.2",
                  "delivered_per_week": "0.5"},
    }

    assert got["mantelzorg"] == MANTELZORG

    # Alarms received 01-01 00:00 .. 01-04 00:00 local: 5 (not the one of 31-12 23:50 local,
    # not the one of 01-04 00:10 local although that is 31-03 in UTC).
    # Acknowledge minutes 2, 7, 3, 1 → sorted 1 2 3 7: median rank ceil(2) = 2 → 2; p90 rank
    # ceil(3.6) = 4 → 7. On site 20, 40, 10 → 10 20 40: median rank 2 → 20, p90 rank 3 → 40.
    # Within 5 min: 3 of 5 settled (the unacknowledged one of 31-03 is missed); on site
    # within 30: 2 of 3. Escalated: 2 alarms, 1 + 2 = 3 steps.
    assert got["alarms"] == {
        "alarms": 5, "ack_median_min": 2.0, "ack_p90_min": 7.0, "on_site_median_min": 20.0,
        "on_site_p90_min": 40.0, "ack_within_norm": 3, "ack_settled": 5, "ack_within_norm_pct": "60.0",
        "on_site_within_norm": 2, "on_site_count": 3, "on_site_within_norm_pct": "66.7",
        "escalated_alarms": 2, "escalation_steps": 3,
        "months": [{"month": "2026-01", "alarms": 2, "ack_within_norm_pct": "50.0"},
                   {"month": "2026-02", "alarms": 1, "ack_within_norm_pct": "100.0"},
                   {"month": "2026-03", "alarms": 2, "ack_within_norm_pct": "50.0"}],
    }

    # Respite nights in Q1: B 28..31-03 (4), C 01-01 (1; 29..31-12 are 2025), G 30..31-03 (2,
    # open stay up to the last day); A's stay in May has no night in Q1. 3 stays, 3 clients.
    assert got["respite"] == {"stays": 3, "clients": 3, "nights": 7}


def test_year_by_hand(data, regional) -> None:  # noqa: ANN001
    got = figures(regional, data["contract"], 2026, None)

    assert got["period"] == {"kind": "year", "year": 2026, "quarter": None, "first": "2026-01-01",
                             "last": "2026-12-31", "days": 365, "label": "2026"}
    assert got["profiles"] == PROFILES
    # F starts 15-04 and ends 30-06 (754); at_end 31-12: B (754), A and G (755). 4 + 2 - 3 = 3.
    assert got["clients"]["rows"] == [
        {"profile": "753", "at_start": 0, "started": 0, "ended": 0, "at_end": 0},
        {"profile": "754", "at_start": 1, "started": 2, "ended": 1, "at_end": 1},
        {"profile": "755", "at_start": 2, "started": 0, "ended": 1, "at_end": 2},
        {"profile": "", "at_start": 1, "started": 0, "ended": 1, "at_end": 0},
    ]
    assert got["clients"]["total"] == {"at_start": 4, "started": 2, "ended": 3, "at_end": 3}
    assert got["flow"] == {"inflow": 2, "outflow": {"nursing_home": 1, "deceased": 1, "other": 1},
                           "outflow_total": 3, "net": -1}

    # Day lines exist through 30-04. 754: A 45 + B 80 (10-02..30-04) + F 16 (15..30-04) = 141,
    # billable 137 × 200 = 27400.00; 755: A 75 + C 69 + G 120 = 264 × 250 = 66000.00.
    # Declared: + April's 1000.00 (754): 6300.00 + 1000.00 = 7300.00. Last day 30-04: A 250 + B 200 + G 250 + F 200 = 900.00
    # × 245 remaining days = 220500.00 → projected 93400 + 220500 = 313900.00;
    # 93400 / 300000 = 31.13 %, 313900 / 300000 = 104.63 %.
    assert got["production"] == {
        "rows": [
            {"profile": "753", "client_days": 0, "billable_days": 0, "earned": "0.00", "declared": "0.00"},
            {"profile": "754", "client_days": 141, "billable_days": 137, "earned": "27400.00",
             "declared": "7300.00"},
            {"profile": "755", "client_days": 264, "billable_days": 264, "earned": "66000.00",
             "declared": "14750.00"},
            {"profile": "", "client_days": 0, "billable_days": 0, "earned": "0.00", "declared": "0.00"},
        ],
        "total": {"client_days": 405, "billable_days": 401, "earned": "93400.00", "declared": "22050.00"},
        "year": {"agreement": "300000.00", "earned_to_date": "93400.00", "declared_to_date": "22050.00",
                 "through": "2026-04-30", "projected": "313900.00", "used_pct": "31.1", "projected_pct": "104.6"},
    }

    # Client-days (by care dates, the whole year): 754 = A 45 + B 325 (10-02..31-12) + F 77
    # (15-04..30-06) = 447; 755 = A 320 (15-02..31-12) + C 69 + G 365 = 754; "" = D 31. 1232.
    # Planned: 754 = 310 + 196 + B 325 × 7 (2275) + F 0 = 2781 → 6.22; 755 = A 320 × 14 (4480)
    # + C 1380 = 5860 → 7.77; total 2781 + 5860 + 155 = 8796 / 1232 = 7.14.
    # Delivered (only Q1 visits): 66.5 / 447 = 0.15; 70 / 754 = 0.09; 14 / 31 = 0.45;
    # 150.5 / 1232 = 0.12. Weeks 63.86, 107.71, 4.43, 176.0.
    assert got["hours"] == {
        "rows": [
            {"profile": "753", "client_days": 0, "client_weeks": "0.0", "planned_per_week": None,
             "delivered_per_week": None},
            {"profile": "754", "client_days": 447, "client_weeks": "63.9", "planned_per_week": "6.2",
             "delivered_per_week": "0.1"},
            {"profile": "755", "client_days": 754, "client_weeks": "107.7", "planned_per_week": "7.8",
             "delivered_per_week": "0.1"},
            {"profile": "", "client_days": 31, "client_weeks": "4.4", "planned_per_week": "5.0",
             "delivered_per_week": "0.5"},
        ],
        "total": {"client_days": 1232, "client_weeks": "176.0", "planned_per_week": "7.1",
                  "delivered_per_week": "0.1"},
    }
    assert got["mantelzorg"] == MANTELZORG

    # + the alarm of 01-04 00:10 local (4 min): acknowledge 1 2 3 4 7 → median rank
    # ceil(2.5) = 3 → 3, p90 rank ceil(4.5) = 5 → 7; within 4 of 6.
    alarms = got["alarms"]
    assert (alarms["alarms"], alarms["ack_median_min"], alarms["ack_p90_min"]) == (6, 3.0, 7.0)
    assert (alarms["ack_within_norm"], alarms["ack_settled"], alarms["ack_within_norm_pct"]) == (4, 6, "66.7")
    assert (alarms["on_site_median_min"], alarms["on_site_p90_min"], alarms["on_site_within_norm_pct"]) == (
        20.0, 40.0, "66.7")
    assert (alarms["escalated_alarms"], alarms["escalation_steps"]) == (2, 3)
    assert [m["month"] for m in alarms["months"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert alarms["months"][3] == {"month": "2026-04", "alarms": 1, "ack_within_norm_pct": "100.0"}
    assert alarms["months"][4] == {"month": "2026-05", "alarms": 0, "ack_within_norm_pct": None}
    assert sum(m["alarms"] for m in alarms["months"]) == 6

    # Respite: B 28-03..02-04 (6), C 01-01 (1), G 30-03..31-12 (2 + 275 = 277), A 01..02-05 (2).
    assert got["respite"] == {"stays": 4, "clients": 4, "nights": 286}


def test_no_names_bsns_or_client_ids(data, regional) -> None:  # noqa: ANN001
    text = json.dumps([figures(regional, data["contract"], 2026, q) for q in (1, 2, None)])
    for client in data["clients"]:
        assert client.first_name not in text and client.last_name not in text
    assert SECRET_BSN not in text
    assert "Xantippe" not in text  # a network member's name
    assert "client_id" not in text and '"pk"' not in text


def test_queries_do_not_grow_with_clients(data, regional) -> None:  # noqa: ANN001
    org, contract = regional, data["contract"]
    figures(org, contract, 2026, None)  # the contract's zorgkantoor and the region are cached from now on
    with CaptureQueriesContext(connection) as before:
        figures(org, contract, 2026, None)
    team = data["clients"][0].primary_team
    for n in range(3):
        c = ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE, care_start=D(2025, 1, 1))
        WlzIndicationFactory(organization=org, client=c, zorgprofiel="754", valid_from=D(2025, 1, 1))
        ArrangementLineFactory(organization=org, arrangement=ArrangementFactory(organization=org, client=c,
                                                                                status=Arrangement.Status.ACTIVE))
        NetworkMemberFactory(organization=org, client=c, relation=NetworkMember.Relation.PARTNER)
        VisitFactory(organization=org, client=c, date=D(2026, 1, 10 + n))
    with CaptureQueriesContext(connection) as after:
        got = figures(org, contract, 2026, None)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert got["clients"]["total"]["at_end"] == 3 + 3


def test_empty_organisation(db) -> None:  # noqa: ANN001
    org = OrganizationFactory()
    contract = ContractFactory(organization=org, year=2026, production_agreement=Decimal("0.00"))
    got = figures(org, contract, 2026, 2)
    assert got["period"]["days"] == 91 and got["provider"]["region"] == ""
    assert got["profiles"] == []
    assert got["clients"] == {"rows": [], "total": {"at_start": 0, "started": 0, "ended": 0, "at_end": 0}}
    assert got["production"] == {
        "rows": [],
        "total": {"client_days": 0, "billable_days": 0, "earned": "0.00", "declared": "0.00"},
        "year": {"agreement": "0.00", "earned_to_date": "0.00", "declared_to_date": "0.00", "through": None,
                 "projected": "0.00", "used_pct": None, "projected_pct": None},
    }
    assert got["flow"] == {"inflow": 0, "outflow": {"nursing_home": 0, "deceased": 0, "other": 0},
                           "outflow_total": 0, "net": 0}
    assert got["hours"]["total"] == {"client_days": 0, "client_weeks": "0.0", "planned_per_week": None,
                                     "delivered_per_week": None}
    assert got["mantelzorg"] == {"clients": 0, "with_mantelzorger": 0, "share_pct": None, "mantelzorgers": 0,
                                 "estimated_hours_per_week": "0.0", "clients_with_mantelzorg_tasks": 0}
    assert got["alarms"]["alarms"] == 0 and got["alarms"]["ack_median_min"] is None
    assert got["alarms"]["ack_within_norm_pct"] is None
    assert got["alarms"]["months"] == [{"month": f"2026-{m:02d}", "alarms": 0, "ack_within_norm_pct": None}
                                       for m in (4, 5, 6)]
    assert got["respite"] == {"stays": 0, "clients": 0, "nights": 0}
    json.dumps(got)  # serialisable as it is
