"""Demo data of the arrangements app for `manage.py demo_seed` (registered in
ArrangementsConfig.ready, so it runs after the clients seeder: INSTALLED_APPS lists
clients before arrangements).

For the whole demo: the illustrative NZa tariff table. Per provider: a contract with the
zorgkantoor of its region for 2025 and 2026, the default care-plan policy, the standard
menu card (`menu_load_defaults`) and, for every client in care, an active arrangement
sized to the client's day tariff (DOMAIN.md "The arrangement": at 5VV about 24 hours of
care and support a week; the fixed elements in every version; meals, day activities,
night care, home automation as tradeable elements; mantelzorg and private lines at no
cost to the budget). About three in ten clients have an ended earlier version and a newer
active one (after a re-indication or an evaluation); about one in ten is over budget with
a justification; about one in ten has no agreed plan yet. Task agreements come from the
client's network (what each member wants to keep doing); clients in care for more than six
months have evaluations, with some left overdue.

Arrangements, lines, task agreements and evaluations are written with bulk_create, by the
same rules as the services (versions follow each other without overlap, the fixed
elements are present, an over-budget version carries a justification), so the demo does
not write access-log entries about clients: generating demo data is not access to anyone's
record. Only `menu_load_defaults` is called as a service; it logs the menu items it adds
(no client involved).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from arrangements.careplan import add_months
from arrangements.costs import line_cost_per_day, summarise
from arrangements.models import (
    Arrangement,
    ArrangementLine,
    CarePlanPolicy,
    Evaluation,
    MenuItem,
    TaskAgreement,
)
from arrangements.selectors import summary_day, tariff_amount
from arrangements.services.menu import menu_load_defaults
from clients.models import Client, NetworkMember, WlzIndication
from clients.tariffs import day_tariff
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Contract, Membership, Organization
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz import codes
from vpt.wlz.tariffs import load_default_tariffs

MENU_START = date(2025, 1, 1)
CONTRACT_YEARS = (2025, 2026)
AVERAGE_DAY_TARIFF = Decimal("215")  # for the production agreement: clients × €215 × 365 × 0.97
QUARTER = Decimal("0.25")
TEAM = ArrangementLine.DeliveredBy.TEAM
SUB = ArrangementLine.DeliveredBy.SUBCONTRACTOR
MANTELZORG = ArrangementLine.DeliveredBy.MANTELZORG
PRIVATE = ArrangementLine.DeliveredBy.PRIVATE

# Hours per week by the team: the share of the hours budget per element (randomised a bit
# per client), with the element that absorbs the rounding first.
HOUR_SHARES = {
    "persoonlijke-verzorging-n2": 44,
    "individuele-begeleiding-n2": 20,
    "huishoudelijke-hulp-n2": 14,
    "persoonlijke-verzorging-n3": 12,
    "individuele-begeleiding-n3": 6,
    "verpleging-n3": 4,
}
NIGHT_CARE_BY = ("Nachtzorg Haaglanden", "Zorggroep Nachtdienst Rijnland", "Nachtzorg Zuid-Holland")
DAY_CARE_BY = ("Dagcentrum De Ontmoeting", "Zorgboerderij De Hoeve", "Ontmoetingscentrum Het Trefpunt")
PRIVATE_LINES = (
    ("huishoudelijke-hulp-n2", "2", "Extra schoonmaak van ramen en kasten, op eigen kosten"),
    ("creatief-maatwerk-n2", "1.5", "Zwemmen op woensdag met begeleiding, zelf betaald"),
    ("individuele-begeleiding-n2", "2", "Uitje in het weekend met begeleider, op eigen kosten"),
)
FREED_TIME = ("Een bad op zaterdag, tijd vrijgekomen door mantelzorg", "Zwemmen op woensdag",
              "Wandeling naar de markt op vrijdag", "Samen foto's uitzoeken voor het levensboek")
JUSTIFICATIONS = (
    "Tijdelijk extra verzorging na ziekenhuisopname; herindicatie naar een zwaarder profiel is aangevraagd.",
    "Toenemende nachtelijke onrust: extra nachtzorg en toezicht tot de evaluatie over drie maanden.",
    "Mantelzorger valt tijdelijk weg (eigen operatie); extra begeleiding voor zes weken.",
    "Complexe wondzorg door de wijkverpleging; over de hele cliëntengroep blijft het budget sluitend.",
    "Terminale fase: de cliënt wil thuis blijven; afgestemd met huisarts en zorgkantoor.",
)
TASK_FREQUENCY = {
    "ontbijt klaarzetten": "dagelijks", "boodschappen doen": "1× per week", "de was": "1× per week",
    "samen koken op zondag": "zondag", "vervoer naar de huisarts": "bij afspraken",
    "administratie en post": "1× per week", "samen wandelen": "2× per week", "planten water geven": "2× per week",
    "steunkousen uittrekken 's avonds": "dagelijks", "bezoek op woensdagmiddag": "woensdagmiddag",
    "bed verschonen": "1× per twee weken", "medicijnen ophalen bij de apotheek": "1× per twee weken",
}
CLIENT_TASKS = (("Zelf brood smeren voor de lunch", "dagelijks"), ("Medicijnen innemen uit de baxterrol", "dagelijks"),
                ("Zelf de krant halen bij de buurtsuper", "dagelijks"), ("Afwassen na het ontbijt", "dagelijks"))
TEAM_TASKS = (("Medicatie aanreiken en aftekenen", "dagelijks"), ("Douchen", "2× per week"),
              ("Steunkousen aantrekken", "dagelijks"), ("Weekplanning doornemen met de cliënt", "maandag"),
              ("Afstemmen met de mantelzorgers", "1× per maand"))
CONCLUSIONS_SAME = (
    "Het arrangement past goed; cliënt en mantelzorger zijn tevreden. Geen wijzigingen.",
    "Dagritme is stabiel, de taakverdeling met de familie werkt. Zo doorgaan.",
    "Cliënt geniet van de dagbesteding; mantelzorger geeft aan het vol te kunnen houden.",
    "Kleine verschuivingen binnen de uren afgesproken, geen nieuwe versie nodig.",
)
CONCLUSIONS_NEW = (
    "Meer hulp nodig bij de persoonlijke verzorging; nieuwe versie van het arrangement afgesproken.",
    "Mantelzorger is overbelast: taken terug naar het team, nieuwe versie afgesproken.",
    "Na de herindicatie meer uren begeleiding; nieuwe versie afgesproken.",
)


@dataclass
class _Version:
    arrangement: Arrangement
    lines: list[ArrangementLine] = field(default_factory=list)
    tasks: list[TaskAgreement] = field(default_factory=list)
    over_budget: bool = False
    margin: Decimal | None = None


def _q(value: Decimal | float | str) -> Decimal:
    """Round to a quarter of an hour (or unit)."""
    return (Decimal(str(value)) / QUARTER).quantize(Decimal(1), ROUND_HALF_UP) * QUARTER


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _contracts(org: Organization, zorgkantoor: Organization, clients: int, rng: random.Random) -> int:
    """A contract per year with the zorgkantoor of the provider's region (one per year)."""
    made = 0
    for year in CONTRACT_YEARS:
        percentage = Decimal(rng.choice(("95.00", "95.50", "96.00", "96.50", "97.00", "97.50", "98.00")))
        volume = max(clients, 1) * AVERAGE_DAY_TARIFF * 365 * Decimal("0.97")
        agreement = (volume / 1000).quantize(Decimal(1), ROUND_HALF_UP) * 1000
        _contract, created = Contract.objects.get_or_create(
            organization=org, zorgkantoor=zorgkantoor, year=year,
            defaults={"production_agreement": agreement, "percentage": percentage,
                      "note": f"Demo: productieafspraak voor ongeveer {clients} cliënten VPT"},
        )
        made += created
    return made


class _Composer:
    """Builds the lines of one version, sized to the day tariff."""

    def __init__(self, *, org: Organization, menu: dict[str, MenuItem], rng: random.Random) -> None:
        self.org = org
        self.menu = menu
        self.rng = rng

    def line(self, arrangement: Arrangement, code: str, quantity: Decimal | str, by: str = TEAM,
             subcontractor: str = "", note: str = "") -> ArrangementLine:
        return ArrangementLine(
            organization=self.org, arrangement=arrangement, menu_item=self.menu[code], quantity=Decimal(quantity),
            delivered_by=by, subcontractor=subcontractor if by == SUB else "", note=note[:300],
        )

    def compose(self, *, arrangement: Arrangement, profile: str, budget: Decimal, over: bool,
                network: Sequence[NetworkMember], previous: list[ArrangementLine] | None) -> list[ArrangementLine]:
        rng = self.rng
        heavy = profile in ("755", "830")
        lines = [self.line(arrangement, item.code, item.default_quantity) for item in self.menu.values() if item.is_fixed]
        if previous is not None:
            # A later version keeps the character of the earlier one (meals, day activities,
            # night care, home automation), re-sized to the new budget.
            keep = {"maaltijden", "wasverzorging", "domotica", "leefstijlmonitoring", "geplande-nachtzorg",
                    "dagbesteding-incl-vervoer", "logeeropvang"}
            for old in previous:
                if old.menu_item.code in keep and old.bears_budget:
                    lines.append(self.line(arrangement, old.menu_item.code, old.quantity, old.delivered_by,
                                           old.subcontractor, old.note))
        else:
            if rng.random() < 0.9:
                lines.append(self.line(arrangement, "maaltijden", "1"))
            if rng.random() < 0.4 and not any("de was" in m.tasks for m in network):
                lines.append(self.line(arrangement, "wasverzorging", "1"))
            if rng.random() < (0.5 if heavy else 0.3):
                lines.append(self.line(arrangement, "domotica", "1"))
            if rng.random() < (0.45 if heavy else 0.15):
                lines.append(self.line(arrangement, "leefstijlmonitoring", "1"))
            if arrangement.includes_dagbesteding:
                by_sub = rng.random() < 0.3
                lines.append(self.line(arrangement, "dagbesteding-incl-vervoer", str(rng.choice((4, 4, 8, 8, 8, 9, 13))),
                                       SUB if by_sub else TEAM, rng.choice(DAY_CARE_BY) if by_sub else "",
                                       "Dinsdag en donderdag" if not by_sub else "Eén of twee dagen per week"))
            if rng.random() < (0.35 if heavy else 0.08):
                by_sub = rng.random() < 0.7
                lines.append(self.line(arrangement, "geplande-nachtzorg", str(rng.choice((4, 8, 13, 30))),
                                       SUB if by_sub else TEAM, rng.choice(NIGHT_CARE_BY) if by_sub else "",
                                       "Toiletronde rond 02:00"))
            if rng.random() < 0.04:
                lines.append(self.line(arrangement, "logeeropvang", "1", note="Eén nacht per maand, ontlasting mantelzorger"))

        has_mantelzorg = False
        for member in network:
            if member.hours_per_week and rng.random() < 0.75:
                code = "huishoudelijke-hulp-n2" if ("de was" in member.tasks or "bed verschonen" in member.tasks) \
                    else "individuele-begeleiding-n2"
                lines.append(self.line(arrangement, code, member.hours_per_week, MANTELZORG,
                                       note=f"{member.name}: {member.tasks}"))
                has_mantelzorg = True
        if rng.random() < 0.12:
            code, quantity, note = rng.choice(PRIVATE_LINES)
            lines.append(self.line(arrangement, code, quantity, PRIVATE, note=note))

        # Hours by the team fill the rest of the budget.
        if has_mantelzorg and rng.random() < 0.35:
            lines.append(self.line(arrangement, "creatief-maatwerk-n2", "1", note=rng.choice(FREED_TIME)))
        if over:
            lines.append(self.line(arrangement, "verpleging-n3", str(rng.choice((2, 3, 4))), note="Wondzorg"))
        fixed_cost = sum((line_cost_per_day(line) for line in lines), Decimal(0))
        rest = max(budget - fixed_cost, Decimal(40))
        shares = {code: Decimal(weight) * Decimal(str(rng.uniform(0.6, 1.4))) for code, weight in HOUR_SHARES.items()}
        if rng.random() < 0.6:
            shares.pop("individuele-begeleiding-n3")
        if rng.random() < 0.75 or over:
            shares.pop("verpleging-n3")
        if rng.random() < 0.15:
            shares.pop("persoonlijke-verzorging-n3")
        total = sum(shares.values())
        hour_lines = {}
        for code, share in shares.items():
            hours = _q(rest * share / total * 7 / self.menu[code].cost_price)
            if hours > 0:
                hour_lines[code] = self.line(arrangement, code, hours)
        lines.extend(hour_lines.values())

        # Hit the budget: the main personal-care line takes the difference, in quarters.
        main = hour_lines["persoonlijke-verzorging-n2"]
        per_quarter = main.menu_item.cost_price * QUARTER / 7
        cost = sum((line_cost_per_day(line) for line in lines), Decimal(0))
        main.quantity = max(_q(main.quantity + (budget - cost) / per_quarter * QUARTER), Decimal(1))
        return lines


def _versions_plan(client: Client, indications: list[WlzIndication], *, today: date, rng: random.Random,
                   agreed: bool) -> list[tuple[date, date | None]]:
    """(valid_from, valid_to) of the client's versions: one open-ended, or an ended one
    and a newer active one (after a re-indication, or adjusted during care)."""
    start = client.care_start
    days = (today - start).days
    if not agreed or days < 120:
        return [(start, None)]
    switches = [i.valid_from for i in indications if start + timedelta(days=45) < i.valid_from < today]
    if switches:
        switch = switches[-1]
    elif rng.random() < 0.27:
        switch = start + timedelta(days=rng.randint(60, days - 30))
    else:
        return [(start, None)]
    return [(start, switch - timedelta(days=1)), (switch, None)]


def _tasks(org: Organization, arrangement: Arrangement, network: Sequence[NetworkMember],
           rng: random.Random) -> list[TaskAgreement]:
    tasks, seen = [], set()
    for member in network:
        for text in (t.strip() for t in member.tasks.split(",")):
            if not text or text in seen:
                continue
            seen.add(text)
            tasks.append(TaskAgreement(
                organization=org, arrangement=arrangement, task=text[:1].upper() + text[1:], done_by=TaskAgreement.DoneBy.NETWORK,
                network_member=member, frequency=TASK_FREQUENCY.get(text, member.availability)[:100],
                note=member.availability[:300] if text in TASK_FREQUENCY else "",
            ))
    for text, frequency in rng.sample(CLIENT_TASKS, rng.randint(1, 2)):
        tasks.append(TaskAgreement(organization=org, arrangement=arrangement, task=text,
                                   done_by=TaskAgreement.DoneBy.CLIENT, frequency=frequency))
    for text, frequency in rng.sample(TEAM_TASKS, rng.randint(1, 2)):
        tasks.append(TaskAgreement(organization=org, arrangement=arrangement, task=text,
                                   done_by=TaskAgreement.DoneBy.TEAM, frequency=frequency))
    return tasks


def _copy_tasks(org: Organization, arrangement: Arrangement, tasks: list[TaskAgreement]) -> list[TaskAgreement]:
    return [TaskAgreement(organization=org, arrangement=arrangement, task=t.task, done_by=t.done_by,
                          network_member=t.network_member, frequency=t.frequency, note=t.note) for t in tasks]


def _seed_provider(*, org: Organization, zorgkantoor: Organization, rng: random.Random, today: date,
                   totals: Counter) -> None:
    staff = list(Membership.objects.filter(organization=org, is_active=True, role__in=(Role.ADMIN, Role.TEAM_MANAGER))
                 .select_related("user").order_by("role", "pk"))
    admin = next((m for m in staff if m.role == Role.ADMIN), None) or (staff[0] if staff else None)
    if admin is None:
        return
    clients = list(Client.objects.filter(status=Client.Status.IN_CARE, care_start__isnull=False)
                   .select_related("client_coach__user").order_by("pk"))
    for client in clients:
        client.organization = org  # day_tariff reads it; saves a query per client
    region_zk = org.region.zorgkantoor if org.region_id and org.region.zorgkantoor_id else zorgkantoor
    totals["contracts"] += _contracts(org, region_zk, len(clients), rng)
    CarePlanPolicy.objects.get_or_create(organization=org)
    earliest = min((c.care_start for c in clients), default=MENU_START)
    # The card must be in force when the first arrangement starts (a few clients started
    # in care before 2025).
    menu_start = min(MENU_START, date(earliest.year, 1, 1))
    menu_load_defaults(acting=admin, active_from=menu_start)
    menu = {item.code: item for item in MenuItem.objects.filter(active_to__isnull=True).order_by("code", "active_from")}
    totals["menu_items"] += len(menu)
    composer = _Composer(org=org, menu=menu, rng=rng)

    indications: dict[int, list[WlzIndication]] = defaultdict(list)
    for ind in WlzIndication.objects.vpt().order_by("valid_from"):
        indications[ind.client_id].append(ind)
    network: dict[int, list[NetworkMember]] = defaultdict(list)
    for member in NetworkMember.objects.order_by("client_id", "-is_contact_person", "pk"):
        network[member.client_id].append(member)

    # About one in ten active versions exceeds the tariff (at least one per provider).
    over_budget_ids = set(rng.sample([c.pk for c in clients], k=max(1, round(len(clients) * 0.1)) if clients else 0))
    per_client: list[tuple[Client, list[_Version]]] = []
    for client in clients:
        days = (today - client.care_start).days
        agreed = rng.random() >= (0.3 if days < 90 else 0.05)
        coach = client.client_coach or admin
        members = network[client.pk]
        includes_dagbesteding = rng.random() < 0.4
        versions: list[_Version] = []
        previous: _Version | None = None
        plan = _versions_plan(client, indications[client.pk], today=today, rng=rng, agreed=agreed)
        for number, (valid_from, valid_to) in enumerate(plan, start=1):
            arrangement = Arrangement(
                organization=org, client=client, version=number,
                status=Arrangement.Status.ENDED if valid_to else Arrangement.Status.ACTIVE,
                valid_from=valid_from, valid_to=valid_to, includes_dagbesteding=includes_dagbesteding,
                note="Eerste arrangement na de intake" if number == 1 else "Bijgesteld na evaluatie",
                created_by=coach.user, activated_by=coach.user,
            )
            if number == 1:
                if agreed:
                    late = rng.random() < 0.06
                    delay = rng.randint(43, 75) if late else rng.randint(0, 41)
                    arrangement.agreed_on = min(valid_from + timedelta(days=delay), valid_to or today, today)
            else:
                arrangement.agreed_on = valid_from - timedelta(days=rng.randint(0, 10))
            arrangement.activated_at = _aware(arrangement.agreed_on or valid_from)
            day = summary_day(arrangement, today)
            tariff = day_tariff(client, day, includes_dagbesteding=includes_dagbesteding)
            amount = tariff_amount(tariff)
            profile = tariff.zorgprofiel if tariff else indications[client.pk][-1].zorgprofiel
            over = client.pk in over_budget_ids if valid_to is None else rng.random() < 0.04
            if amount is None:  # before 2025: no tariff in the demo table; size as if
                sizing = Decimal("180") if profile not in ("755", "830") else Decimal("210")
                over = False
            else:
                sizing = amount
            margin = Decimal(str(-rng.uniform(0.03, 0.12) if over else rng.uniform(0.01, 0.145)))
            lines = composer.compose(arrangement=arrangement, profile=profile, budget=sizing * (1 - margin), over=over,
                                     network=members, previous=previous.lines if previous else None)
            summary = summarise(lines, amount)
            main = next(line for line in lines if line.menu_item.code == "persoonlijke-verzorging-n2"
                        and line.delivered_by == TEAM)
            # Rounding must not tip a fitting version over the tariff or a justified one under it.
            while amount is not None and not over and summarise(lines, amount).over_budget and main.quantity > 1:
                main.quantity -= QUARTER
            while amount is not None and over and not summarise(lines, amount).over_budget:
                main.quantity += QUARTER
            summary = summarise(lines, amount)
            if summary.over_budget:
                arrangement.over_budget_justification = rng.choice(JUSTIFICATIONS)
            if number > 1 and codes.zorgprofiel_short(profile) and any(
                    i.valid_from == valid_from for i in indications[client.pk]):
                arrangement.note = f"Na herindicatie naar {codes.zorgprofiel_short(profile)}"
            version = _Version(arrangement=arrangement, lines=lines, over_budget=summary.over_budget,
                               margin=summary.margin_per_day)
            version.tasks = (_copy_tasks(org, arrangement, previous.tasks) if previous
                             else _tasks(org, arrangement, members, rng))
            versions.append(version)
            previous = version
        per_client.append((client, versions))

    Arrangement.objects.bulk_create([v.arrangement for _c, vs in per_client for v in vs], batch_size=500)
    for _client, vs in per_client:
        for v in vs:
            for item in (*v.lines, *v.tasks):
                item.arrangement = v.arrangement  # now with its primary key
    ArrangementLine.objects.bulk_create([line for _c, vs in per_client for v in vs for line in v.lines], batch_size=1000)
    TaskAgreement.objects.bulk_create([t for _c, vs in per_client for v in vs for t in v.tasks], batch_size=1000)

    evaluations: list[Evaluation] = []
    for client, vs in per_client:
        evaluations += _evaluations(org, client, vs, network[client.pk], today=today, rng=rng, totals=totals)
    Evaluation.objects.bulk_create(evaluations, batch_size=500)

    for _client, vs in per_client:
        active = vs[-1]
        totals["arrangements"] += 1
        totals["versions"] += len(vs)
        totals["earlier_versions"] += len(vs) > 1
        totals["over_budget"] += active.over_budget
        totals["not_agreed"] += active.arrangement.agreed_on is None
        totals["no_tariff"] += active.margin is None
        totals["lines"] += sum(len(v.lines) for v in vs)
        totals["tasks"] += sum(len(v.tasks) for v in vs)
        totals["mantelzorg_lines"] += sum(1 for line in active.lines if line.delivered_by == MANTELZORG)
        totals["private_lines"] += sum(1 for line in active.lines if line.delivered_by == PRIVATE)
    totals["evaluations"] += len(evaluations)


def _evaluations(org: Organization, client: Client, versions: list[_Version], members: Sequence[NetworkMember], *,
                 today: date, rng: random.Random, totals: Counter) -> list[Evaluation]:
    """Every six months after the agreement (a little early or late), the version in force
    evaluated; the switch to a later version as the outcome "new version" of an evaluation
    when the first version ran long enough. Some clients miss the last one (overdue)."""
    first = versions[0].arrangement
    if first.agreed_on is None or (today - client.care_start).days <= 182:
        return []
    coach = client.client_coach.user if client.client_coach else None
    contact = next((m for m in members if m.is_contact_person), None)
    coach_name = (coach.get_full_name() or coach.get_username()) if coach else "Cliëntcoach"
    participants = ", ".join(["Cliënt", *([f"{contact.name} ({contact.get_relation_display()})"] if contact else []),
                              coach_name])
    result: list[Evaluation] = []

    def add(held: date, evaluated: Arrangement, outcome: str, new: Arrangement | None = None) -> None:
        result.append(Evaluation(
            organization=org, client=client, arrangement=evaluated, held_on=held, participants=participants[:300],
            conclusions=rng.choice(CONCLUSIONS_NEW if new else CONCLUSIONS_SAME), outcome=outcome,
            new_arrangement=new, recorded_by=coach,
        ))

    last = first.agreed_on
    for index, version in enumerate(versions):
        arrangement = version.arrangement
        end = arrangement.valid_to or today
        nxt = versions[index + 1].arrangement if index + 1 < len(versions) else None
        while True:
            held = add_months(last, 6) + timedelta(days=rng.randint(-20, 7))
            if held >= end - timedelta(days=14) or held >= today:
                break
            add(held, arrangement, Evaluation.Outcome.NO_CHANGE)
            last = held
        if nxt is not None:
            held = nxt.agreed_on
            if held > last and held >= arrangement.valid_from:
                add(held, arrangement, Evaluation.Outcome.NEW_VERSION, nxt)
            last = max(last, held)
    if result and result[-1].outcome == Evaluation.Outcome.NO_CHANGE and rng.random() < 0.15:
        result.pop()  # the last evaluation has not been held: it shows as overdue
        totals["evaluations_skipped"] += 1
    return result


def seed_arrangements(*, organizations: Sequence[Organization], zorgkantoor: Organization, rng: random.Random,
                      stdout: Any, **_: Any) -> None:
    """Tariffs, contracts, menu cards and an arrangement for every client in care."""
    today = timezone.localdate()
    tariffs = load_default_tariffs()
    totals: Counter = Counter()
    for org in (o for o in organizations if o.is_provider):
        with tenant_scope(org):
            _seed_provider(org=org, zorgkantoor=zorgkantoor, rng=rng, today=today, totals=totals)
    n = totals["arrangements"] or 1
    stdout.write(
        f"Arrangements: {tariffs.total} tariff rows, {totals['contracts']} contracts, {totals['menu_items']} menu items; "
        f"{totals['arrangements']} active arrangements ({totals['earlier_versions']} with an earlier version, "
        f"{totals['versions']} versions), {totals['lines']} lines, {totals['tasks']} task agreements, "
        f"{totals['evaluations']} evaluations; {totals['over_budget']} over budget "
        f"({100 * totals['over_budget'] / n:.0f}%, justified), {totals['not_agreed']} plans not yet agreed, "
        f"{totals['evaluations_skipped']} evaluations overdue."
    )


def register() -> None:
    """Called from ArrangementsConfig.ready() (after ClientsConfig: the clients must exist)."""
    register_seeder(seed_arrangements)
