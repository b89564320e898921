"""Demo data of the client file for `manage.py demo_seed` (registered in ClientsConfig.ready).

Per provider: two or three district teams with the provider's field staff spread over
them, and clients with what a real caseload looks like: mostly in care with a VPT
indication that covers the start, a positive eligibility assessment before it and a coach
from the team; some in intake, some ended; around one in ten indications ending within
60 days; a network with mantelzorg tasks; admissions, holidays and respite stays within
the NZa limits. Written with bulk_create per model and provider. Nothing goes to the
access log: generating demo data is not access to anyone's record.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Absence, Client, EligibilityAssessment, NetworkMember, WlzIndication
from clients.validation import clean_postcode
from vpt.core import crypto
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz import codes


@dataclass(frozen=True)
class Area:
    city: str
    area_code: str  # phone prefix
    districts: Sequence[tuple[str, int, int]]  # (district, first postcode digits, last)


AREAS = {
    "linde": Area("Den Haag", "070", [("Centrum", 2511, 2518), ("Scheveningen", 2583, 2587), ("Escamp", 2541, 2548)]),
    "duinrand": Area("Zoetermeer", "079", [("Centrum", 2711, 2713), ("Noord", 2716, 2719)]),
    "rijnland": Area("Leiden", "071", [("Binnenstad", 2311, 2312), ("Noord", 2315, 2318), ("Merenwijk", 2318, 2318)]),
}
DEFAULT_AREA = Area("Delft", "015", [("Centrum", 2611, 2613), ("Noord", 2622, 2624), ("Zuid", 2625, 2628)])

CLIENTS_NORMAL = (130, 100, 90)  # per provider, in order; 320 in all
CLIENTS_SMALL = 8

# Current zorgprofiel: about half 5VV, a quarter 4VV, one in eight 6VV, the rest LG.
PROFILE_WEIGHTS = {"754": 50, "753": 25, "755": 12, "826": 5, "828": 4, "830": 4}
LIGHTER = {"754": "753", "755": "754", "828": "826", "830": "828"}  # the profile before a re-indication

FIRST_NAMES_F = ("Johanna", "Maria", "Cornelia", "Wilhelmina", "Hendrika", "Geertruida", "Anna", "Elisabeth",
                 "Margaretha", "Adriana", "Catharina", "Jacoba", "Aaltje", "Grietje", "Trijntje", "Dirkje",
                 "Neeltje", "Riet", "Annie", "Truus", "Nel", "Joke", "Ria", "Ineke", "Greet", "Bep", "Tiny",
                 "Corrie", "Mies", "Fatima", "Khadija")
FIRST_NAMES_M = ("Johannes", "Cornelis", "Hendrik", "Willem", "Jacobus", "Pieter", "Gerrit", "Jan", "Dirk",
                 "Adrianus", "Theodorus", "Antonius", "Klaas", "Kees", "Henk", "Piet", "Wim", "Bram", "Joop",
                 "Ton", "Harry", "Gerard", "Mohamed", "Ahmet")
PREFIXES = ("van der ", "van den ", "van de ", "van 't ", "in 't ", "van ", "de ", "den ", "ter ", "te ", "'t ")

TASKS = ("ontbijt klaarzetten", "boodschappen doen", "de was", "samen koken op zondag", "vervoer naar de huisarts",
         "administratie en post", "samen wandelen", "planten water geven", "steunkousen uittrekken 's avonds",
         "bezoek op woensdagmiddag", "bed verschonen", "medicijnen ophalen bij de apotheek")
AVAILABILITY = ("doordeweeks na 17:00", "in het weekend", "dinsdag- en donderdagochtend", "dagelijks even langs",
                "om het weekend", "maandag t/m vrijdag rond lunchtijd", "woensdagmiddag", "alleen in noodgevallen")
CONDITIONS = ("Mantelzorger blijft dagelijks in beeld; evaluatie na drie maanden.",
              "Leefstijlmonitoring 's nachts; bij toenemende onrust opnieuw beoordelen.",
              "Alarmering binnen 20 minuten ter plaatse; afspraak met wijkverpleging voor de nacht.")
END_NOTES = {
    Client.EndReason.DECEASED: ("Rustig thuis overleden.", "Overleden in het ziekenhuis.", ""),
    Client.EndReason.NURSING_HOME: ("Verhuisd naar verpleeghuis (toenemende nachtelijke onrust).",
                                    "Opgenomen in verpleeghuis na val.", "Plaatsing psychogeriatrische afdeling."),
    Client.EndReason.OTHER: ("Verhuisd naar dochter buiten de regio.", "Overgestapt naar andere aanbieder."),
}
HOLIDAY_NOTES = ("Bij dochter in Zeeland", "Vakantie met familie in de Ardennen", "Logeren bij zoon in Groningen", "")
ADMISSION_NOTES = ("Ziekenhuisopname na val (heup)", "Opname longontsteking", "Revalidatie na heupoperatie",
                   "Ziekenhuisopname hartfalen")
RESPITE_NOTES = ("Logeeropvang De Vijverhof", "Logeerkamer Huize Duinzicht", "Respijtzorg: mantelzorger op vakantie")


@dataclass
class _Plan:
    """What one generated client still needs once it has a primary key."""

    client: Client
    profile: str
    team: Team
    assessment_on: date | None = None
    decision: str = ""
    children: list[Any] = field(default_factory=list)


def _bsn(rng: random.Random, used: set[str]) -> str:
    """A random valid BSN: elfproef with weights 9..2 and -1 (DOMAIN.md), never reused."""
    while True:
        digits = [rng.randint(1, 6)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        bsn = "".join(map(str, digits)) + str(check)
        if bsn not in used:
            used.add(bsn)
            return bsn


def _postcode(rng: random.Random, low: int, high: int) -> str:
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    while True:
        try:
            return clean_postcode(f"{rng.randint(low, high)}{rng.choice(letters)}{rng.choice(letters)}")
        except ValidationError:  # SA, SD, SS are not issued
            continue


def _split_name(last_name: str) -> tuple[str, str]:
    """'van der Ploeg' -> ('van der', 'Ploeg'): the tussenvoegsel is its own field."""
    for prefix in PREFIXES:
        if last_name.startswith(prefix) and len(last_name) > len(prefix):
            return prefix.strip(), last_name[len(prefix):]
    return "", last_name


def _last_name(fake: Any) -> str:
    # Faker's Dutch list has a few historic names ("Aelftrud van Wessex"): keep plain ones.
    while True:
        name = fake.last_name()
        if " " not in _split_name(name)[1]:
            return name


def _phone(rng: random.Random, area: Area, mobile: bool = False) -> str:
    if mobile:
        return f"06-{rng.randint(10_000_000, 99_999_999)}"
    return f"{area.area_code}-{rng.randint(2_000_000, 9_999_999)}"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


CLIENTS_PER_TEAM = 12  # a VPT team of 8-15 employees cares for about ten to fifteen clients


def _teams(org: Organization, area: Area, size: str, count: int) -> list[Team]:
    """District teams with the provider's field staff spread over them (every team gets a
    team manager and, where there are enough, a coach); admins and finance stay
    organisation-wide. A district with more clients than one small team can care for gets
    several teams (Team Centrum A, B, ...)."""
    districts = area.districts[:2] if size == "small" else area.districts
    per_district = max(1, round(count / len(districts) / CLIENTS_PER_TEAM)) if size == "normal" else 1
    teams = []
    for district, _low, _high in districts:
        for n in range(per_district):
            name = f"Team {district}" if per_district == 1 else f"Team {district} {'ABCDEFGH'[n]}"
            team, _created = Team.objects.get_or_create(organization=org, name=name, defaults={"district": district})
            teams.append(team)
    members = list(Membership.objects.filter(organization=org, is_active=True).select_related("user").order_by("pk"))
    by_role = {role: [m for m in members if m.role == role] for role in (Role.TEAM_MANAGER, Role.CLIENT_COACH,
                                                                          Role.CLIENT_SUPPORT)}
    n = len(teams)
    for role, staff in by_role.items():
        # Coaches start at the first team, managers where the coaches run out.
        offset = len(by_role[Role.CLIENT_COACH]) % n if role == Role.TEAM_MANAGER else 0
        for i, membership in enumerate(staff):
            teams[(offset + i) % n].members.add(membership)
        if role == Role.TEAM_MANAGER and staff:
            for t, team in enumerate(teams):  # every team has a manager
                manager = staff[(t - offset) % len(staff)]
                team.members.add(manager)
    return teams


def _coaches(team: Team) -> list[Membership]:
    staff = list(team.members.select_related("user").filter(role__in=(Role.CLIENT_COACH, Role.TEAM_MANAGER)))
    coaches = [m for m in staff if m.role == Role.CLIENT_COACH]
    return coaches or staff


def _client(*, org: Organization, area: Area, team: Team, rng: random.Random, fake: Any, used_bsns: set[str],
            today: date) -> Client:
    female = rng.random() < 0.66
    prefix, last_name = _split_name(_last_name(fake))
    district = next((d for d in area.districts if d[0] == team.district), area.districts[0])
    client = Client(
        organization=org,
        first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
        name_prefix=prefix,
        last_name=last_name,
        date_of_birth=date(1930, 1, 1) + timedelta(days=rng.randint(0, (date(1960, 12, 31) - date(1930, 1, 1)).days)),
        street=fake.street_name(),
        house_number=rng.randint(1, 220),
        house_number_suffix=rng.choice(("", "", "", "", "", "", "A", "B", "bis")),
        postcode=_postcode(rng, district[1], district[2]),
        city=area.city,
        district=team.district,
        phone=_phone(rng, area),
        gp_name=f"Huisartsenpraktijk {_last_name(fake)}",
        gp_phone=_phone(rng, area),
        primary_team=team,
        id_document_type=rng.choice((Client.IdDocument.ID_CARD, Client.IdDocument.PASSPORT,
                                     Client.IdDocument.ID_CARD, Client.IdDocument.DRIVING_LICENCE)),
    )
    client.set_bsn(_bsn(rng, used_bsns))
    client.id_document_number_encrypted = crypto.encrypt(
        "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9)))
    return client


def _assessment(*, plan: _Plan, assessed_on: date, decision: str, decider: Membership | None,
                rng: random.Random) -> EligibilityAssessment:
    negative = decision == EligibilityAssessment.Decision.NOT_SUITABLE
    signals = {name: rng.random() < (0.35 if negative else 0.08) for name, _label in EligibilityAssessment.SIGNALS}
    conditions_met = {name: not (negative and rng.random() < 0.4) for name, _label in EligibilityAssessment.CONDITIONS}
    limits_met = {name: not negative for name, _label in EligibilityAssessment.LIMITS}
    user = decider.user if decider else None
    return EligibilityAssessment(
        organization=plan.client.organization, client=plan.client, assessed_on=assessed_on, decision=decision,
        conditions=rng.choice(CONDITIONS) if decision == EligibilityAssessment.Decision.SUITABLE_WITH_CONDITIONS else "",
        notes="Veel nachtelijke onrust en geen mantelzorg in de buurt." if negative else "",
        reassess_on=assessed_on + timedelta(days=182) if decision != EligibilityAssessment.Decision.SUITABLE else None,
        decided_by=user, decided_by_name=(user.get_full_name() or user.get_username()) if user else "Demo",
        **signals, **conditions_met, **limits_met,
    )


def _ciz_reference(rng: random.Random, day: date) -> str:
    return f"CIZ-{day.year}-{rng.randint(100000, 999999)}"


def _network(plan: _Plan, rng: random.Random, fake: Any, area: Area) -> list[NetworkMember]:
    client = plan.client
    relations = [NetworkMember.Relation.CHILD] * 9 + [NetworkMember.Relation.PARTNER] * 4 + [
        NetworkMember.Relation.NEIGHBOUR] * 3 + [NetworkMember.Relation.FAMILY] * 2 + [
        NetworkMember.Relation.FRIEND, NetworkMember.Relation.VOLUNTEER]
    members = []
    for i in range(rng.randint(1, 3)):
        relation = rng.choice(relations)
        if relation in (NetworkMember.Relation.PARTNER, NetworkMember.Relation.CHILD) and rng.random() < 0.6:
            last = " ".join(p for p in (client.name_prefix, client.last_name) if p)
        else:
            last = _last_name(fake)
        name = f"{fake.first_name()} {last}"
        members.append(NetworkMember(
            organization=client.organization, client=client, name=name, relation=relation,
            phone=_phone(rng, area, mobile=True),
            email=f"{name.split()[0].lower()}.{rng.randint(10, 99)}@example.nl" if rng.random() < 0.5 else "",
            tasks=", ".join(rng.sample(TASKS, rng.randint(1, 3))),
            availability=rng.choice(AVAILABILITY),
            hours_per_week=Decimal(rng.choice(("0.5", "1.0", "2.0", "3.0", "4.0", "6.0", "8.0"))),
            is_contact_person=i == 0,
            consent_to_share=i == 0 or rng.random() < 0.5,
        ))
    return members


def _absences(plan: _Plan, rng: random.Random, today: date) -> list[Absence]:
    """Up to two absences in separate halves of the time in care, after the first 14 days
    (NZa: absence counts only after 14 days of VPT). Holidays stay within 14 days in a
    row (no zorgkantoor consent needed), respite stays within 3 nights, admissions far
    below 91 days."""
    client = plan.client
    first = client.care_start + timedelta(days=15)
    span = (today - first).days
    if span < 20:
        return []
    halves = [(first, first + timedelta(days=span // 2 - 1)), (first + timedelta(days=span // 2), today)]
    result = []
    for low, high in rng.sample(halves, rng.randint(1, 2)):
        kind = rng.choices([Absence.Kind.ADMISSION, Absence.Kind.HOLIDAY, Absence.Kind.RESPITE], weights=[3, 3, 4])[0]
        length = {Absence.Kind.ADMISSION: rng.randint(3, 21), Absence.Kind.HOLIDAY: rng.randint(4, 14),
                  Absence.Kind.RESPITE: rng.randint(1, 3)}[kind]
        room = (high - low).days - length
        if room < 1:
            continue
        left = low + timedelta(days=rng.randint(0, room))
        returned: date | None = left + timedelta(days=length)
        if kind == Absence.Kind.ADMISSION and high == today and rng.random() < 0.25:
            left = max(low, today - timedelta(days=rng.randint(2, 12)))  # still in hospital
            returned = None
        note = rng.choice({Absence.Kind.ADMISSION: ADMISSION_NOTES, Absence.Kind.HOLIDAY: HOLIDAY_NOTES,
                           Absence.Kind.RESPITE: RESPITE_NOTES}[kind])
        result.append(Absence(organization=client.organization, client=client, kind=kind, left_on=left,
                              returned_on=returned, note=note))
    return result


def _seed_provider(*, org: Organization, count: int, rng: random.Random, fake: Any, size: str,
                   used_bsns: set[str], today: date, totals: dict[str, int]) -> None:
    area = AREAS.get(org.slug, DEFAULT_AREA)
    teams = _teams(org, area, size, count)
    coaches = {team.pk: _coaches(team) for team in teams}
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).select_related("user").order_by("pk").first()
    creator = admin.user if admin else None

    plans: list[_Plan] = []
    for i in range(count):
        team = teams[i % len(teams)]  # evenly: small teams of about CLIENTS_PER_TEAM clients
        client = _client(org=org, area=area, team=team, rng=rng, fake=fake, used_bsns=used_bsns, today=today)
        roll = rng.random()
        if size == "small" and i < 2:
            roll = (0.05, 0.12)[i]  # a small seed still shows every status
        if roll < 0.08:
            client.status = Client.Status.INTAKE
        elif roll < 0.15:
            client.status = Client.Status.ENDED
            client.care_start = today - timedelta(days=rng.randint(200, 900))
            client.care_end = today - timedelta(days=rng.randint(14, 180))
            client.end_reason = rng.choices(list(END_NOTES), weights=[45, 40, 15])[0]
            client.end_note = rng.choice(END_NOTES[client.end_reason])
        else:
            client.status = Client.Status.IN_CARE
            client.care_start = today - timedelta(days=rng.randint(30, 730))
        team_coaches = coaches[team.pk]
        if team_coaches and (client.status != Client.Status.INTAKE or rng.random() < 0.5):
            client.client_coach = rng.choice(team_coaches)
        plans.append(_Plan(client=client, profile=_weighted(rng, PROFILE_WEIGHTS), team=team))

    Client.objects.bulk_create([p.client for p in plans], batch_size=500)

    indications, assessments, network, absences = [], [], [], []
    for plan in plans:
        client = plan.client
        decider = rng.choice(coaches[plan.team.pk]) if coaches[plan.team.pk] else admin

        def indication(profile: str, start: date, end: date | None, leveringsvorm: str = codes.LEVERINGSVORM_VPT,
                       client: Client = client) -> None:
            indications.append(WlzIndication(
                organization=org, client=client, zorgprofiel=profile, leveringsvorm=leveringsvorm,
                valid_from=start, valid_to=end, ciz_reference=_ciz_reference(rng, start), created_by=creator,
            ))

        if client.status == Client.Status.INTAKE:
            indication(plan.profile, today - timedelta(days=rng.randint(3, 45)), None)
            if rng.random() < 0.6:
                decision = rng.choices(list(EligibilityAssessment.Decision.values), weights=[70, 20, 10])[0]
                assessments.append(_assessment(plan=plan, assessed_on=today - timedelta(days=rng.randint(0, 14)),
                                               decision=decision, decider=decider, rng=rng))
            if rng.random() < 0.5:
                network += _network(plan, rng, fake, area)[:1]
            continue

        start = client.care_start - timedelta(days=rng.randint(7, 90))
        decision = rng.choices([EligibilityAssessment.Decision.SUITABLE,
                                EligibilityAssessment.Decision.SUITABLE_WITH_CONDITIONS], weights=[80, 20])[0]
        assessments.append(_assessment(plan=plan, assessed_on=client.care_start - timedelta(days=rng.randint(5, 30)),
                                       decision=decision, decider=decider, rng=rng))
        if client.status == Client.Status.ENDED:
            indication(plan.profile, start, client.care_end)
            if client.end_reason == Client.EndReason.NURSING_HOME:  # the Wlz indication goes on as a stay
                indication(plan.profile, client.care_end + timedelta(days=1), None, leveringsvorm="4")
            continue

        # In care: sometimes a re-indication to a heavier profile during care.
        days_in_care = (today - client.care_start).days
        if plan.profile in LIGHTER and days_in_care > 180 and rng.random() < 0.2:
            switch = client.care_start + timedelta(days=rng.randint(90, days_in_care - 30))
            indication(LIGHTER[plan.profile], start, switch - timedelta(days=1))
            start = switch
        roll = rng.random()
        if roll < 0.12:
            end = today + timedelta(days=rng.randint(3, 60))  # renewal due: shows on the dashboard
        elif roll < 0.45:
            end = today + timedelta(days=rng.randint(120, 1100))
        else:
            end = None  # Wlz indications are mostly open-ended
        indication(plan.profile, start, end)
        network += _network(plan, rng, fake, area)
        if rng.random() < 0.3:
            absences += _absences(plan, rng, today)

    WlzIndication.objects.bulk_create(indications, batch_size=500)
    EligibilityAssessment.objects.bulk_create(assessments, batch_size=500)
    NetworkMember.objects.bulk_create(network, batch_size=500)
    Absence.objects.bulk_create(absences, batch_size=500)

    totals["teams"] += len(teams)
    totals["indications"] += len(indications)
    totals["network"] += len(network)
    totals["absences"] += len(absences)
    for plan in plans:
        totals[plan.client.status] += 1


def seed_clients(*, organizations: Sequence[Organization], rng: random.Random, fake: Any, size: str,
                 stdout: Any, **_: Any) -> None:
    """Teams and clients for every provider (normal: 130/100/90 clients, small: 8 each)."""
    today = timezone.localdate()
    used_bsns: set[str] = set()
    totals = dict.fromkeys(("teams", "indications", "network", "absences", *Client.Status.values), 0)
    for index, org in enumerate(o for o in organizations if o.is_provider):
        count = CLIENTS_SMALL if size == "small" else CLIENTS_NORMAL[index % len(CLIENTS_NORMAL)]
        with tenant_scope(org):
            _seed_provider(org=org, count=count, rng=rng, fake=fake, size=size, used_bsns=used_bsns,
                           today=today, totals=totals)
    clients = sum(totals[s] for s in Client.Status.values)
    stdout.write(
        f"Clients: {clients} ({totals[Client.Status.IN_CARE]} in care, {totals[Client.Status.INTAKE]} in intake, "
        f"{totals[Client.Status.ENDED]} ended) in {totals['teams']} teams; {totals['indications']} indications, "
        f"{totals['network']} network members, {totals['absences']} absences."
    )


def register() -> None:
    """Called from ClientsConfig.ready()."""
    register_seeder(seed_clients)
