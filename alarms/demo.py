"""Demo data of the alarms app for `manage.py demo_seed` (registered in AlarmsConfig.ready, so it
runs after the clients, arrangements and teams seeders: INSTALLED_APPS lists them first).

Per provider:
- an alarm policy: acknowledge within 5 and on site within 30 minutes, day and night
  (night 23:00–07:00), a next escalation step every 5 minutes, one of its teams as night
  service and its first team manager on call;
- one alarm centre "Zorgcentrale <region>" (heartbeat every 300 s, signing secret
  `DEMO_CENTRE_SECRET`, which `manage.py alarm_simulator --demo-org` uses) and a
  lifestyle-monitoring platform (hourly heartbeat), both last heard from at seeding time;
- devices for every client in care: a personal alarm (3–5 per provider defect or not yet
  installed, so the dashboard flags them), door access or a key safe for most, lifestyle
  sensors for about one in five (with consent of the client or the representative, and a
  check-in interval), GPS / wander detection for a few clients with a dementia profile (5VV;
  with the representative's consent, one under a Wzd decision);
- eight weeks of alarms, about 0.5–1 per client per week, mostly at night and early in the
  morning; mostly the alarm button, some fall detection, lifestyle, door, technical and
  phone alarms; mostly acknowledged within 1–4 minutes and on site within 10–25 minutes
  when a visit was needed; about 5 % acknowledged late and escalated (a step per
  `escalate_every_minutes` as the sweeper takes them, 30-second sweeps), a few with nobody
  on site in time; every alarm resolved with a plausible cause, outcome and short note,
  with its events (received, notified, acknowledged, escalated, on site, resolved) stamped
  as the services stamp them;
- one or two open alarms now for the team of the provider's demo coach (coach@<slug>.demo),
  with unread in-app notifications, so the tablet inbox shows something.

Written with bulk_create per model and provider inside the tenant scope. No in-app
notifications for past alarms (they would all be unread) and no access-log entries.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from alarms.models import Alarm, AlarmCentre, AlarmEvent, AlarmPolicy, Device, Notification
from alarms.services import FIELD_ROLES, MAX_LEVEL
from alarms.signing import DEMO_CENTRE_SECRET
from clients.models import Absence, Client, WlzIndication
from vpt.core.demo import register_seeder
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

WEEKS_BACK = 8
SWEEP_SECONDS = 30  # the sweeper's period (CELERY_BEAT_SCHEDULE "alarm-sweep")
DEMENTIA_PROFILES = ("754",)  # 5VV: beschermd wonen met intensieve dementiezorg

# Relative frequency of alarms per hour of the day: more at night and early in the morning.
HOUR_WEIGHTS = (6, 6, 6, 6, 5, 6, 7, 8,  # 00–07
                4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4,  # 08–21
                6, 6)  # 22–23

ALARM_SUPPLIERS = ("Alarmtechniek Holland (demo)", "ZorgAlarm Nederland (demo)")
DOOR_SUPPLIERS = ("Sleutelkluis Veilig Thuis (demo)", "Deurtechniek West (demo)")


@dataclass(frozen=True)
class Scenario:
    kind: str
    weight: float
    cause: str
    outcome: str
    notes: tuple[str, ...]

    @property
    def visit(self) -> bool:
        return self.outcome != Alarm.Outcome.PHONE


K, C, OUT = Alarm.Kind, Alarm.Cause, Alarm.Outcome
SCENARIOS = (
    Scenario(K.BUTTON, 14, C.NIGHT_UNREST, OUT.PHONE, (
        "Kon niet slapen; via de spreekluisterverbinding gerustgesteld.",
        "Wilde weten hoe laat het was; gerustgesteld.",
        "Onrustig na een nare droom, telefonisch gerustgesteld.")),
    Scenario(K.BUTTON, 10, C.NIGHT_UNREST, OUT.VISIT, (
        "Hulp bij de toiletgang, daarna weer naar bed.",
        "Incontinentiemateriaal verschoond, cliënt ligt weer in bed.",
        "Angstig en verward; even gebleven tot cliënt rustig was.")),
    Scenario(K.BUTTON, 9, C.FALSE_ALARM, OUT.PHONE, (
        "Per ongeluk op de knop gedrukt.",
        "Alarmknop ingedrukt bij het aankleden, alles goed.",
        "Kleinzoon speelde met de halszender.")),
    Scenario(K.BUTTON, 8, C.FALL, OUT.VISIT, (
        "Gevallen naast het bed; zonder letsel overeind geholpen.",
        "Uitgegleden in de badkamer; geen letsel, rollator dichterbij gezet.",
        "Van de stoel gegleden; overeind geholpen, geen pijn.")),
    Scenario(K.BUTTON, 3, C.FALL, OUT.GP, (
        "Gevallen, pijnlijke pols; huisartsenpost gebeld, huisarts kwam langs.",
        "Val met hoofdwond; huisarts heeft de wond gehecht.")),
    Scenario(K.BUTTON, 1, C.FALL, OUT.EMERGENCY, (
        "Val, kan niet opstaan, pijn in de heup; 112 gebeld en overgedragen.",)),
    Scenario(K.BUTTON, 0.5, C.FALL, OUT.ADMISSION, (
        "Vermoedelijk heupfractuur; met de ambulance naar het ziekenhuis, opgenomen.",)),
    Scenario(K.BUTTON, 4, C.MEDICAL, OUT.VISIT, (
        "Benauwd; rechtop gezet, saturatie goed, morgen huisarts.",
        "Pijn op de borst zakte na rust; dochter ingelicht.")),
    Scenario(K.BUTTON, 2, C.MEDICAL, OUT.GP, (
        "Hoge koorts; huisartsenpost ingeschakeld.",
        "Erg benauwd; huisarts kwam langs, antibiotica gestart.")),
    Scenario(K.BUTTON, 0.5, C.MEDICAL, OUT.EMERGENCY, (
        "Pijn op de borst; ambulance gebeld en overgedragen.",)),
    Scenario(K.BUTTON, 3, C.OTHER, OUT.PHONE, (
        "Vroeg om hulp met de afstandsbediening van de tv.",
        "Sleutel kwijt; zat in de jaszak, telefonisch opgelost.")),
    Scenario(K.BUTTON, 2, C.TEST, OUT.PHONE, (
        "Maandelijkse testmelding samen met cliënt.",
        "Test na batterijwissel: werkt.")),
    Scenario(K.FALL, 5, C.FALL, OUT.VISIT, (
        "Valdetectie: cliënt op de grond in de gang, zonder letsel overeind geholpen.",
        "Valdetectie: gevallen bij het opstaan, kleine schaafwond verzorgd.")),
    Scenario(K.FALL, 3, C.FALSE_ALARM, OUT.PHONE, (
        "Valdetector ging af bij het bukken; alles goed.",
        "Halszender op de grond gevallen; cliënt is in orde.")),
    Scenario(K.FALL, 1, C.FALL, OUT.GP, (
        "Valdetectie: pijnlijke schouder na val; huisarts kwam langs.",)),
    Scenario(K.LIFESTYLE, 4, C.LIFESTYLE, OUT.PHONE, (
        "Niet terug in bed na toiletbezoek; zat in de woonkamer, telefonisch gerustgesteld.",
        "Ongewoon lang in de badkamer; alles goed, was aan het douchen.")),
    Scenario(K.LIFESTYLE, 3, C.NIGHT_UNREST, OUT.VISIT, (
        "Niet terug in bed na nachtelijk toiletbezoek; onrustig, naar bed geholpen.",
        "Om 04:00 in de keuken actief; verward, samen thee gedronken en naar bed.")),
    Scenario(K.LIFESTYLE, 1, C.FALL, OUT.VISIT, (
        "Geen beweging na toiletbezoek; cliënt lag op de badkamervloer, overeind geholpen.",)),
    Scenario(K.DOOR, 3, C.WANDERING, OUT.VISIT, (
        "Voordeur 's nachts geopend; cliënt op straat aangetroffen en thuisgebracht.",
        "Cliënt wilde 'naar huis'; in de hal aangetroffen, rustig mee terug.")),
    Scenario(K.DOOR, 2, C.FALSE_ALARM, OUT.PHONE, (
        "Deur geopend door dochter die bleef logeren.",
        "Buurman bracht de post binnen.")),
    Scenario(K.GPS, 2, C.WANDERING, OUT.VISIT, (
        "Buiten het afgesproken gebied; opgehaald bij de supermarkt.",
        "Geofence verlaten; cliënt zat op een bankje in het park, samen teruggelopen.")),
    Scenario(K.TECHNICAL, 3, C.TECHNICAL, OUT.PHONE, (
        "Batterij van de halszender bijna leeg; dochter vervangt hem morgen.",
        "Stroomstoring in de wijk, na tien minuten hersteld.")),
    Scenario(K.TECHNICAL, 2, C.TECHNICAL, OUT.VISIT, (
        "Geen testsignaal; stekker van het basisstation zat los.",
        "Basisstation herstart, verbinding weer in orde.")),
    Scenario(K.PHONE, 2, C.OTHER, OUT.PHONE, (
        "Cliënt belde zelf: voelde zich eenzaam, even gepraat.",
        "Buurvrouw belde: rolluik dicht en geen reactie; cliënt lag te slapen.")),
    Scenario(K.PHONE, 1, C.MEDICAL, OUT.VISIT, (
        "Dochter belde: moeder klinkt verward; langsgegaan, controles goed.",)),
)
DEFECT_SCENARIO = Scenario(K.TECHNICAL, 0, C.TECHNICAL, OUT.VISIT, (
    "Geen testsignaal van de alarmering; basisstation defect, vervanging aangevraagd.",))
# Minutes from on site to resolved, per outcome.
STAY_MINUTES = {OUT.VISIT: (8, 40), OUT.GP: (25, 70), OUT.EMERGENCY: (30, 80), OUT.ADMISSION: (45, 120)}


@dataclass
class _Staff:
    """The accounts of a team who follow up alarms."""

    field: list[Membership]  # coaches and support workers (the ones who go)
    all: list[Membership]  # FIELD_ROLES, as services.team_recipients notifies them


@dataclass
class _ClientKit:
    client: Client
    alarm: Device
    door: Device | None = None
    lifestyle: Device | None = None
    gps: Device | None = None
    defect_since: datetime | None = None
    away: list[tuple[date, date | None]] = field(default_factory=list)

    def device_for(self, kind: str) -> Device | None:
        if kind == Alarm.Kind.LIFESTYLE:
            return self.lifestyle
        if kind == Alarm.Kind.DOOR:
            return self.door if self.door is not None and self.door.centre_id else None
        if kind == Alarm.Kind.GPS:
            return self.gps
        if kind == Alarm.Kind.PHONE:
            return None
        return self.alarm


def _at(day: date, minutes: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(minutes=minutes))


def _setup(org: Organization, teams: list[Team], now: datetime) -> tuple[AlarmPolicy, AlarmCentre, AlarmCentre]:
    on_call = (Membership.objects.filter(organization=org, role=Role.TEAM_MANAGER, is_active=True)
               .select_related("user").order_by("pk").first())
    policy, _created = AlarmPolicy.objects.update_or_create(organization=org, defaults={
        "ack_minutes_day": 5, "onsite_minutes_day": 30, "ack_minutes_night": 5, "onsite_minutes_night": 30,
        "night_starts": time(23, 0), "night_ends": time(7, 0), "escalate_every_minutes": 5,
        "night_team": teams[-1] if teams else None, "on_call": on_call,
    })
    region = org.region.name if org.region_id else org.name
    centre = AlarmCentre(organization=org, name=f"Zorgcentrale {region}", kind=AlarmCentre.Kind.ALARM_CENTRE,
                         heartbeat_seconds=300, last_heartbeat_at=now)
    platform = AlarmCentre(organization=org, name=f"Leefstijlmonitoring {region}",
                           kind=AlarmCentre.Kind.DEVICE_PLATFORM, heartbeat_seconds=3600, last_heartbeat_at=now)
    for channel in (centre, platform):
        channel.set_secret(DEMO_CENTRE_SECRET)
        channel.save()
    return policy, centre, platform


def _devices(*, org: Organization, clients: list[Client], centre: AlarmCentre, platform: AlarmCentre,
             profiles: dict[int, str], size: str, rng: random.Random, today: date,
             now: datetime) -> dict[int, _ClientKit]:
    kits: dict[int, _ClientKit] = {}
    for client in clients:
        installed = min(client.care_start + timedelta(days=rng.randint(0, 4)), today)
        kits[client.pk] = _ClientKit(client=client, alarm=Device(
            organization=org, client=client, kind=Device.Kind.PERSONAL_ALARM, external_id=f"PA-{client.pk:06d}",
            supplier=rng.choice(ALARM_SUPPLIERS), centre=centre, installed_on=installed, status=Device.Status.ACTIVE))
        if rng.random() < 0.85:
            electronic = rng.random() < 0.35
            kits[client.pk].door = Device(
                organization=org, client=client, kind=Device.Kind.DOOR_ACCESS,
                external_id=f"{'DS' if electronic else 'SK'}-{client.pk:06d}", supplier=rng.choice(DOOR_SUPPLIERS),
                centre=centre if electronic else None, installed_on=installed, status=Device.Status.ACTIVE,
                note="Elektronisch deurslot met deursensor" if electronic else "Sleutelkluis naast de voordeur")

    # A few personal alarms that do not work: defect (reported a few days ago) or not yet
    # installed (the most recent clients).
    broken = 2 if size == "small" else rng.randint(3, 5)
    broken = min(broken, max(len(clients) - 1, 0))
    missing = 1 if broken >= 2 else 0
    newest = sorted(clients, key=lambda c: (c.care_start, c.pk), reverse=True)[:missing]
    for client in newest:
        device = kits[client.pk].alarm
        device.status, device.installed_on = Device.Status.PLANNED, None
        device.note = "Nieuwe alarmering aangevraagd; installatie is gepland."
    others = [c for c in clients if c not in newest]
    for client in rng.sample(others, k=broken - missing):
        kit = kits[client.pk]
        kit.defect_since = now - timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
        kit.alarm.status = Device.Status.DEFECT
        kit.alarm.note = (f"Storing: geen testsignaal sinds {timezone.localtime(kit.defect_since):%d-%m}; "
                          "leverancier ingeschakeld.")

    # Lifestyle sensors for about one in five, with recorded consent and a check-in interval.
    working = [c for c in clients if kits[c.pk].alarm.status == Device.Status.ACTIVE]
    for client in rng.sample(working, k=max(1, round(0.2 * len(clients))) if working else 0):
        installed = min(client.care_start + timedelta(days=rng.randint(7, 120)), today - timedelta(days=3))
        installed = max(installed, client.care_start)
        by = Device.ConsentBy.CLIENT if rng.random() < 0.55 else Device.ConsentBy.REPRESENTATIVE
        interval = rng.choice((120, 240, 480))
        kits[client.pk].lifestyle = Device(
            organization=org, client=client, kind=Device.Kind.LIFESTYLE, external_id=f"LS-{client.pk:06d}",
            supplier="Leefstijlsensoren (demo)", centre=platform, installed_on=installed, status=Device.Status.ACTIVE,
            consent_by=by, consent_on=installed - timedelta(days=rng.randint(2, 14)), check_in_minutes=interval,
            last_check_in_at=now - timedelta(minutes=rng.uniform(1, interval / 2)),
            note=rng.choice(("Bewegingssensoren slaapkamer, badkamer en keuken.",
                             "Bedsensor en deurcontact; melding als cliënt 's nachts niet terug in bed is.",
                             "Sensoren woonkamer en badkamer; dagritme wordt gevolgd.")))

    # GPS / wander detection for a few clients with a dementia profile: with the
    # representative's (or client's) consent, one under a Wzd decision, one awaiting consent.
    dementia = [c for c in working if profiles.get(c.pk) in DEMENTIA_PROFILES]
    wanted = 1 if size == "small" else rng.randint(3, 5)
    for n, client in enumerate(rng.sample(dementia, k=min(wanted, len(dementia)))):
        installed = max(client.care_start, today - timedelta(days=rng.randint(20, 300)))
        gps = Device(organization=org, client=client, kind=Device.Kind.GPS, external_id=f"GPS-{client.pk:06d}",
                     supplier="GPS-horloge Onderweg (demo)", centre=centre, installed_on=installed,
                     status=Device.Status.ACTIVE,
                     note=f"Geofence: {client.district or client.city}, ca. 500 m rond de woning.")
        if n == 0:  # no consent (the client resists): involuntary care under a recorded decision
            evaluation = today + timedelta(days=rng.randint(14, 120))
            gps.wzd_decision = (f"Wzd-besluit {installed.year}-{client.pk % 1000:03d}: toezicht op afstand, "
                                f"evaluatie {evaluation:%d-%m-%Y}")
        elif n == 3:
            gps.status, gps.installed_on = Device.Status.PLANNED, None
            gps.note = "Wacht op toestemming van de vertegenwoordiger."
        else:
            gps.consent_by = Device.ConsentBy.REPRESENTATIVE if rng.random() < 0.8 else Device.ConsentBy.CLIENT
            gps.consent_on = installed - timedelta(days=rng.randint(3, 21))
        kits[client.pk].gps = gps

    devices = [d for kit in kits.values() for d in (kit.alarm, kit.door, kit.lifestyle, kit.gps) if d is not None]
    Device.objects.bulk_create(devices, batch_size=1000)
    return kits


class _History:
    """Builds alarms and their events as the services and the sweeper would have stamped them."""

    def __init__(self, *, org: Organization, policy: AlarmPolicy, staff: dict[int, _Staff], rng: random.Random):
        self.org, self.policy, self.staff, self.rng = org, policy, staff, rng
        self.alarms: list[Alarm] = []
        self.events: list[AlarmEvent] = []
        self.seq = 0

    def _recipients(self, team_id: int | None, *, night: bool) -> int:
        teams = {team_id} | ({self.policy.night_team_id} if night and self.policy.night_team_id else set())
        return len({m.pk for t in teams if t in self.staff for m in self.staff[t].all})

    def event(self, alarm: Alarm, action: str, at: datetime, *, by: Any = None, level: int | None = None,  # noqa: ANN401
              detail: str = "") -> None:
        self.events.append(AlarmEvent(organization=self.org, alarm=alarm, at=at, action=action, by=by, level=level,
                                      detail=detail[:300]))

    def new(self, kit: _ClientKit, kind: str, received: datetime, device: Device | None) -> Alarm:
        """A received (and notified) alarm, as alarms.services._new_alarm builds it."""
        client, policy = kit.client, self.policy
        local = timezone.localtime(received)
        ack, onsite = policy.norms(local)
        centre = device.centre if device is not None else None
        self.seq += 1
        event_id = f"{local:%y%m%d}-{self.seq:05d}" if centre is not None else ""
        alarm = Alarm(
            organization=self.org, client=client, team_id=client.primary_team_id, device=device, centre=centre,
            external_event_id=event_id, kind=kind, source=Alarm.Source.DEMO,
            occurred_at=received - timedelta(seconds=self.rng.randint(1, 6)) if centre is not None else None,
            received_at=received, is_night=policy.is_night(local), ack_due_at=received + timedelta(minutes=ack),
            onsite_due_at=received + timedelta(minutes=onsite),
            notified_at=received + timedelta(seconds=self.rng.uniform(1, 4)),
        )
        self.alarms.append(alarm)
        self.event(alarm, AlarmEvent.Action.RECEIVED, received,
                   detail=f"{centre.name}: event {event_id}" if centre is not None else _("entered by hand"))
        self.event(alarm, AlarmEvent.Action.NOTIFIED, alarm.notified_at,
                   detail=f"{self._recipients(alarm.team_id, night=alarm.is_night)} recipients")
        return alarm

    def _who(self, level: int) -> tuple[str, int]:
        """alarms.services._chain_step: who the step goes to and how many were notified."""
        if level == 1:
            return _("responsible team"), -1  # the caller counts the team
        if level == 2:
            if self.policy.night_team_id:
                return _("night service"), self._recipients(self.policy.night_team_id, night=False)
            return _("alarm centre"), 0
        return _("team manager on call"), 1

    def escalate(self, alarm: Alarm, *, deadline: datetime, until: datetime, acknowledged: bool) -> None:
        """The steps the sweeper took between the norm and `until` (the next step of the
        follow-up): step k at the first sweep after deadline + (k-1) × the step time."""
        every = timedelta(minutes=self.policy.escalate_every_minutes)
        late = _("nobody on site") if acknowledged else _("not acknowledged")
        for level in range(alarm.escalation_level + 1, MAX_LEVEL + 1):
            at = deadline + (level - 1) * every + timedelta(seconds=self.rng.uniform(0, SWEEP_SECONDS))
            if at >= until:
                break
            who, count = self._who(level)
            if count < 0:
                count = self._recipients(alarm.team_id, night=False)
            self.event(alarm, AlarmEvent.Action.ESCALATED, at, level=level,
                       detail=f"{who}: {late} ({count} recipients)")
            alarm.escalation_level, alarm.last_escalated_at = level, at

    def _member(self, team_id: int, *, prefer: Membership | None = None) -> Membership:
        staff = self.staff[team_id]
        if prefer is not None and self.rng.random() < 0.8:
            return prefer
        return self.rng.choice(staff.field or staff.all)

    def follow_up(self, alarm: Alarm, scenario: Scenario, *, late_ack: bool, late_on_site: bool) -> None:
        """Acknowledge, (on site), resolve: the whole history of a past alarm."""
        rng = self.rng
        if late_ack:
            ack_at = alarm.ack_due_at + timedelta(minutes=rng.uniform(0.5, 13))
            self.escalate(alarm, deadline=alarm.ack_due_at, until=ack_at, acknowledged=False)
        else:
            ack_at = alarm.received_at + timedelta(seconds=rng.triangular(45, 240, 100))
        acker = self._member(alarm.team_id)
        alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = Alarm.Status.ACKNOWLEDGED, ack_at, acker.user
        self.event(alarm, AlarmEvent.Action.ACKNOWLEDGED, ack_at, by=acker.user)
        closer = acker
        if scenario.visit:
            if late_on_site:
                on_site_at = alarm.onsite_due_at + timedelta(minutes=rng.uniform(1, 12))
                self.escalate(alarm, deadline=alarm.onsite_due_at, until=on_site_at, acknowledged=True)
            else:
                on_site_at = max(alarm.received_at + timedelta(minutes=rng.uniform(10, 25)),
                                 ack_at + timedelta(minutes=rng.uniform(3, 8)))
                on_site_at = min(on_site_at, alarm.onsite_due_at - timedelta(seconds=20))
            closer = self._member(alarm.team_id, prefer=acker)
            alarm.status, alarm.on_site_at, alarm.on_site_by = Alarm.Status.ON_SITE, on_site_at, closer.user
            self.event(alarm, AlarmEvent.Action.ON_SITE, on_site_at, by=closer.user)
            low, high = STAY_MINUTES[scenario.outcome]
            resolved_at = on_site_at + timedelta(minutes=rng.uniform(low, high))
        else:  # handled by phone, before the on-site norm would escalate it
            resolved_at = min(ack_at + timedelta(minutes=rng.uniform(2, 12)),
                              alarm.onsite_due_at - timedelta(seconds=30))
        alarm.status, alarm.resolved_at, alarm.resolved_by = Alarm.Status.RESOLVED, resolved_at, closer.user
        alarm.cause, alarm.outcome, alarm.note = scenario.cause, scenario.outcome, rng.choice(scenario.notes)
        self.event(alarm, AlarmEvent.Action.RESOLVED, resolved_at, by=closer.user,
                   detail=f"{Alarm.Cause(alarm.cause).label} · {Alarm.Outcome(alarm.outcome).label}")


def _pick_scenario(kit: _ClientKit, rng: random.Random) -> Scenario:
    options = [s for s in SCENARIOS if s.kind == Alarm.Kind.PHONE or kit.device_for(s.kind) is not None]
    weights = [s.weight * (3 if s.kind == Alarm.Kind.LIFESTYLE else 1) for s in options]
    return rng.choices(options, weights=weights)[0]


def _past_alarms(history: _History, kits: dict[int, _ClientKit], *, today: date, now: datetime,
                 rng: random.Random) -> None:
    """About 0.5–1 alarm per client per week over the past eight weeks (more for a few
    frequent callers), never while the client is away, only while a device works."""
    first = today - timedelta(weeks=WEEKS_BACK)
    latest = now - timedelta(hours=3)  # everything before this is resolved
    planned: list[tuple[datetime, _ClientKit, Scenario]] = []
    for kit in kits.values():
        client = kit.client
        rate = rng.uniform(1.2, 2.0) if rng.random() < 0.1 else rng.uniform(0.35, 0.9)  # per week
        day = max(first, client.care_start)
        while day <= today:
            home = not any(left < day and (back is None or day < back) for left, back in kit.away)
            if home and rng.random() < rate / 7:
                received = _at(day, rng.choices(range(24), weights=HOUR_WEIGHTS)[0] * 60 + rng.uniform(0, 60))
                scenario = _pick_scenario(kit, rng)
                device = kit.device_for(scenario.kind)
                works = device is None or (
                    device.installed_on is not None and device.installed_on <= day
                    and not (device is kit.alarm and kit.defect_since is not None and received >= kit.defect_since))
                if received < latest and works:
                    planned.append((received, kit, scenario))
            day += timedelta(days=1)
        if kit.defect_since is not None and kit.defect_since < latest:  # how the defect came to light
            planned.append((kit.defect_since, kit, DEFECT_SCENARIO))
    planned.sort(key=lambda p: p[0])
    late_ack = set(rng.sample(range(len(planned)), k=max(1, round(0.05 * len(planned))))) if planned else set()
    visits = [i for i, (_r, _k, s) in enumerate(planned) if s.visit and i not in late_ack]
    late_on_site = set(rng.sample(visits, k=min(len(visits), max(1, round(0.01 * len(planned))))))
    for i, (received, kit, scenario) in enumerate(planned):
        device = kit.alarm if scenario is DEFECT_SCENARIO else kit.device_for(scenario.kind)
        alarm = history.new(kit, scenario.kind, received, device)
        history.follow_up(alarm, scenario, late_ack=i in late_ack, late_on_site=i in late_on_site)


def _open_alarms(history: _History, kits: dict[int, _ClientKit], *, org: Organization, now: datetime,
                 rng: random.Random) -> list[Alarm]:
    """Now: an alarm just received and one acknowledged by the demo coach (who is on the way)
    for clients of the demo coach's team."""
    coach = (Membership.objects.filter(organization=org, role=Role.CLIENT_COACH, is_active=True)
             .select_related("user").order_by("pk").first())
    team = Team.objects.filter(members=coach, is_active=True).order_by("pk").first() if coach else None
    if team is None:
        return []
    candidates = sorted((k for k in kits.values() if k.client.primary_team_id == team.pk),
                        key=lambda k: (k.alarm.status != Device.Status.ACTIVE, k.client.pk))
    opened = []
    for n, kit in enumerate(candidates[:2]):
        working = kit.alarm.status == Device.Status.ACTIVE
        if n == 0:
            kind = Alarm.Kind.BUTTON if working else Alarm.Kind.PHONE
            received = now - timedelta(seconds=rng.randint(60, 150))
        else:
            kind = Alarm.Kind.LIFESTYLE if kit.lifestyle else Alarm.Kind.FALL if working else Alarm.Kind.PHONE
            received = now - timedelta(minutes=9)
        alarm = history.new(kit, kind, received, kit.device_for(kind))
        if n == 1:
            ack_at = received + timedelta(seconds=100)
            alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = Alarm.Status.ACKNOWLEDGED, ack_at, coach.user
            history.event(alarm, AlarmEvent.Action.ACKNOWLEDGED, ack_at, by=coach.user)
        opened.append(alarm)
    return opened


def _seed_provider(*, org: Organization, rng: random.Random, size: str, today: date, now: datetime,
                   stdout: Any) -> None:  # noqa: ANN401
    teams = list(Team.objects.filter(is_active=True).order_by("pk"))
    clients = list(Client.objects.filter(status=Client.Status.IN_CARE, care_start__isnull=False).order_by("pk"))
    if not teams or not clients:
        return
    for client in clients:
        client.organization = org
    policy, centre, platform = _setup(org, teams, now)

    staff: dict[int, _Staff] = {team.pk: _Staff(field=[], all=[]) for team in teams}
    members = (Membership.objects.filter(organization=org, is_active=True, role__in=FIELD_ROLES, teams__in=teams)
               .select_related("user").order_by("pk").distinct())
    for membership in members.prefetch_related("teams"):
        for team in membership.teams.all():
            if team.pk in staff:
                staff[team.pk].all.append(membership)
                if membership.role != Role.TEAM_MANAGER:
                    staff[team.pk].field.append(membership)
    clients = [c for c in clients if staff.get(c.primary_team_id) and staff[c.primary_team_id].all]

    profiles = dict(WlzIndication.objects.filter(client__in=clients, valid_from__lte=today)
                    .exclude(valid_to__lt=today).order_by("valid_from").values_list("client_id", "zorgprofiel"))
    kits = _devices(org=org, clients=clients, centre=centre, platform=platform, profiles=profiles, size=size,
                    rng=rng, today=today, now=now)
    for client_id, left, back in Absence.objects.filter(client__in=clients).values_list(
            "client_id", "left_on", "returned_on"):
        kits[client_id].away.append((left, back))

    history = _History(org=org, policy=policy, staff=staff, rng=rng)
    _past_alarms(history, kits, today=today, now=now, rng=rng)
    past = len(history.alarms)
    opened = _open_alarms(history, kits, org=org, now=now, rng=rng)
    Alarm.objects.bulk_create(history.alarms, batch_size=1000)
    AlarmEvent.objects.bulk_create(history.events, batch_size=2000)

    notifications = []
    for alarm in opened:  # the unread in-app notifications of the open alarms (notify_new_alarm)
        kind = Alarm.Kind(alarm.kind).label
        text = _("Alarm: %(kind)s at %(client)s") % {"kind": kind, "client": alarm.client.full_name}
        team_ids = {alarm.team_id} | ({policy.night_team_id} if alarm.is_night and policy.night_team_id else set())
        recipients = {m.pk: m for t in team_ids for m in staff[t].all}
        notifications += [Notification(organization=org, membership=m, alarm=alarm, text=text[:300])
                          for m in recipients.values()]
    Notification.objects.bulk_create(notifications)

    kinds = Counter(a.kind for a in history.alarms[:past])
    devices = Counter(d.kind for kit in kits.values() for d in (kit.alarm, kit.door, kit.lifestyle, kit.gps) if d)
    broken = sum(kit.alarm.status != Device.Status.ACTIVE for kit in kits.values())
    night = sum(not 8 <= timezone.localtime(a.received_at).hour < 22 for a in history.alarms[:past])
    escalated = sum(a.escalation_level > 0 for a in history.alarms[:past])
    stdout.write(
        f"Alarms {org.name}: {sum(devices.values())} devices ({devices[Device.Kind.PERSONAL_ALARM]} personal alarms, "
        f"{broken} not working; {devices[Device.Kind.DOOR_ACCESS]} door, {devices[Device.Kind.LIFESTYLE]} lifestyle, "
        f"{devices[Device.Kind.GPS]} GPS), {past} alarms in {WEEKS_BACK} weeks "
        f"({100 * night / max(past, 1):.0f}% between 22:00 and 08:00, {kinds[Alarm.Kind.BUTTON]} button, "
        f"{escalated} escalated), {len(history.events)} events, {len(opened)} open now."
    )


def seed_alarms(*, organizations: Sequence[Organization], rng: random.Random, size: str, stdout: Any,
                **_: Any) -> None:  # noqa: ANN401
    """Policy, alarm centre, devices and eight weeks of alarms for every provider."""
    today = timezone.localdate()
    now = timezone.now()
    for org in (o for o in organizations if o.is_provider):
        with tenant_scope(org):
            _seed_provider(org=org, rng=rng, size=size, today=today, now=now, stdout=stdout)


def register() -> None:
    """Called from AlarmsConfig.ready() (after the clients, arrangements and teams seeders)."""
    register_seeder(seed_alarms)
