"""Factories for the foundation's models and the registry the isolation walker uses.

Every model with an `organization` field must appear in FACTORIES; the isolation test
fails for a model that does not, so a new tenant-owned model cannot skip the walker.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from alarms.models import (
    Alarm,
    AlarmCentre,
    AlarmEvent,
    AlarmPolicy,
    ChannelOutage,
    Device,
    IntakeRecord,
    Notification,
)
from arrangements.models import (
    Arrangement,
    ArrangementLine,
    CarePlanPolicy,
    Evaluation,
    MenuItem,
    TaskAgreement,
)
from billing.models import (
    BudgetDay,
    CareNotification,
    DailyRun,
    DayLine,
    Declaration,
    DeclarationLine,
    ExportJob,
)
from clients.models import (
    Absence,
    Client,
    ClientImport,
    EligibilityAssessment,
    NetworkMember,
    WlzIndication,
    bsn_lookup_hash,
)
from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from reports.services import fingerprint as report_fingerprint
from teams.models import Employee, FixedFace, LevelRate, Visit, VisitRevision
from tests.reports.samples import sample_figures
from vpt.audit.models import AccessLog
from vpt.core import crypto
from vpt.tenancy.models import Contract, ContractTariff, Membership, Organization, Region, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

PASSWORD = "test-wachtwoord-123"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Regio {n}")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Zorgaanbieder {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organization.Kind.PROVIDER
    agb_code = factory.Sequence(lambda n: f"{10000000 + n}")


class ZorgkantoorFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Zorgkantoor {n}")
    kind = Organization.Kind.ZORGKANTOOR
    agb_code = ""


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@test.vpt")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker{n}")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class TenantFactory(DjangoModelFactory):
    """Creates tenant-owned rows inside their organisation's scope (RLS WITH CHECK)."""

    class Meta:
        abstract = True

    organization = factory.SubFactory(OrganizationFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN206
        with tenant_scope(kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


class AccessLogFactory(TenantFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda o: o.user.username)
    role = Role.ADMIN
    action = AccessLog.Action.VIEW
    object_type = "test.object"
    object_id = "1"
    description = "test entry"


def make_bsn(n: int) -> str:
    """The n-th valid test BSN (elfproef), deterministic; never 000000000."""
    base = 10_000_000 + n * 7919
    while True:
        digits = f"{base % 100_000_000:08d}"
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return digits + str(check)
        base += 1


class TeamFactory(TenantFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    district = "Centrum"

    @factory.post_generation
    def members(self, create, extracted, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if create and extracted:
            with tenant_scope(self.organization):
                self.members.add(*extracted)


class ClientFactory(TenantFactory):
    class Meta:
        model = Client

    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Client{n}")
    date_of_birth = datetime.date(1940, 5, 17)
    bsn_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.bsn))
    bsn_hash = factory.LazyAttribute(lambda o: bsn_lookup_hash(o.bsn))
    bsn_last4 = factory.LazyAttribute(lambda o: o.bsn[-4:])
    street = "Dorpsstraat"
    house_number = factory.Sequence(lambda n: n + 1)
    postcode = "2511 AB"
    city = "Den Haag"
    district = "Centrum"
    primary_team = factory.LazyAttribute(lambda o: TeamFactory(organization=o.organization))

    class Params:
        bsn = factory.Sequence(make_bsn)


class ClientChildFactory(TenantFactory):
    class Meta:
        abstract = True

    client = factory.LazyAttribute(lambda o: ClientFactory(organization=o.organization))


class WlzIndicationFactory(ClientChildFactory):
    class Meta:
        model = WlzIndication

    zorgprofiel = "754"
    leveringsvorm = "5"
    valid_from = datetime.date(2025, 1, 1)
    valid_to = None
    ciz_reference = factory.Sequence(lambda n: f"CIZ-{n:06d}")


class NetworkMemberFactory(ClientChildFactory):
    class Meta:
        model = NetworkMember

    name = factory.Sequence(lambda n: f"Mantelzorger {n}")
    relation = NetworkMember.Relation.CHILD


class EligibilityAssessmentFactory(ClientChildFactory):
    class Meta:
        model = EligibilityAssessment

    assessed_on = datetime.date(2025, 1, 1)
    has_wlz_indication = True
    psychosocial_need = True
    mobile_in_home = True
    self_direction = True
    network_cooperation = True
    safe_for_client_and_staff = True
    home_adds_value = True
    signal_wandering = False
    signal_night_unrest = False
    signal_intensive_nursing = False
    signal_immobile = False
    signal_constant_supervision = False
    signal_cannot_call_for_help = False
    signal_no_mantelzorg = False
    decision = EligibilityAssessment.Decision.SUITABLE
    decided_by_name = "Test"


class AbsenceFactory(ClientChildFactory):
    class Meta:
        model = Absence

    kind = Absence.Kind.HOLIDAY
    left_on = datetime.date(2026, 3, 1)
    returned_on = datetime.date(2026, 3, 8)


class ClientImportFactory(TenantFactory):
    class Meta:
        model = ClientImport

    filename = "clients.csv"
    content = "voornaam;achternaam\n"


class ContractFactory(TenantFactory):
    class Meta:
        model = Contract

    zorgkantoor = factory.SubFactory(ZorgkantoorFactory)
    year = 2026
    production_agreement = Decimal("2500000.00")
    percentage = Decimal("96.50")


class ContractTariffFactory(TenantFactory):
    class Meta:
        model = ContractTariff

    contract = factory.LazyAttribute(lambda o: ContractFactory(organization=o.organization))
    prestatiecode = "Z754"
    amount = Decimal("250.00")


class CareNotificationFactory(ClientChildFactory):
    class Meta:
        model = CareNotification

    kind = CareNotification.Kind.START
    date = datetime.date(2025, 3, 1)
    reason = ""


class DailyRunFactory(TenantFactory):
    class Meta:
        model = DailyRun

    kind = DailyRun.Kind.NIGHTLY
    status = DailyRun.Status.DONE
    first_day = datetime.date(2026, 3, 1)
    last_day = datetime.date(2026, 3, 31)


class DayLineFactory(ClientChildFactory):
    class Meta:
        model = DayLine

    day = factory.Sequence(lambda n: datetime.date(2026, 3, 1) + datetime.timedelta(days=n % 28))
    zorgprofiel = "754"
    prestatiecode = "Z754"
    max_amount = Decimal("250.00")
    amount = Decimal("241.25")
    billable = True
    computed_at = factory.LazyFunction(timezone.now)


class BudgetDayFactory(ClientChildFactory):
    class Meta:
        model = BudgetDay

    team = factory.LazyAttribute(lambda o: o.client.primary_team)
    day = factory.Sequence(lambda n: datetime.date(2026, 3, 1) + datetime.timedelta(days=n % 28))
    tariff = Decimal("241.25")
    planned_cost = Decimal("200.00")
    realised_cost = Decimal("190.00")
    computed_at = factory.LazyFunction(timezone.now)


class DeclarationFactory(TenantFactory):
    class Meta:
        model = Declaration

    contract = factory.LazyAttribute(lambda o: ContractFactory(organization=o.organization))
    zorgkantoor = factory.LazyAttribute(lambda o: o.contract.zorgkantoor)
    year = 2026
    month = 3
    reference = factory.Sequence(lambda n: f"D2026-03-{n:03d}")


class DeclarationLineFactory(TenantFactory):
    class Meta:
        model = DeclarationLine

    declaration = factory.LazyAttribute(lambda o: DeclarationFactory(organization=o.organization))
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"{o.declaration.reference}-{o.number:05d}")
    client = factory.LazyAttribute(lambda o: ClientFactory(organization=o.organization))
    zorgprofiel = "754"
    prestatiecode = "Z754"
    begin = datetime.date(2026, 3, 1)
    end = datetime.date(2026, 3, 31)
    days = 31
    tariff = Decimal("241.25")
    amount = Decimal("7478.75")


class ExportJobFactory(TenantFactory):
    class Meta:
        model = ExportJob

    kind = ExportJob.Kind.TEAM_BUDGET
    format = ExportJob.Format.CSV
    title = "Teambudget maart 2026"
    status = ExportJob.Status.DONE
    progress = 100
    filename = "teambudget.csv"
    content = b"team;tariff\n"


class MenuItemFactory(TenantFactory):
    class Meta:
        model = MenuItem

    code = factory.Sequence(lambda n: f"item-{n}")
    name = factory.Sequence(lambda n: f"Onderdeel {n}")
    kind = MenuItem.Kind.PERSONAL_CARE
    unit = MenuItem.Unit.HOURS_PER_WEEK
    function_level = 2
    cost_price = Decimal("52.00")
    active_from = datetime.date(2025, 1, 1)


class ArrangementFactory(ClientChildFactory):
    class Meta:
        model = Arrangement

    version = 1
    valid_from = datetime.date(2026, 1, 1)


class ArrangementLineFactory(TenantFactory):
    class Meta:
        model = ArrangementLine

    arrangement = factory.LazyAttribute(lambda o: ArrangementFactory(organization=o.organization))
    menu_item = factory.LazyAttribute(lambda o: MenuItemFactory(organization=o.organization))
    quantity = Decimal("10")


class TaskAgreementFactory(TenantFactory):
    class Meta:
        model = TaskAgreement

    arrangement = factory.LazyAttribute(lambda o: ArrangementFactory(organization=o.organization))
    task = "Ontbijt klaarzetten"
    done_by = TaskAgreement.DoneBy.CLIENT
    frequency = "dagelijks"


class CarePlanPolicyFactory(TenantFactory):
    class Meta:
        model = CarePlanPolicy


class EvaluationFactory(ClientChildFactory):
    class Meta:
        model = Evaluation

    arrangement = factory.LazyAttribute(lambda o: ArrangementFactory(organization=o.organization, client=o.client))
    held_on = datetime.date(2026, 6, 1)
    participants = "cliënt, dochter, cliëntcoach"
    conclusions = "Gaat goed."
    outcome = Evaluation.Outcome.NO_CHANGE


class LevelRateFactory(TenantFactory):
    class Meta:
        model = LevelRate
        django_get_or_create = ("organization", "function_level")

    function_level = 2
    cost_per_hour = Decimal("48.00")


class EmployeeFactory(TenantFactory):
    class Meta:
        model = Employee

    first_name = "Sanne"
    last_name = factory.Sequence(lambda n: f"Medewerker{n}")
    team = factory.LazyAttribute(lambda o: TeamFactory(organization=o.organization))
    role = Employee.Role.CLIENT_SUPPORT
    function_level = 2
    contract_hours = Decimal("24")


class FixedFaceFactory(ClientChildFactory):
    class Meta:
        model = FixedFace

    employee = factory.LazyAttribute(lambda o: EmployeeFactory(organization=o.organization))
    since = datetime.date(2026, 1, 1)


class VisitFactory(ClientChildFactory):
    """A delivered visit on a past day (the client is in care from 2025)."""

    class Meta:
        model = Visit

    client = factory.LazyAttribute(lambda o: ClientFactory(
        organization=o.organization, status=Client.Status.IN_CARE, care_start=datetime.date(2025, 1, 1)))
    employee = factory.LazyAttribute(lambda o: EmployeeFactory(organization=o.organization))
    date = datetime.date(2026, 3, 2)
    start = datetime.time(9, 0)
    duration_minutes = 45
    status = Visit.Status.DELIVERED
    delivered_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC))


class VisitRevisionFactory(TenantFactory):
    class Meta:
        model = VisitRevision

    visit = factory.LazyAttribute(lambda o: VisitFactory(organization=o.organization))
    action = "created"


ALARM_SECRET = "test-centre-secret-0123456789abcdef"


class AlarmPolicyFactory(TenantFactory):
    class Meta:
        model = AlarmPolicy
        django_get_or_create = ("organization",)


class AlarmCentreFactory(TenantFactory):
    """An alarm centre whose secret is ALARM_SECRET."""

    class Meta:
        model = AlarmCentre

    name = factory.Sequence(lambda n: f"Zorgcentrale {n}")
    secret_encrypted = factory.LazyFunction(lambda: crypto.encrypt(ALARM_SECRET))
    last_heartbeat_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class DeviceFactory(ClientChildFactory):
    class Meta:
        model = Device

    client = factory.LazyAttribute(lambda o: ClientFactory(
        organization=o.organization, status=Client.Status.IN_CARE, care_start=datetime.date(2025, 1, 1)))
    kind = Device.Kind.PERSONAL_ALARM
    external_id = factory.Sequence(lambda n: f"PA-{n:06d}")
    supplier = "Alarmleverancier BV"
    status = Device.Status.ACTIVE
    installed_on = datetime.date(2025, 1, 2)


def _alarm_times(o) -> datetime.datetime:  # noqa: ANN001
    return datetime.datetime(2026, 3, 2, 3, 10, tzinfo=datetime.UTC)


class AlarmFactory(ClientChildFactory):
    """An open alarm received on a past night."""

    class Meta:
        model = Alarm

    client = factory.LazyAttribute(lambda o: ClientFactory(
        organization=o.organization, status=Client.Status.IN_CARE, care_start=datetime.date(2025, 1, 1)))
    team = factory.LazyAttribute(lambda o: o.client.primary_team)
    kind = Alarm.Kind.BUTTON
    source = Alarm.Source.MANUAL
    received_at = factory.LazyAttribute(_alarm_times)
    is_night = True
    ack_due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(minutes=5))
    onsite_due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(minutes=30))


class AlarmEventFactory(TenantFactory):
    class Meta:
        model = AlarmEvent

    alarm = factory.LazyAttribute(lambda o: AlarmFactory(organization=o.organization))
    at = factory.LazyAttribute(lambda o: o.alarm.received_at)
    action = AlarmEvent.Action.RECEIVED


class IntakeRecordFactory(TenantFactory):
    class Meta:
        model = IntakeRecord

    centre = factory.LazyAttribute(lambda o: AlarmCentreFactory(organization=o.organization))
    endpoint = "event"
    body = "{}"
    status_code = 400
    error = "test"


class ChannelOutageFactory(TenantFactory):
    class Meta:
        model = ChannelOutage

    centre = factory.LazyAttribute(lambda o: AlarmCentreFactory(organization=o.organization))
    started_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC))
    detected_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 2, 2, 6, tzinfo=datetime.UTC))


class NotificationFactory(TenantFactory):
    class Meta:
        model = Notification

    membership = factory.LazyAttribute(lambda o: MembershipFactory(organization=o.organization))
    text = "Alarm"


# model -> factory(organization=...) for every organisation-owned model (isolation walker).
class ProviderReportFactory(TenantFactory):
    """A report addressed to its contract's zorgkantoor; `status` other than draft makes it
    visible to that zorgkantoor (give it a version with ReportVersionFactory)."""

    class Meta:
        model = ProviderReport

    contract = factory.LazyAttribute(lambda o: ContractFactory(organization=o.organization))
    zorgkantoor = factory.LazyAttribute(lambda o: o.contract.zorgkantoor)
    kind = ProviderReport.Kind.QUARTER
    year = factory.LazyAttribute(lambda o: o.contract.year)
    quarter = 3
    status = ProviderReport.Status.SUBMITTED
    draft_figures = factory.LazyAttribute(lambda o: sample_figures(year=o.year, quarter=o.quarter))
    draft_computed_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyFunction(timezone.now)


class ReportVersionFactory(TenantFactory):
    class Meta:
        model = ReportVersion

    report = factory.LazyAttribute(lambda o: ProviderReportFactory(organization=o.organization))
    zorgkantoor = factory.LazyAttribute(lambda o: o.report.zorgkantoor)
    number = factory.Sequence(lambda n: n + 1)
    figures = factory.LazyAttribute(lambda o: o.report.draft_figures)
    figures_sha256 = factory.LazyAttribute(lambda o: report_fingerprint(o.figures))
    computed_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_by_name = "Financien Test"


class ReportCommentFactory(TenantFactory):
    class Meta:
        model = ReportComment

    report = factory.LazyAttribute(lambda o: ProviderReportFactory(organization=o.organization))
    zorgkantoor = factory.LazyAttribute(lambda o: o.report.zorgkantoor)
    section = "production"
    side = ReportComment.Side.ZORGKANTOOR
    version_number = 1
    author_name = "Beoordelaar Test"
    body = "Waarom daalt het aantal cliëntdagen?"


class ReportEventFactory(TenantFactory):
    class Meta:
        model = ReportEvent

    report = factory.LazyAttribute(lambda o: ProviderReportFactory(organization=o.organization))
    zorgkantoor = factory.LazyAttribute(lambda o: o.report.zorgkantoor)
    action = ReportEvent.Action.SUBMITTED
    to_status = ProviderReport.Status.SUBMITTED
    side = ReportComment.Side.PROVIDER
    actor_name = "Financien Test"


FACTORIES: dict[type, type[DjangoModelFactory]] = {
    Membership: MembershipFactory,
    AccessLog: AccessLogFactory,
    Team: TeamFactory,
    Client: ClientFactory,
    WlzIndication: WlzIndicationFactory,
    NetworkMember: NetworkMemberFactory,
    EligibilityAssessment: EligibilityAssessmentFactory,
    Absence: AbsenceFactory,
    ClientImport: ClientImportFactory,
    Contract: ContractFactory,
    ContractTariff: ContractTariffFactory,
    MenuItem: MenuItemFactory,
    Arrangement: ArrangementFactory,
    ArrangementLine: ArrangementLineFactory,
    TaskAgreement: TaskAgreementFactory,
    CarePlanPolicy: CarePlanPolicyFactory,
    Evaluation: EvaluationFactory,
    LevelRate: LevelRateFactory,
    Employee: EmployeeFactory,
    FixedFace: FixedFaceFactory,
    Visit: VisitFactory,
    VisitRevision: VisitRevisionFactory,
    AlarmPolicy: AlarmPolicyFactory,
    AlarmCentre: AlarmCentreFactory,
    Device: DeviceFactory,
    Alarm: AlarmFactory,
    AlarmEvent: AlarmEventFactory,
    IntakeRecord: IntakeRecordFactory,
    ChannelOutage: ChannelOutageFactory,
    Notification: NotificationFactory,
    CareNotification: CareNotificationFactory,
    DailyRun: DailyRunFactory,
    DayLine: DayLineFactory,
    BudgetDay: BudgetDayFactory,
    Declaration: DeclarationFactory,
    DeclarationLine: DeclarationLineFactory,
    ExportJob: ExportJobFactory,
    ProviderReport: ProviderReportFactory,
    ReportVersion: ReportVersionFactory,
    ReportComment: ReportCommentFactory,
    ReportEvent: ReportEventFactory,
}
