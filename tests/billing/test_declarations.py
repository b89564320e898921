"""Declarations to the zorgkantoor (AW319): building from day lines (periods, corrections),
pre-validation, submitting, the answer, the deadline, the AW319 file and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing import aw319
from billing.daily import run_days
from billing.declarations import (
    _periods,
    credit_candidates,
    debit_candidates,
    declaration_build,
    declaration_deadline,
    declaration_export,
    declaration_record_answer,
    declaration_submit,
    declaration_validate,
    dutch_public_holidays,
    easter_sunday,
    group_periods,
    month_choices,
)
from billing.models import CareNotification, DailyRun, DayLine, Declaration, DeclarationLine
from clients.models import Client
from tests.conftest import Persona
from tests.factories import (
    AbsenceFactory,
    CareNotificationFactory,
    ClientFactory,
    ContractFactory,
    WlzIndicationFactory,
    make_bsn,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Contract
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.models import Tariff

D = dt.date
MARCH = (D(2026, 3, 1), D(2026, 3, 31))
TODAY = D(2026, 5, 1)
COMPUTED_THROUGH = D(2026, 10, 31)
JAN_1 = D(2026, 1, 1)
CONTRACTED = Decimal("216.93")  # V754B 2026: 224.80 (illustrative) × 96.50 %, half-up
CONTRACTED_755 = Decimal("246.90")  # V755B 2026: 255.86 × 96.50 % = 246.9049


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def contract(regional, zorgkantoor, tariffs) -> Contract:  # noqa: ANN001
    regional.region.iwlz_code = "5518"
    regional.region.save(update_fields=["iwlz_code"])
    return ContractFactory(organization=regional, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal("96.50"))


@pytest.fixture
def org(regional, contract):  # noqa: ANN001, ANN201
    return regional


@pytest.fixture
def finance(org, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org, Role.FINANCE)
    persona.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona


@pytest.fixture
def user(finance):  # noqa: ANN001, ANN201
    return finance.user


def computed(org, last: dt.date = COMPUTED_THROUGH) -> None:  # noqa: ANN001
    """The nightly run has covered everything up to `last` (ledger row only)."""
    with tenant_scope(org):
        DailyRun.objects.create(organization=org, kind=DailyRun.Kind.NIGHTLY, status=DailyRun.Status.DONE,
                                first_day=D(2025, 1, 1), last_day=last)


def in_care(org, *, start: dt.date = JAN_1, zorgprofiel: str = "754", notified: bool = True,  # noqa: ANN001
            **kwargs) -> Client:
    """A client in VPT care from `start` with a VPT indication and a sent start of care."""
    client = ClientFactory(organization=org, status=Client.Status.IN_CARE, care_start=start, **kwargs)
    WlzIndicationFactory(organization=org, client=client, zorgprofiel=zorgprofiel, valid_from=D(2025, 1, 1))
    if notified:
        CareNotificationFactory(organization=org, client=client, kind="start", date=start,
                                status=CareNotification.Status.SENT, xml="<AW35/>", sent_at=timezone.now())
    return client


def days(org, client, first: dt.date, last: dt.date, *, amount: Decimal = CONTRACTED,  # noqa: ANN001
         code: str = "V754B", zorgprofiel: str = "754", contract: Contract | None = None, billable: bool = True,
         skip: tuple[dt.date, ...] = ()) -> None:
    contract = contract or Contract.objects.filter(organization=org).order_by("pk").first()
    now = timezone.now()
    rows, day = [], first
    while day <= last:
        if day not in skip:
            rows.append(DayLine(
                organization=org, client=client, day=day, zorgprofiel=zorgprofiel, prestatiecode=code,
                max_amount=Decimal("224.80"), amount=amount if billable else None, contract=contract,
                billable=billable, reason="" if billable else "admission_limit", computed_at=now))
        day += dt.timedelta(days=1)
    DayLine.objects.bulk_create(rows)


def build(org, user, year: int = 2026, month: int = 3) -> Declaration:  # noqa: ANN001
    return declaration_build(org, year, month, user=user, today=TODAY)


def line_tuples(declaration: Declaration) -> list[tuple]:
    return [(line.client_id, line.side, line.begin, line.end, line.days, line.tariff, line.amount)
            for line in declaration.lines.order_by("number")]


def submit(org, user, year: int = 2026, month: int = 3) -> Declaration:  # noqa: ANN001
    declaration = build(org, user, year, month)
    findings = declaration_validate(declaration)
    assert not [f for f in findings if f.blocking], findings
    return declaration_submit(declaration, user=user)


# --------------------------------------------------------------------------- building


def test_periods_split_on_tariff_change_gap_and_month(org, user):  # noqa: ANN001
    computed(org)
    anna = in_care(org, last_name="Aalders")
    bert = in_care(org, last_name="Bakker")
    with tenant_scope(org):
        days(org, anna, D(2026, 3, 1), D(2026, 3, 10))
        days(org, anna, D(2026, 3, 11), D(2026, 3, 20), amount=Decimal("210.00"))  # tariff change mid-month
        days(org, anna, D(2026, 3, 21), D(2026, 3, 31))
        days(org, bert, D(2026, 2, 25), D(2026, 3, 31), skip=(D(2026, 3, 6), D(2026, 3, 7)))  # late days + gap
        days(org, bert, D(2026, 4, 1), D(2026, 4, 3))  # after the month: not in it
        declaration = build(org, user)
        assert line_tuples(declaration) == [
            (anna.pk, "D", D(2026, 3, 1), D(2026, 3, 10), 10, CONTRACTED, Decimal("2169.30")),
            (anna.pk, "D", D(2026, 3, 11), D(2026, 3, 20), 10, Decimal("210.00"), Decimal("2100.00")),
            (anna.pk, "D", D(2026, 3, 21), D(2026, 3, 31), 11, CONTRACTED, Decimal("2386.23")),
            (bert.pk, "D", D(2026, 2, 25), D(2026, 2, 28), 4, CONTRACTED, Decimal("867.72")),
            (bert.pk, "D", D(2026, 3, 1), D(2026, 3, 5), 5, CONTRACTED, Decimal("1084.65")),
            (bert.pk, "D", D(2026, 3, 8), D(2026, 3, 31), 24, CONTRACTED, Decimal("5206.32")),
        ]
        assert declaration.reference == "D2026-03-001"
        assert [line.reference for line in declaration.lines.order_by("number")][:2] == [
            "D2026-03-001-00001", "D2026-03-001-00002"]
        assert declaration.total_debit == Decimal("13814.22") and declaration.total_credit == 0
        assert declaration.status == Declaration.Status.DRAFT
        # A draft changes no day line.
        assert not DayLine.objects.filter(declared_line__isnull=False).exists()
        # The SQL (window function) and the Python grouping agree.
        candidates = debit_candidates(org, declaration.zorgkantoor, D(2026, 3, 31))
        rows = candidates.order_by("client_id", "zorgprofiel", "prestatiecode", "amount", "day").values_list(
            "client_id", "zorgprofiel", "prestatiecode", "amount", "day")
        assert sorted(_periods(candidates)) == sorted(group_periods(rows))


def test_only_current_billable_undeclared_days_of_the_zorgkantoor(org, user, zorgkantoor):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    other_contract = ContractFactory(organization=org, year=2026)  # another zorgkantoor
    with tenant_scope(org):
        days(org, client, D(2026, 3, 1), D(2026, 3, 2), billable=False)
        days(org, client, D(2026, 3, 3), D(2026, 3, 4), contract=other_contract)
        days(org, client, D(2026, 3, 5), D(2026, 3, 6))
        DayLine.objects.filter(day=D(2026, 3, 6)).update(superseded_at=timezone.now())
        days(org, client, D(2026, 3, 6), D(2026, 3, 6), amount=Decimal("216.00"))
        declaration = build(org, user)
        assert declaration.zorgkantoor == zorgkantoor
        assert line_tuples(declaration) == [
            (client.pk, "D", D(2026, 3, 5), D(2026, 3, 5), 1, CONTRACTED, CONTRACTED),
            (client.pk, "D", D(2026, 3, 6), D(2026, 3, 6), 1, Decimal("216.00"), Decimal("216.00")),
        ]


def test_rebuild_replaces_the_draft_and_clears_the_validation(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH)
        first = build(org, user)
        declaration_validate(first)
        days(org, client, D(2026, 2, 27), D(2026, 2, 28))
        again = build(org, user)
        assert again.pk == first.pk and again.reference == first.reference
        assert again.validated_at is None and again.validation == []
        assert [line.begin for line in again.lines.order_by("number")] == [D(2026, 2, 27), D(2026, 3, 1)]
        assert DeclarationLine.objects.filter(declaration=again).count() == 2


def test_build_is_refused_until_the_month_is_computed_and_over(org, user, regional):  # noqa: ANN001
    computed(org, last=D(2026, 3, 30))
    with tenant_scope(org):
        with pytest.raises(ValidationError, match="has not computed every day of 03-2026"):
            build(org, user)
        with pytest.raises(ValidationError, match="has not ended yet"):
            declaration_build(org, 2026, 3, user=user, today=D(2026, 3, 31))
        with pytest.raises(ValidationError, match="no contract"):
            declaration_build(org, 2025, 3, user=user, today=TODAY)
        with pytest.raises(ValidationError, match="Choose a month"):
            declaration_build(org, 2026, 13, user=user, today=TODAY)
        assert not Declaration.objects.exists()


def test_build_queries_do_not_grow_with_clients(org, user):  # noqa: ANN001
    computed(org)

    def rebuild_queries(new_clients: int) -> int:
        for _i in range(new_clients):
            client = in_care(org)
            with tenant_scope(org):
                days(org, client, *MARCH)
        with tenant_scope(org), CaptureQueriesContext(connection) as ctx:
            build(org, user)
        return len(ctx.captured_queries)

    rebuild_queries(1)  # the first build creates the declaration
    small = rebuild_queries(0)
    assert rebuild_queries(8) == small
    assert small <= 24  # about ten are savepoints, the tenant setting and the access log
    with tenant_scope(org), CaptureQueriesContext(connection) as ctx:
        declaration_validate(Declaration.objects.get())
    assert len(ctx.captured_queries) <= 14


def test_from_the_daily_run_with_a_profile_change_mid_month(org, user):  # noqa: ANN001
    """The real path: clients with care, indication and contract, `run_days`, declare."""
    anna = in_care(org, start=D(2026, 2, 20), last_name="Aalders")
    bert = ClientFactory(organization=org, status=Client.Status.IN_CARE, care_start=D(2026, 1, 1), last_name="Bakker")
    WlzIndicationFactory(organization=org, client=bert, zorgprofiel="754", valid_from=D(2025, 1, 1),
                         valid_to=D(2026, 3, 15))
    WlzIndicationFactory(organization=org, client=bert, zorgprofiel="755", valid_from=D(2026, 3, 16))
    CareNotificationFactory(organization=org, client=bert, kind="start", date=D(2026, 1, 1),
                            status=CareNotification.Status.SENT, xml="<AW35/>", sent_at=timezone.now())
    run_days(org, D(2026, 2, 1), D(2026, 3, 31), kind=DailyRun.Kind.NIGHTLY)
    with tenant_scope(org):
        declaration = submit(org, user)
        assert line_tuples(declaration) == [
            (anna.pk, "D", D(2026, 2, 20), D(2026, 2, 28), 9, CONTRACTED, Decimal("1952.37")),
            (anna.pk, "D", D(2026, 3, 1), D(2026, 3, 31), 31, CONTRACTED, Decimal("6724.83")),
            (bert.pk, "D", D(2026, 2, 1), D(2026, 2, 28), 28, CONTRACTED, Decimal("6074.04")),
            (bert.pk, "D", D(2026, 3, 1), D(2026, 3, 15), 15, CONTRACTED, Decimal("3253.95")),
            (bert.pk, "D", D(2026, 3, 16), D(2026, 3, 31), 16, CONTRACTED_755, Decimal("3950.40")),
        ]
        assert declaration.status == Declaration.Status.SUBMITTED and declaration.submitted_at
        # Every billable day up to the end of March is linked to its line.
        for line in declaration.lines.all():
            linked = DayLine.objects.filter(declared_line=line)
            assert linked.count() == line.days
            assert {d.day for d in linked} == {line.begin + dt.timedelta(days=i) for i in range(line.days)}
        assert not DayLine.objects.filter(day__lte=D(2026, 3, 31), billable=True, declared_line__isnull=True).exists()
        assert AccessLog.objects.filter(object_type="billing.declaration", object_id=str(declaration.pk),
                                        description__contains="submitted").exists()
        # Submitted: never rebuilt.
        with pytest.raises(ValidationError, match="never rebuilt"):
            build(org, user)


# --------------------------------------------------------------------------- corrections


def test_a_recomputed_day_is_credited_and_debited_again_next_month(org, user, zorgkantoor):  # noqa: ANN001
    client = in_care(org, start=D(2026, 1, 1))
    run_days(org, D(2026, 3, 1), D(2026, 4, 30), kind=DailyRun.Kind.NIGHTLY)
    with tenant_scope(org):
        march = submit(org, user, 2026, 3)
        march_line = march.lines.get()
        assert (march_line.days, march_line.amount) == (31, Decimal("6724.83"))
    # A holiday is recorded afterwards: 1-20 March, more than 14 days in a row without the
    # zorgkantoor's consent, so 16-19 March are no longer billable. March is recomputed.
    AbsenceFactory(organization=org, client=client, kind="holiday", left_on=D(2026, 3, 1), returned_on=D(2026, 3, 20))
    run_days(org, D(2026, 3, 1), D(2026, 3, 31), kind=DailyRun.Kind.RECOMPUTE, client_ids=[client.pk])
    with tenant_scope(org):
        superseded = DayLine.objects.filter(declared_line=march_line, superseded_at__isnull=False)
        assert sorted(superseded.values_list("day", flat=True)) == [D(2026, 3, d) for d in (16, 17, 18, 19)]
        april = submit(org, user, 2026, 4)
        assert line_tuples(april) == [
            (client.pk, "C", D(2026, 3, 1), D(2026, 3, 31), 31, CONTRACTED, Decimal("6724.83")),
            (client.pk, "D", D(2026, 3, 1), D(2026, 3, 15), 15, CONTRACTED, Decimal("3253.95")),
            (client.pk, "D", D(2026, 3, 20), D(2026, 3, 31), 12, CONTRACTED, Decimal("2603.16")),
            (client.pk, "D", D(2026, 4, 1), D(2026, 4, 30), 30, CONTRACTED, Decimal("6507.90")),
        ]
        assert april.lines.get(side="C").corrects == march_line
        assert april.total_credit == Decimal("6724.83") and april.total_debit == Decimal("12365.01")
        # The submitted March declaration is as it was; its line is released; its days now
        # belong to April's lines.
        march_line.refresh_from_db()
        march.refresh_from_db()
        assert (march_line.days, march_line.amount, march_line.released) == (31, Decimal("6724.83"), True)
        assert (march.total_debit, march.status) == (Decimal("6724.83"), Declaration.Status.SUBMITTED)
        assert DayLine.objects.filter(declared_line=march_line).count() == 4  # the superseded days
        billable = DayLine.objects.filter(day__month=3, superseded_at__isnull=True, billable=True)
        assert billable.count() == 27
        assert set(billable.values_list("declared_line__declaration", flat=True)) == {april.pk}
        # Corrected once: nothing is left to credit or to debit.
        assert not credit_candidates(org, zorgkantoor, D(2026, 12, 31)).exists()
        assert not debit_candidates(org, zorgkantoor, D(2026, 4, 30)).exists()


def test_superseded_day_with_another_amount_preview_in_draft(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH)
        march = submit(org, user)
        line = march.lines.get()
        DayLine.objects.filter(day=D(2026, 3, 10)).update(superseded_at=timezone.now())
        days(org, client, D(2026, 3, 10), D(2026, 3, 10), amount=Decimal("150.00"))
        days(org, client, D(2026, 4, 1), D(2026, 4, 30))
        april = build(org, user, 2026, 4)
        assert line_tuples(april) == [
            (client.pk, "C", D(2026, 3, 1), D(2026, 3, 31), 31, CONTRACTED, Decimal("6724.83")),
            (client.pk, "D", D(2026, 3, 1), D(2026, 3, 9), 9, CONTRACTED, Decimal("1952.37")),
            (client.pk, "D", D(2026, 3, 10), D(2026, 3, 10), 1, Decimal("150.00"), Decimal("150.00")),
            (client.pk, "D", D(2026, 3, 11), D(2026, 3, 31), 21, CONTRACTED, Decimal("4555.53")),
            (client.pk, "D", D(2026, 4, 1), D(2026, 4, 30), 30, CONTRACTED, Decimal("6507.90")),
        ]
        # A draft is a preview: the old line keeps its days until April is submitted.
        assert DayLine.objects.filter(declared_line=line).count() == 31
        line.refresh_from_db()
        assert not line.released
        # The changed tariff is not the contracted one: 0611 blocks submitting.
        findings = declaration_validate(april)
        assert [(f.code, f.line) for f in findings if f.blocking] == [("0611", 3)]
        with pytest.raises(ValidationError, match="blocking"):
            declaration_submit(april, user=user)
        april.refresh_from_db()
        assert april.is_draft and DayLine.objects.filter(declared_line=line).count() == 31


def test_a_rejected_credit_is_credited_again(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH)
        march = submit(org, user)
        march_line = march.lines.get()
        DayLine.objects.filter(day=D(2026, 3, 10)).update(superseded_at=timezone.now())  # no longer billable
        april = submit(org, user, 2026, 4)
        credit = april.lines.get(side="C")
        assert [(line.side, line.days) for line in april.lines.order_by("number")] == [("C", 31), ("D", 9), ("D", 21)]
        declaration_record_answer(april, rejections={credit.pk: ("0001", "onbekende referentie")}, user=user)
        march_line.refresh_from_db()
        assert not march_line.released
        # May credits the March line again; its days are already on April's accepted lines.
        may = declaration_build(org, 2026, 5, user=user, today=D(2026, 6, 1))
        assert line_tuples(may) == [
            (client.pk, "C", D(2026, 3, 1), D(2026, 3, 31), 31, CONTRACTED, Decimal("6724.83"))]
        assert may.lines.get().corrects == march_line


def test_a_stale_draft_is_not_submitted(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, D(2026, 3, 1), D(2026, 3, 20))
        declaration = build(org, user)
        declaration_validate(declaration)
        days(org, client, D(2026, 3, 21), D(2026, 3, 31))  # a late recomputation added days
        with pytest.raises(ValidationError, match="out of date"):
            declaration_submit(declaration, user=user)
        declaration.refresh_from_db()
        assert declaration.is_draft and not DayLine.objects.filter(declared_line__isnull=False).exists()
        with pytest.raises(ValidationError, match="Validate the declaration"):
            declaration_submit(build(org, user), user=user)


# --------------------------------------------------------------------------- pre-validation


def blocking(declaration: Declaration) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in declaration_validate(declaration) if f.blocking]


def assert_blocked(declaration: Declaration, user, match: str = "blocking") -> None:  # noqa: ANN001
    with pytest.raises(ValidationError, match=match):
        declaration_submit(declaration, user=user)
    declaration.refresh_from_db()
    assert declaration.is_draft
    assert not DayLine.objects.filter(declared_line__isnull=False).exists()


def test_0553_without_vpt_indication(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        client.indications.all().update(leveringsvorm="7")  # MPT, not VPT
        days(org, client, *MARCH)
        declaration = build(org, user)
        assert blocking(declaration) == [("0553", 1)]
        assert "no VPT indication" in declaration.validation[0]["message"]
        assert_blocked(declaration, user)


def test_0553_indication_ends_inside_the_period(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        client.indications.update(valid_to=D(2026, 3, 20))
        days(org, client, *MARCH)
        declaration = build(org, user)
        assert blocking(declaration) == [("0553", 1)]
        assert "Not every day" in declaration.validation[0]["message"]


def test_0553_without_start_of_care_notification(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org, notified=False)
    late = in_care(org, notified=False)
    CareNotificationFactory(organization=org, client=late, kind="start", date=D(2026, 3, 5))
    with tenant_scope(org):
        days(org, client, *MARCH)
        days(org, late, *MARCH)
        declaration = build(org, user)
        assert sorted(blocking(declaration)) == [("0553", 1), ("0553", 2)]
        assert any("start-of-care notification" in f["message"] for f in declaration.validation)
        assert_blocked(declaration, user)


def test_0553_end_of_care_before_the_end_and_unsent_start_is_a_remark(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org, notified=False)
    CareNotificationFactory(organization=org, client=client, kind="start", date=D(2026, 1, 1))  # to send
    with tenant_scope(org):
        days(org, client, *MARCH)
        declaration = build(org, user)
        findings = declaration_validate(declaration)
        assert [(f.code, f.blocking) for f in findings] == [("0553", False)]
    CareNotificationFactory(organization=org, client=client, kind="end", date=D(2026, 3, 20), reason="19")
    with tenant_scope(org):
        assert blocking(declaration) == [("0553", 1)]


def test_0611_tariff_differs_from_the_contract(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH, amount=Decimal("224.80"))  # the NZa maximum, not the contracted 96.5 %
        declaration = build(org, user)
        assert blocking(declaration) == [("0611", 1)]
        assert "€ 216.93" in declaration.validation[0]["message"]
        assert_blocked(declaration, user)


def test_1113_prestatiecode_of_another_profile(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH, code="V755B", amount=CONTRACTED_755)
        declaration = build(org, user)
        assert blocking(declaration) == [("1113", 1)]
        days(org, client, D(2026, 2, 1), D(2026, 2, 1), code="NOPE")
        declaration = build(org, user)
        assert ("1113", 1) in blocking(declaration)
        assert_blocked(declaration, user)


def test_8004_bsn_and_date_of_birth(org, user):  # noqa: ANN001
    computed(org)
    bad_bsn = in_care(org, bsn="123456789", last_name="Aalders")  # fails the elfproef
    born_late = in_care(org, date_of_birth=D(2026, 3, 15), last_name="Bakker")
    with tenant_scope(org):
        days(org, bad_bsn, *MARCH)
        days(org, born_late, *MARCH)
        declaration = build(org, user)
        assert blocking(declaration) == [("8004", 1), ("8004", 2)]
        messages = [f["message"] for f in declaration.validation]
        assert "elfproef" in messages[0] and "date of birth is not before" in messages[1]
        assert_blocked(declaration, user)


def test_reconciliation_of_totals_and_days(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH)
        declaration = build(org, user)
        assert blocking(declaration) == []
        Declaration.objects.filter(pk=declaration.pk).update(total_debit=Decimal("1.00"))
        DeclarationLine.objects.filter(declaration=declaration).update(days=30)
        declaration.refresh_from_db()
        codes = blocking(declaration)
        assert ("RECON", None) in codes and ("RECON", 1) in codes
        # (Submitting makes the plan again first: a tampered draft is refused as out of date.)
        assert_blocked(declaration, user, match="out of date")


# --------------------------------------------------------------------------- the answer


def test_rejected_lines_are_released_and_declared_again(org, user):  # noqa: ANN001
    computed(org)
    anna, bert = in_care(org, last_name="Aalders"), in_care(org, last_name="Bakker")
    with tenant_scope(org):
        days(org, anna, *MARCH)
        days(org, bert, *MARCH)
        march = submit(org, user)
        rejected = march.lines.get(client=bert)
        declaration_record_answer(march, rejections={rejected.pk: ("0553", "geen toewijzing")}, user=user)
        march.refresh_from_db()
        rejected.refresh_from_db()
        assert march.status == Declaration.Status.PARTLY_REJECTED and march.answered_at
        assert (rejected.status, rejected.return_code, rejected.return_reason, rejected.released) == (
            "rejected", "0553", "geen toewijzing", True)
        assert march.lines.get(client=anna).status == "accepted"
        assert not DayLine.objects.filter(client=bert, declared_line__isnull=False).exists()
        assert DayLine.objects.filter(client=anna, declared_line__isnull=False).count() == 31
        with pytest.raises(ValidationError, match="only be recorded once"):
            declaration_record_answer(march, rejections={}, user=user)
        # April declares Bert's March again (the cause is solved), and nothing of Anna.
        days(org, anna, D(2026, 4, 1), D(2026, 4, 30))
        april = submit(org, user, 2026, 4)
        assert line_tuples(april) == [
            (anna.pk, "D", D(2026, 4, 1), D(2026, 4, 30), 30, CONTRACTED, Decimal("6507.90")),
            (bert.pk, "D", D(2026, 3, 1), D(2026, 3, 31), 31, CONTRACTED, Decimal("6724.83")),
        ]
        declaration_record_answer(april, rejections={}, user=user)
        april.refresh_from_db()
        assert april.status == Declaration.Status.ACCEPTED
        assert set(april.lines.values_list("status", flat=True)) == {"accepted"}


def test_answer_is_checked(org, user):  # noqa: ANN001
    computed(org)
    client = in_care(org)
    with tenant_scope(org):
        days(org, client, *MARCH)
        draft = build(org, user)
        with pytest.raises(ValidationError, match="submitted declaration"):
            declaration_record_answer(draft, rejections={}, user=user)
        declaration_validate(draft)
        declaration_submit(draft, user=user)
        line = draft.lines.get()
        with pytest.raises(ValidationError, match="4 digits"):
            declaration_record_answer(draft, rejections={line.pk: ("61", "")}, user=user)
        with pytest.raises(ValidationError, match="not part of the declaration"):
            declaration_record_answer(draft, rejections={line.pk + 999: ("0611", "")}, user=user)
        draft.refresh_from_db()
        assert draft.status == Declaration.Status.SUBMITTED


# --------------------------------------------------------------------------- deadline


def test_easter_and_holidays():
    assert [easter_sunday(y) for y in (2000, 2024, 2025, 2026, 2027, 2038)] == [
        D(2000, 4, 23), D(2024, 3, 31), D(2025, 4, 20), D(2026, 4, 5), D(2027, 3, 28), D(2038, 4, 25)]
    assert dutch_public_holidays(2026) == {
        D(2026, 1, 1), D(2026, 4, 6), D(2026, 4, 27), D(2026, 5, 5), D(2026, 5, 14), D(2026, 5, 25),
        D(2026, 12, 25), D(2026, 12, 26)}
    assert D(2025, 4, 26) in dutch_public_holidays(2025)  # King's Day on Saturday: 27 April 2025 is a Sunday
    assert D(2025, 4, 27) not in dutch_public_holidays(2025)


@pytest.mark.parametrize("year,month,deadline", [
    (2026, 3, D(2026, 4, 24)),   # Easter Monday 6 April skipped (Good Friday counts)
    (2026, 4, D(2026, 5, 28)),   # Liberation Day, Ascension Day and Whit Monday skipped
    (2025, 3, D(2025, 4, 24)),   # Easter Monday 21 April 2025 (King's Day falls on a Saturday)
    (2025, 12, D(2026, 1, 26)),  # New Year's Day
    (2026, 6, D(2026, 7, 23)),   # no holiday: 17 weekdays
])
def test_deadline_is_17_working_days_after_the_month(year, month, deadline):  # noqa: ANN001
    assert declaration_deadline(year, month) == deadline


# --------------------------------------------------------------------------- AW319 and CSV


@pytest.fixture
def official_z754(db):  # noqa: ANN001, ANN201
    """An official row with a code that fits AW319 (the illustrative codes are 10 long)."""
    return Tariff.objects.create(prestatiecode="Z754", description="VPT 5VV", component="base", zorgprofiel="754",
                                 with_behandeling=False, with_dagbesteding=True, amount=Decimal("224.80"),
                                 valid_from=D(2026, 1, 1), valid_to=D(2026, 12, 31), source="test",
                                 is_illustrative=False)


def test_aw319_file_counts_and_totals(org, user, official_z754):  # noqa: ANN001
    computed(org)
    anna = in_care(org, last_name="Aalders", first_name="Anna Maria", name_prefix="van", bsn=make_bsn(90001))
    bert = in_care(org, last_name="Bakker", bsn=make_bsn(90002))
    with tenant_scope(org):
        days(org, anna, *MARCH, code="Z754")
        days(org, bert, D(2026, 3, 1), D(2026, 3, 10), code="Z754")
        march = submit(org, user)
        with pytest.raises(ValidationError, match="once the declaration is submitted"):
            declaration_export(build(org, user, 2026, 4), fmt="aw319", user=user)
        DayLine.objects.filter(client=bert, day=D(2026, 3, 5)).update(superseded_at=timezone.now())
        days(org, anna, D(2026, 4, 1), D(2026, 4, 30), code="Z754")
        april = submit(org, user, 2026, 4)  # credits Bert's March line, debits 1-4 and 6-10 again
        export = declaration_export(april, fmt="aw319", user=user, today=D(2026, 5, 4))
        april_lines = april.lines.count()
    assert export.filename == f"AW319-{april.reference}.txt"
    text = export.content.decode("ascii")
    assert text.endswith("\r\n") and all(len(r) == 310 for r in text.split("\r\n")[:-1])
    records = aw319.parse(export.content)
    kinds = [r["record"] for r in records]
    assert kinds == ["01", "02", "04", "02", "04", "04", "04", "99"]
    head, tail = records[0], records[-1]
    assert (head["ei_code"], head["version"], head["subversion"], head["message_kind"]) == ("187", "01", "03", "T")
    assert head["uzovi"] == "5518" and head["institution"] == org.agb_code
    assert head["invoice_number"].strip() == april.reference
    assert (head["period_begin"], head["period_end"]) == ("20260301", "20260430")
    prestaties = [r for r in records if r["record"] == "04"]
    insured = [r for r in records if r["record"] == "02"]
    assert int(tail["insured_records"]) == len(insured) == 2
    assert int(tail["prestatie_records"]) == len(prestaties) == april_lines == 4
    assert int(tail["detail_records"]) == len(records) - 2
    debit = sum(int(r["amount"]) for r in prestaties if r["debit_credit_1"] == "D")
    credit = sum(int(r["amount"]) for r in prestaties if r["debit_credit_1"] == "C")
    assert (debit, credit) == (int(april.total_debit * 100), int(april.total_credit * 100))
    assert int(tail["total_amount"]) == debit - credit and tail["debit_credit"] == "D"
    assert [r["detail_id"] for r in records[1:-1]] == [f"{i:012d}" for i in range(1, 7)]
    # Anna: her April line; Bert: credit of March and the days again.
    assert insured[0]["bsn"] == make_bsn(90001) and insured[0]["name_1"].strip() == "Aalders"
    assert insured[0]["prefix_1"].strip() == "van" and insured[0]["initials"].strip() == "AM"
    assert insured[0]["date_of_birth"] == "19400517" and insured[0]["postcode"] == "2511AB"
    first = prestaties[0]
    assert (first["bsn"], first["zorgprofiel"], first["prestatiecode"].strip(), first["begin"], first["end"]) == (
        make_bsn(90001), "754", "Z754", "20260401", "20260430")
    assert (first["units"], first["time_unit"], first["tariff"], first["amount"]) == (
        "0030", "01", "00021693", "00650790")
    credit_record = prestaties[1]
    with tenant_scope(org):
        old = march.lines.get(client=bert)
    assert credit_record["debit_credit_1"] == "C" and credit_record["corrected_reference"].strip() == old.reference
    assert credit_record["reference"].strip() == f"{april.reference}-00002"
    with tenant_scope(org):
        logged = set(AccessLog.objects.filter(action="export", object_id=str(april.pk)).values_list("client_id",
                                                                                                    flat=True))
    assert logged == {None, anna.pk, bert.pk}


def test_aw319_refuses_values_that_do_not_fit():
    with pytest.raises(aw319.AW319Error, match="prestatiecode"):
        aw319.format_record("04", {"prestatiecode": "VPT-754-ZD"})  # a code longer than the field
    with pytest.raises(aw319.AW319Error, match="digits"):
        aw319.format_record("04", {"tariff": "12.50"})
    with pytest.raises(aw319.AW319Error, match="holds 8 digits"):
        aw319.format_record("04", {"amount": 123456789})
    record = aw319.parse_record(aw319.format_record("02", {"name_1": aw319._Cut("Ç" + "x" * 40), "bsn": "123"}))
    assert record["name_1"] == "C" + "x" * 24 and record["bsn"] == "000000123"


def test_aw319_and_csv_export_with_the_illustrative_codes(org, user):  # noqa: ANN001
    """The illustrative table's codes fit the 5 positions of the AW319 prestatiecode."""
    computed(org)
    with tenant_scope(org):
        days(org, in_care(org), *MARCH)
        march = submit(org, user)
        records = aw319.parse(declaration_export(march, fmt="aw319", user=user).content)
        assert [r["prestatiecode"] for r in records if r["record"] == "04"] == ["V754B"]
        export = declaration_export(march, fmt="csv", user=user)
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeffLine;Reference;Client")
    assert f"{march.reference}-00001" in text and "216,93" in text and "6724,83" in text and "5VV" in text


# --------------------------------------------------------------------------- pages


@pytest.fixture
def march(org, user):  # noqa: ANN001, ANN201
    computed(org)
    with tenant_scope(org):
        days(org, in_care(org, last_name="Zwart"), *MARCH, code="Z754")
        return build(org, user)


def test_pages_as_finance_user(finance, march, official_z754):  # noqa: ANN001
    client = finance.client
    body = client.get(reverse("billing:declarations")).content.decode()
    assert march.reference in body and "Make declaration" in body and "24-04-2026" in body and "overdue" in body
    detail = reverse("billing:declaration_detail", args=[march.pk])
    body = client.get(detail).content.decode()
    assert "Zwart" in body and "Validate the declaration before you submit it." in body
    assert client.get(detail, {"q": "nobody"}, headers={"HX-Request": "true"}).content.decode().count("<html") == 0

    assert client.post(reverse("billing:declaration_validate", args=[march.pk])).status_code == 302
    body = client.get(detail).content.decode()
    assert 'name="confirm"' in body
    response = client.post(reverse("billing:declaration_submit", args=[march.pk]))  # without the confirmation
    assert response.status_code == 302
    with tenant_scope(march.organization):
        march.refresh_from_db()
    assert march.is_draft
    response = client.post(reverse("billing:declaration_submit", args=[march.pk]), {"confirm": "1"})
    with tenant_scope(march.organization):
        march.refresh_from_db()
    assert march.status == Declaration.Status.SUBMITTED

    aw = client.get(reverse("billing:declaration_aw319", args=[march.pk]))
    assert aw.status_code == 200 and aw["Content-Disposition"].endswith(f'AW319-{march.reference}.txt"')
    csv_response = client.get(reverse("billing:declaration_csv", args=[march.pk]))
    assert csv_response.status_code == 200 and "Zwart" in csv_response.content.decode()

    answer = reverse("billing:declaration_answer", args=[march.pk])
    assert client.get(answer).status_code == 200
    form = {"rejected-TOTAL_FORMS": "2", "rejected-INITIAL_FORMS": "0", "rejected-0-line": "7",
            "rejected-0-code": "0611", "rejected-1-line": "", "rejected-1-code": ""}
    response = client.post(answer, {**form, "confirm": "on"})
    assert response.status_code == 200 and "The declaration has no line 7." in response.content.decode()
    response = client.post(answer, {**form, "rejected-0-line": "1", "rejected-0-code": "other",
                                    "rejected-0-other_code": "12x"})
    assert "A return code has 4 digits." in response.content.decode()
    response = client.post(answer, {**form, "rejected-0-line": "1", "rejected-0-code": "other",
                                    "rejected-0-other_code": "9999", "rejected-0-reason": "onbekend", "confirm": "on"})
    assert response.status_code == 302
    with tenant_scope(march.organization):
        march.refresh_from_db()
    assert march.status == Declaration.Status.PARTLY_REJECTED
    body = client.get(detail).content.decode()
    assert "9999" in body and "onbekend" in body


def test_detail_shows_blocking_findings_in_red_and_no_submit(finance, march):  # noqa: ANN001
    # No NZa row for Z754 (the official_z754 fixture is not used): 1113 blocks.
    finance.client.post(reverse("billing:declaration_validate", args=[march.pk]))
    body = finance.client.get(reverse("billing:declaration_detail", args=[march.pk])).content.decode()
    assert "alert alert-error" in body and "1113" in body and "Prestatiecode Z754 is not in the NZa tariff table" in body
    assert "1 blocking finding prevents submitting." in body and 'name="confirm"' not in body
    response = finance.client.post(reverse("billing:declaration_submit", args=[march.pk]), {"confirm": "1"},
                                   follow=True)
    assert "cannot be submitted" in response.content.decode()


def test_make_a_declaration_through_the_page(finance, org, zorgkantoor):  # noqa: ANN001
    value, _label = month_choices()[0]
    year, month = map(int, value.split("-"))
    if year != 2026:
        ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=year)
    computed(org, last=D(year, month, 28) + dt.timedelta(days=10))
    with tenant_scope(org):
        days(org, in_care(org), D(year, month, 1), D(year, month, 5),
             contract=Contract.objects.get(organization=org, year=year))
    response = finance.client.post(reverse("billing:declaration_create"), {"month": value})
    with tenant_scope(org):
        declaration = Declaration.objects.get(organization=org)
        assert declaration.lines.count() == 1
    assert response.status_code == 302 and response.url == reverse("billing:declaration_detail",
                                                                    args=[declaration.pk])
    response = finance.client.post(reverse("billing:declaration_create"), {"month": "2001-01"}, follow=True)
    assert "Choose a month that has ended." in response.content.decode()


def test_another_tenant_gets_404_and_a_coach_403(march, admin_b, org, make_persona):  # noqa: ANN001
    detail = reverse("billing:declaration_detail", args=[march.pk])
    assert admin_b.client.get(detail).status_code == 404
    for name in ("declaration_validate", "declaration_submit", "declaration_rebuild"):
        assert admin_b.client.post(reverse(f"billing:{name}", args=[march.pk])).status_code == 404
    for name in ("declaration_aw319", "declaration_csv", "declaration_answer"):
        assert admin_b.client.get(reverse(f"billing:{name}", args=[march.pk])).status_code == 404
    assert march.reference not in admin_b.client.get(reverse("billing:declarations")).content.decode()
    coach = make_persona(org, Role.CLIENT_COACH)
    assert coach.client.get(reverse("billing:declarations")).status_code == 403
    assert coach.client.get(detail).status_code == 403
    assert coach.client.post(reverse("billing:declaration_submit", args=[march.pk]), {"confirm": "1"}).status_code == 403
    zk_admin = make_persona(march.zorgkantoor, Role.ADMIN)
    assert zk_admin.client.get(reverse("billing:declarations")).status_code == 403
