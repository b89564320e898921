"""Demo data of the teams app for `manage.py demo_seed` (registered in TeamsConfig.ready, so it
runs after the clients and arrangements seeders: INSTALLED_APPS lists clients, arrangements
and teams in that order).

Per provider: the rates per function level; per district team a manager (where the clients
seeder left it empty) and employees sized to what the team's clients' arrangements ask:
contract hours within about ±15 % of the agreed hours, with 8–15 employees where that is
enough (small: 4–5) and more where the clients seeder gives a team 30–50 clients of about
24 hours a week. DOMAIN.md "Teams": mostly cliëntondersteuners at level 2, fewer
cliëntcoaches at level 3, a nurse at level 4 in the larger teams. The demo memberships of
the team become employees linked to their account (coach: level 3, support worker: level 2;
team managers are not employees); the others have no account. Every client in care gets 3–4 fixed faces from
its team, always including its primary coach's employee.

Visits: eight weeks back (from a Monday, up to yesterday, delivered) and today plus seven
days (planned), following the arrangement version in force on each day: per client, week
and element delivered by the own team in hours per week, the agreed hours (prorated as
`teams.selectors.capacity_for` does) are split over visits of 30–90 minutes spread over the
week, with a per-client delivery factor (most clients 95–100 %, some under- and some
over-delivered). No visits before the start of care, after its end or while the client is
away (admission, holiday, respite). Visits are placed per day with a time cursor per
employee (07:30–22:30, with travel time between visits) and per client, so visits of one
employee never overlap (PostgreSQL's exclusion constraint would refuse them); mostly by the
client's fixed faces, within each employee's working days and contract hours where the team
can manage.

Written with bulk_create per model and provider. No access-log entries and no
VisitRevision rows: generating demo data is not anyone's access or change (a "created"
revision per visit would double the rows for nothing; the visits carry source=demo).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.models import Absence, Client
from teams.models import Employee, FixedFace, LevelRate, Visit
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

# Illustrative integral costs per hour in 2026 (salary scale of the function level plus
# overhead); not figures from a collective agreement or a real provider.
LEVEL_RATES = {2: Decimal("46.00"), 3: Decimal("54.00"), 4: Decimal("63.00")}

WEEKS_BACK = 8
DAYS_AHEAD = 7
DAY_START = 7 * 60 + 30  # minutes after midnight
DAY_END = 22 * 60 + 30
MIN_VISIT, MAX_VISIT = 30, 90
CONTRACT_STEPS = (16, 20, 24, 28, 32)
MAX_DAY_MINUTES = 9 * 60  # of visits per employee and day, before the team runs out of options
OVERTIME = 1.1  # share of the contract hours an employee works in a busy week

# Preferred start (minutes after midnight) of the 1st, 2nd, ... visit of a kind on one day.
SLOTS = {
    MenuItem.Kind.PERSONAL_CARE: (7 * 60 + 30, 19 * 60 + 30, 12 * 60, 17 * 60, 9 * 60 + 30, 15 * 60),
    MenuItem.Kind.NURSING: (8 * 60 + 30, 16 * 60 + 30, 11 * 60),
    MenuItem.Kind.HOUSEHOLD: (10 * 60, 14 * 60, 11 * 60 + 30),
    MenuItem.Kind.SUPPORT: (14 * 60, 10 * 60 + 30, 16 * 60, 19 * 60),
}
DEFAULT_SLOTS = (14 * 60 + 30, 10 * 60 + 30, 16 * 60 + 30)
TYPICAL_MINUTES = {MenuItem.Kind.PERSONAL_CARE: 60, MenuItem.Kind.NURSING: 40, MenuItem.Kind.HOUSEHOLD: 90,
                   MenuItem.Kind.SUPPORT: 75}

VISIT_NOTES = (
    "Cliënt sliep slecht, wat onrustig bij het aankleden.",
    "Dochter was aanwezig; weekplanning samen doorgenomen.",
    "Steunkousen knellen bij de enkel; nieuwe maat aangevraagd.",
    "Goed gegeten, samen een rondje om het blok gelopen.",
    "Medicatie van de apotheek nagekeken, klopt met de lijst.",
    "Cliënt vroeg naar de dagbesteding van donderdag.",
    "Huisarts gebeld over rode plek op de hiel; komt morgen langs.",
    "Koelkast opgeruimd, overdatum weggegooid.",
    "Buurvrouw helpt voortaan op dinsdag met de boodschappen.",
    "Alarmknop getest: werkt.",
)
CANCEL_NOTES = (
    "Cliënt afgezegd: bezoek van familie.",
    "Cliënt naar de huisarts met zoon.",
    "Afgezegd door cliënt, voelde zich goed genoeg.",
    "Ziekte medewerker, niet overgenomen.",
)


@dataclass(eq=False)  # compared and hashed by identity
class _Staff:
    """An employee while the visits are placed."""

    employee: Employee
    level: int
    team_id: int
    contract_minutes: int
    is_demo_coach: bool = False
    faces_load: float = 0.0  # hours per week of the clients it is a fixed face of
    working: set[date] = field(default_factory=set)
    week_minutes: Counter = field(default_factory=Counter)  # week (Monday) -> minutes

    def load_ratio(self, week: date) -> float:
        return self.week_minutes[week] / self.contract_minutes


@dataclass
class _Line:
    code: str
    level: int
    kind: str
    hours: Decimal


@dataclass
class _Version:
    valid_from: date
    valid_to: date | None
    lines: list[_Line]


@dataclass
class _ClientPlan:
    client: Client
    versions: list[_Version]
    away: list[tuple[date, date | None]]
    factor: float
    shift: int  # minutes: the client's own rhythm (an early or a late riser)
    faces: list[_Staff] = field(default_factory=list)

    def version_on(self, day: date) -> _Version | None:
        for version in self.versions:
            if version.valid_from <= day and (version.valid_to is None or day <= version.valid_to):
                return version
        return None

    def at_home(self, day: date) -> bool:
        client = self.client
        if client.care_start is None or day < client.care_start or (client.care_end and day > client.care_end):
            return False
        # Absence days run from the day after leaving to the day before returning (NZa).
        return not any(left < day and (back is None or day < back) for left, back in self.away)

    def hours_now(self, today: date) -> dict[int, Decimal]:
        version = self.version_on(today) or (self.versions[-1] if self.versions else None)
        result: dict[int, Decimal] = defaultdict(Decimal)
        for line in version.lines if version else []:
            result[line.level] += line.hours
        return result


@dataclass
class _Request:
    """A visit to place: who, what, how long and when the client would like it."""

    plan: _ClientPlan
    day: date
    level: int
    codes: list[str]
    planned: int
    real: int
    preferred: int


def _round5(minutes: float) -> int:
    return int(5 * round(minutes / 5))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_name(fake: Any) -> str:
    # Faker's Dutch list has a few historic names ("Aelftrud van Wessex"): keep plain ones.
    while True:
        words = fake.last_name().split()
        if all(w[0].islower() or w[0] == "'" for w in words[:-1]):
            return " ".join(words)


# --- staff -----------------------------------------------------------------------------------


def _contracts(count: int, target_hours: float, rng: random.Random) -> list[int]:
    """`count` contracts of 16–32 hours a week adding up to about `target_hours`."""
    hours = [rng.choice(CONTRACT_STEPS) for _ in range(count)]
    for _ in range(200):
        gap = target_hours - sum(hours)
        if abs(gap) <= 2:
            break
        step = 2 if gap > 0 else -2
        movable = [i for i, h in enumerate(hours) if 16 <= h + step <= 32]
        if not movable:
            break
        hours[rng.choice(movable)] += step
    return hours


def _team_staff(*, org: Organization, team: Team, demand: dict[int, Decimal], size: str, rng: random.Random,
                fake: Any, members: list[Membership], demo_coach: Membership | None) -> list[_Staff]:
    """Employees of one team: its coach and support memberships (linked) plus staff without
    an account, as many as the team's clients' hours need (normal: 8–15 where that is
    enough for the demand, small: 4–5)."""
    coaches = [m for m in members if m.role == Role.CLIENT_COACH]
    supports = [m for m in members if m.role == Role.CLIENT_SUPPORT]
    total_demand = float(sum(demand.values(), Decimal(0)))
    target = total_demand * rng.uniform(0.97, 1.08)  # capacity within ±15 % of demand
    needed = round(target / 24)
    if size == "small":
        count = min(max(needed, 4), 5)
    elif needed <= 15:
        count = max(needed, 8)
    else:  # more clients than a team of 15 can care for: a larger team, mostly fuller contracts
        count = math.ceil(target / 26)
    nurses = 0 if size == "small" else (1 if count < 25 else 2)
    share = target / total_demand if total_demand else 1.0
    level3 = max(len(coaches), math.ceil(float(demand.get(3, 0)) * share / 26), 1)
    level2 = max(count - level3 - nurses, len(supports), 1)
    hours = _contracts(level2 + level3 + nurses, target, rng)
    rng.shuffle(hours)

    employees: list[tuple[Employee, bool]] = []

    def add(level: int, membership: Membership | None) -> None:
        role = {2: Employee.Role.CLIENT_SUPPORT, 3: Employee.Role.CLIENT_COACH, 4: Employee.Role.NURSE}[level]
        if membership is not None:
            first, last = membership.user.first_name, membership.user.last_name
        else:
            first, last = fake.first_name(), _last_name(fake)
        employee = Employee(
            organization=org, team=team, role=role, function_level=level, first_name=first, last_name=last,
            contract_hours=Decimal(hours[len(employees)]), membership=membership,
        )
        employees.append((employee, membership is not None and membership == demo_coach))

    for i in range(level3):
        add(3, coaches[i] if i < len(coaches) else None)
    for i in range(level2):
        add(2, supports[i] if i < len(supports) else None)
    for _ in range(nurses):
        add(4, None)
    # A couple with their own cost per hour: higher in the salary scale, or self-employed.
    unlinked = [e for e, _coach in employees if e.membership is None]
    for employee in rng.sample(unlinked, k=min(len(unlinked), 1 if size == "small" else rng.randint(2, 3))):
        if rng.random() < 0.7:
            employee.hourly_cost = LEVEL_RATES[employee.function_level] + Decimal(rng.choice(("2.50", "4.00", "5.50")))
        else:
            employee.hourly_cost = Decimal(rng.choice(("58.00", "62.50", "65.00")))
    return [
        _Staff(employee=e, level=e.function_level, team_id=team.pk, contract_minutes=int(e.contract_hours * 60),
               is_demo_coach=is_demo_coach)
        for e, is_demo_coach in employees
    ]


def _working_days(staff: list[_Staff], first: date, last: date, today: date, rng: random.Random) -> None:
    """Per employee and week, 3–6 working days depending on the contract (the demo coach
    works today, so the Today view has visits)."""
    monday = _monday(first)
    while monday <= last:
        for person in staff:
            days = min(max(round(person.contract_minutes / 60 / 6), 3), 6)
            chosen = set(rng.sample(range(7), days))
            if person.is_demo_coach and monday == _monday(today):
                chosen.add(today.weekday())
            person.working.update(monday + timedelta(days=d) for d in chosen)
        monday += timedelta(days=7)


def _least_busy(candidates: list[_Staff], chosen: list[_Staff], rng: random.Random) -> _Staff | None:
    free = [s for s in candidates if s not in chosen]
    if not free:
        return None
    return min(free, key=lambda s: (s.faces_load / s.contract_minutes, rng.random()))


def _fixed_faces(plans: list[_ClientPlan], staff_by_team: dict[int, list[_Staff]], coach_staff: dict[int, _Staff],
                 today: date, rng: random.Random) -> list[FixedFace]:
    """3–4 employees of the client's team per client: the primary coach's employee, someone
    of level 3 or up when the arrangement asks for it, and the least busy level-2 staff."""
    faces: list[FixedFace] = []
    for plan in sorted(plans, key=lambda p: -sum(p.hours_now(today).values())):
        client = plan.client
        team = staff_by_team.get(client.primary_team_id, [])
        if not team:
            continue
        hours = plan.hours_now(today)
        wanted = min(rng.choice((3, 4)), len(team))
        chosen: list[_Staff] = []
        coach = coach_staff.get(client.client_coach_id) if client.client_coach_id else None
        if coach is not None and coach.team_id == client.primary_team_id:
            chosen.append(coach)

        if hours.get(3) and not any(s.level >= 3 for s in chosen):
            pick = (_least_busy([s for s in team if s.level == 3], chosen, rng)
                    or _least_busy([s for s in team if s.level >= 3], chosen, rng))
            if pick:
                chosen.append(pick)
        while len(chosen) < wanted:
            pick = _least_busy([s for s in team if s.level == 2], chosen, rng) or _least_busy(team, chosen, rng)
            if pick is None:
                break
            chosen.append(pick)
        total = float(sum(hours.values(), Decimal(0)))
        for person in chosen:
            person.faces_load += total * 60 / len(chosen)
        plan.faces = chosen
        since = max(client.care_start, today - timedelta(days=rng.randint(20, 500)))
        faces += [FixedFace(organization=client.organization, client=client, employee=s.employee, since=since)
                  for s in chosen]
    return faces


# --- visits ----------------------------------------------------------------------------------


def _lengths(total: float, kind: str, rng: random.Random) -> list[int]:
    """Visits of 30–90 minutes (multiples of 5) adding up to about `total` minutes."""
    if total < MIN_VISIT:
        return []
    count = max(1, round(total / TYPICAL_MINUTES.get(kind, 90)))
    count = min(max(count, math.ceil(total / MAX_VISIT)), int(total // MIN_VISIT))
    base = total / count
    return [min(max(_round5(base + rng.uniform(-10, 10)), MIN_VISIT), MAX_VISIT) for _ in range(count)]


def _requests(plan: _ClientPlan, first: date, last: date, today: date, rng: random.Random) -> list[_Request]:
    """The visits the client's arrangement asks for, week by week; what does not fit in a
    whole visit carries over to the next week."""
    result: list[_Request] = []
    carry: dict[str, float] = defaultdict(float)
    per_day_kind: Counter = Counter()
    monday = _monday(first)
    while monday <= last:
        factor = plan.factor * rng.uniform(0.96, 1.04)
        minutes: dict[str, float] = defaultdict(float)
        days: dict[str, list[date]] = defaultdict(list)
        lines: dict[str, _Line] = {}
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if day < first or day > last or not plan.at_home(day):
                continue
            version = plan.version_on(day)
            for line in version.lines if version else []:
                minutes[line.code] += float(line.hours) * 60 / 7 * factor
                days[line.code].append(day)
                lines[line.code] = line
        for code, line in lines.items():
            total = minutes[code] + carry[code]
            lengths = _lengths(total, line.kind, rng)
            carry[code] = total - sum(lengths)
            available = days[code]
            start = rng.random()
            others = [c for c, o in lines.items() if c != code and o.level == line.level]
            for i, planned in enumerate(lengths):
                day = available[min(int((i + start) * len(available) / len(lengths)), len(available) - 1)]
                slots = SLOTS.get(line.kind, DEFAULT_SLOTS)
                nth = per_day_kind[(day, line.kind)]
                per_day_kind[(day, line.kind)] += 1
                preferred = slots[nth % len(slots)] + plan.shift + rng.choice((0, 0, 5, 10, 15, 20, 30))
                codes = [code]
                if others and rng.random() < 0.2:
                    extra = rng.choice(others)
                    if extra in {o.code for o in (plan.version_on(day).lines)}:
                        codes.append(extra)
                real = planned
                if day < today and rng.random() < 0.35:
                    real = min(max(planned + rng.choice((-15, -10, -5, 5, 10, 15)), 15), 120)
                result.append(_Request(plan=plan, day=day, level=line.level, codes=codes, planned=planned,
                                       real=real, preferred=min(max(_round5(preferred), DAY_START), DAY_END - real)))
        monday += timedelta(days=7)
    return result


class _Scheduler:
    """Places the visits of one day: per employee a cursor (end of the last visit plus
    travel time), per client one too, so nothing overlaps."""

    def __init__(self, staff_by_team: dict[int, list[_Staff]], today: date, rng: random.Random) -> None:
        self.staff_by_team = staff_by_team
        self.today = today
        self.rng = rng
        self.coach_target = rng.randint(5, 7)  # planned visits today on the demo coach's Today view
        self.stats: Counter = Counter()

    def place_day(self, day: date, requests: list[_Request]) -> list[tuple[_Request, _Staff, int]]:
        self.day, self.week = day, _monday(day)
        self.cursor: dict[_Staff, int] = {}  # end of the employee's last visit of the day
        self.day_minutes: Counter = Counter()
        self.client_cursor: dict[int, int] = {}
        self.coach_today = 0
        placed = []
        for request in sorted(requests, key=lambda r: (r.preferred, r.plan.client.pk)):
            chosen = self._place(request)
            if chosen is None:
                self.stats["dropped"] += 1
                continue
            person, begin = chosen
            end = begin + request.real
            self.cursor[person] = end
            self.client_cursor[request.plan.client.pk] = end
            self.day_minutes[person] += request.real
            person.week_minutes[self.week] += request.real
            if person in request.plan.faces:
                self.stats["by_fixed_face"] += 1
            if day == self.today and person.is_demo_coach:
                self.coach_today += 1
            placed.append((request, person, begin))
        return placed

    def _start(self, person: _Staff, request: _Request, latest: int, travel: int) -> int | None:
        """The earliest start for `person`, or None when later than `latest` or past 22:30."""
        begin = max(request.preferred, self.client_cursor.get(request.plan.client.pk, DAY_START))
        if person in self.cursor:
            begin = max(begin, self.cursor[person] + travel)
        begin = 5 * math.ceil(begin / 5)
        if begin > latest or begin + request.real > DAY_END:
            return None
        return begin

    def _within(self, person: _Staff, minutes: int, limit: float = OVERTIME, day_limit: int = MAX_DAY_MINUTES) -> bool:
        return (self.day in person.working
                and person.week_minutes[self.week] + minutes <= person.contract_minutes * limit
                and self.day_minutes[person] + minutes <= day_limit)

    def _place(self, request: _Request) -> tuple[_Staff, int] | None:
        """Who does the visit and when: a fixed face on a working day within the contract
        near the preferred time, else another colleague, else later in the day, else
        overtime; None when the team cannot fit it in (the visit is not made)."""
        rng, week, minutes = self.rng, self.week, request.real
        travel = rng.choice((10, 15, 15, 20))
        able = [s for s in self.staff_by_team.get(request.plan.client.primary_team_id, []) if s.level >= request.level]
        faces = [s for s in request.plan.faces if s.level >= request.level]
        latest = request.preferred + 90
        today = self.day == self.today
        if today and self.coach_today >= self.coach_target:
            # The demo coach's Today view shows a normal day, not a crowded one.
            able = [s for s in able if not s.is_demo_coach]
            faces = [s for s in faces if not s.is_demo_coach]

        def order(people: list[_Staff]) -> list[_Staff]:
            # Own level first (keeps level 3 free for level-3 work), then the least busy.
            return sorted(people, key=lambda s: (s.level != request.level, s.load_ratio(week), rng.random()))

        tiers: list[tuple[Callable[[], list[_Staff]], int]] = []
        if today and self.coach_today < self.coach_target:
            tiers.append((lambda: [s for s in able if s.is_demo_coach], latest + 240))
        tiers += [
            (lambda: order([s for s in faces if self._within(s, minutes)]), latest),
            (lambda: order([s for s in able if self._within(s, minutes) and s not in faces]), latest),
            (lambda: order([s for s in faces if self._within(s, minutes, 1.25, 600)]), DAY_END),
            (lambda: order([s for s in able if self._within(s, minutes, 1.25, 600)]), DAY_END),
            (lambda: order([s for s in able if s.week_minutes[week] + minutes <= s.contract_minutes * 1.4]), DAY_END),
        ]
        for tier, (people, limit) in enumerate(tiers):
            for person in people():
                begin = self._start(person, request, limit, travel)
                if begin is not None:
                    self.stats[f"tier{tier}"] += 1
                    return person, begin
        return None


def _visit(org: Organization, request: _Request, person: _Staff, begin: int, *, today: date, now: datetime,
           planner_user_id: int | None, rng: random.Random) -> Visit:
    client = request.plan.client
    start = time(begin // 60, begin % 60)
    employee = person.employee
    visit = Visit(
        organization=org, client=client, employee=employee, date=request.day, start=start,
        duration_minutes=request.planned, planned_minutes=request.planned, status=Visit.Status.PLANNED,
        activities=request.codes, source=Visit.Source.DEMO,
        created_by_id=employee.membership.user_id if employee.membership_id else planner_user_id,
    )
    if request.day < today:
        if rng.random() < 0.02:
            visit.status = Visit.Status.CANCELLED
            visit.note = rng.choice(CANCEL_NOTES)
        else:
            visit.status = Visit.Status.DELIVERED
            visit.duration_minutes = request.real
            ended = datetime.combine(request.day, start) + timedelta(minutes=request.real + rng.randint(0, 90))
            visit.delivered_at = min(timezone.make_aware(ended), now)
            if rng.random() < 0.05:
                visit.note = rng.choice(VISIT_NOTES)
    return visit


# --- per provider ----------------------------------------------------------------------------


def _client_plans(clients: list[Client], rng: random.Random) -> list[_ClientPlan]:
    versions: dict[int, list[_Version]] = defaultdict(list)
    by_arrangement: dict[int, _Version] = {}
    for arrangement in Arrangement.objects.filter(
        client__in=clients, status__in=(Arrangement.Status.ACTIVE, Arrangement.Status.ENDED)
    ).order_by("client_id", "valid_from"):
        version = _Version(valid_from=arrangement.valid_from, valid_to=arrangement.valid_to, lines=[])
        versions[arrangement.client_id].append(version)
        by_arrangement[arrangement.pk] = version
    # The lines `capacity_for` counts: hours per week delivered by the own team.
    for arrangement_id, code, level, kind, hours in ArrangementLine.objects.filter(
        arrangement_id__in=list(by_arrangement), menu_item__unit=MenuItem.Unit.HOURS_PER_WEEK,
        delivered_by=ArrangementLine.DeliveredBy.TEAM, quantity__gt=0,
    ).values_list("arrangement_id", "menu_item__code", "menu_item__function_level", "menu_item__kind", "quantity"):
        by_arrangement[arrangement_id].lines.append(_Line(code=code, level=level, kind=kind, hours=hours))
    away: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for client_id, left, back in Absence.objects.filter(client__in=clients).values_list(
        "client_id", "left_on", "returned_on"
    ):
        away[client_id].append((left, back))
    plans = []
    for client in clients:
        roll = rng.random()
        if roll < 0.12:
            factor = rng.uniform(0.75, 0.85)  # under-delivered: the team cannot keep up
        elif roll < 0.22:
            factor = rng.uniform(1.05, 1.15)  # over-delivered: a client in a heavier phase
        else:
            factor = rng.uniform(0.97, 1.02)
        plans.append(_ClientPlan(client=client, versions=versions[client.pk], away=away[client.pk], factor=factor,
                                 shift=rng.choice((0, 0, 15, 30, 45, 60))))
    return plans


def _seed_provider(*, org: Organization, rng: random.Random, fake: Any, size: str, today: date,
                   stdout: Any) -> None:
    for level, rate in LEVEL_RATES.items():
        LevelRate.objects.get_or_create(organization=org, function_level=level, defaults={"cost_per_hour": rate})
    teams = list(Team.objects.filter(is_active=True).prefetch_related("members__user").order_by("pk"))
    if not teams:
        return
    clients = list(Client.objects.filter(status=Client.Status.IN_CARE, care_start__isnull=False).order_by("pk"))
    for client in clients:
        client.organization = org
    plans = _client_plans(clients, rng)
    demand: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for plan in plans:
        for level, hours in plan.hours_now(today).items():
            demand[plan.client.primary_team_id][level] += hours

    demo_coach = (Membership.objects.filter(organization=org, role=Role.CLIENT_COACH, is_active=True)
                  .order_by("pk").first())
    linked = set(Employee.objects.filter(membership__isnull=False).values_list("membership_id", flat=True))
    staff_by_team: dict[int, list[_Staff]] = {}
    for team in teams:
        members = sorted(team.members.all(), key=lambda m: m.pk)
        if team.manager_id is None:  # the team's manager (a member of the team)
            team.manager = next((m for m in members if m.role == Role.TEAM_MANAGER and m.is_active), None)
            if team.manager is not None:
                team.save(update_fields=["manager"])
        field_staff = [m for m in members if m.is_active and m.pk not in linked
                       and m.role in (Role.CLIENT_COACH, Role.CLIENT_SUPPORT)]
        linked.update(m.pk for m in field_staff)
        staff_by_team[team.pk] = _team_staff(org=org, team=team, demand=demand[team.pk], size=size, rng=rng,
                                             fake=fake, members=field_staff, demo_coach=demo_coach)
    all_staff = [s for staff in staff_by_team.values() for s in staff]
    Employee.objects.bulk_create([s.employee for s in all_staff], batch_size=500)
    for team in teams:  # a linked account sees its team's clients (already so for the demo memberships)
        accounts = [s.employee.membership for s in staff_by_team[team.pk] if s.employee.membership_id]
        if accounts:
            team.members.add(*accounts)

    coach_staff = {s.employee.membership_id: s for s in all_staff if s.employee.membership_id}
    faces = _fixed_faces(plans, staff_by_team, coach_staff, today, rng)
    FixedFace.objects.bulk_create(faces, batch_size=1000)

    first = _monday(today) - timedelta(weeks=WEEKS_BACK)
    last = today + timedelta(days=DAYS_AHEAD)
    _working_days(all_staff, first, last, today, rng)
    by_day: dict[date, list[_Request]] = defaultdict(list)
    for plan in plans:
        if plan.faces or staff_by_team.get(plan.client.primary_team_id):
            for request in _requests(plan, first, last, today, rng):
                by_day[request.day].append(request)
    scheduler = _Scheduler(staff_by_team, today, rng)
    planners = {team.pk: team.manager.user_id if team.manager_id else None for team in teams}
    now = timezone.now()
    visits: list[Visit] = []
    day = first
    while day <= last:
        for request, person, begin in scheduler.place_day(day, by_day.get(day, [])):
            visits.append(_visit(org, request, person, begin, today=today, now=now,
                                 planner_user_id=planners.get(person.team_id), rng=rng))
        day += timedelta(days=1)
    Visit.objects.bulk_create(visits, batch_size=2000)

    status = Counter(v.status for v in visits)
    placed = sum(status.values()) or 1
    levels = Counter(s.level for s in all_staff)
    stdout.write(
        f"Teams {org.name}: {len(all_staff)} employees in {len(teams)} teams "
        f"(level 2/3/4: {levels[2]}/{levels[3]}/{levels[4]}, {len(coach_staff)} with an account), "
        f"{len(faces)} fixed faces, {len(visits)} visits ({status[Visit.Status.DELIVERED]} delivered, "
        f"{status[Visit.Status.PLANNED]} planned, {status[Visit.Status.CANCELLED]} cancelled; "
        f"{100 * scheduler.stats['by_fixed_face'] / placed:.0f}% by a fixed face, "
        f"{scheduler.stats['dropped']} not placed)."
    )


def seed_teams(*, organizations: Sequence[Organization], rng: random.Random, fake: Any, size: str, stdout: Any,
               **_: Any) -> None:
    """Rates, employees, fixed faces and visits for every provider."""
    today = timezone.localdate()
    for org in (o for o in organizations if o.is_provider):
        with tenant_scope(org):
            _seed_provider(org=org, rng=rng, fake=fake, size=size, today=today, stdout=stdout)


def register() -> None:
    """Called from TeamsConfig.ready() (after the clients and arrangements seeders)."""
    register_seeder(seed_teams)
