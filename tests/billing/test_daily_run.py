"""The daily run's behaviour: hand-computed figures for March 2026, idempotency, catching up
missed nights, one run per organisation at a time, retroactive changes recomputing exactly
their days, and corrections instead of edits once days are declared."""

from __future__ import annotations

import datetime
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum

from billing import daily, recompute
from billing.models import BudgetDay, DailyRun, DayLine
from clients.models import Absence
from clients.services import absences as absence_services
from tests.billing.daily_data import FIRST, LAST, build_scenarios
from tests.factories import DeclarationLineFactory
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db
D = datetime.date
MARCH = (D(2026, 3, 1), D(2026, 3, 31))


@pytest.fixture
def scenarios(regional, zorgkantoor, tariffs):  # noqa: ANN001, ANN201
    return build_scenarios(regional, zorgkantoor)


@pytest.fixture
def eager():  # noqa: ANN201
    """Tasks run in-process (the test settings have a real broker and no worker)."""
    from vpt.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def march(org, client, **filters):  # noqa: ANN001, ANN201, ANN003
    with tenant_scope(org):
        return DayLine.objects.filter(client=client, day__range=MARCH, superseded_at__isnull=True, **filters).aggregate(
            days=Count("pk"), amount=Sum("amount"))


def totals(org) -> dict:  # noqa: ANN001
    with tenant_scope(org):
        lines = DayLine.objects.filter(superseded_at__isnull=True).aggregate(
            n=Count("pk"), billable_days=Count("pk", filter=Q(billable=True)),
            amount=Sum("amount", filter=Q(billable=True)))
        budget = BudgetDay.objects.aggregate(n=Count("pk"), tariff=Sum("tariff"), planned=Sum("planned_cost"),
                                             realised=Sum("realised_cost"))
    return {**lines, **{f"budget_{k}": v for k, v in budget.items()}}


def test_march_2026_by_hand(regional, scenarios):  # noqa: ANN001
    run = daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN)
    assert run.status == DailyRun.Status.DONE and run.days == 31

    # Indication change on 15-03: 5VV without behandeling (no dagbesteding per arrangement v2)
    # at 96.5 % of 189.57 = 182.93505 -> 182.94 for 14 days; then 6VV with behandeling
    # (V755C) at the agreed amount of 240.00 for 17 days.
    c = scenarios["reindicated"]
    assert march(regional, c, prestatiecode="V754A") == {"days": 14, "amount": Decimal("2561.16")}
    assert march(regional, c, prestatiecode="V755C") == {"days": 17, "amount": Decimal("4080.00")}

    # Admission from 01-12-2025 (absence days from 02-12): day 91 is 02-03-2026; from 03-03
    # not billable without an extension. 4VV with dagbesteding: 96.5 % of 189.25 = 182.63.
    c = scenarios["admission"]
    assert march(regional, c, billable=True) == {"days": 2, "amount": Decimal("365.26")}
    assert march(regional, c, billable=False, reason="admission_limit")["days"] == 29
    # The same admission with an extension granted on day 81: every day billable.
    assert march(regional, scenarios["extended"], billable=True)["days"] == 31

    # Respite stays and "other" absences are billable: 31 × 96.5 % of 224.80 (216.93).
    c = scenarios["respite"]
    assert march(regional, c, billable=True) == {"days": 31, "amount": Decimal("6724.83")}
    assert march(regional, c, absence_kind=Absence.Kind.OTHER)["days"] == 1  # 11-03 only

    # Holiday 01-03..20-03 (absence days 02..19, with consent): 30 days used in January, so
    # the 42nd is 13-03 and 14..19-03 (6 days) are beyond the year's limit.
    c = scenarios["holiday"]
    assert march(regional, c, billable=False) == {"days": 6, "amount": Decimal("1301.58")}
    assert march(regional, c, reason="holiday_year_limit")["days"] == 6
    assert march(regional, c, billable=True) == {"days": 25, "amount": Decimal("5423.25")}

    # Care from 20-02-2026, admitted 25-02..05-03: within the first 14 days of VPT, so 01..04-03
    # are not billable; 6VV with dagbesteding at 96.5 % of 255.86 = 246.90 for the other 27.
    c = scenarios["new"]
    assert march(regional, c, reason="absence_first_days")["days"] == 4
    assert march(regional, c, billable=True) == {"days": 27, "amount": Decimal("6666.30")}

    # Ended care and lapsed indications: no lines; the lapsed client still costs money.
    assert march(regional, scenarios["ended"])["days"] == 0
    assert march(regional, scenarios["lapsed"])["days"] == 0
    with tenant_scope(regional):
        lapsed = BudgetDay.objects.filter(client=scenarios["lapsed"], day__range=MARCH)
        assert lapsed.count() == 31 and not lapsed.exclude(tariff=0).exists()
        assert not BudgetDay.objects.filter(client=scenarios["intake"]).exists()
    assert run.clients == 8 and run.client_days == 8 * 31  # all but the ended one


def test_running_a_day_twice_changes_nothing(regional, scenarios):  # noqa: ANN001
    first = daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN)
    before = totals(regional)
    with tenant_scope(regional):
        stamps = dict(DayLine.objects.values_list("pk", "computed_at"))
    again = daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN)
    assert first.lines_written == before["n"] and first.budget_days_written == before["budget_n"]
    assert (again.lines_written, again.budget_days_written, again.corrections) == (0, 0, 0)
    assert again.client_days == first.client_days
    assert totals(regional) == before
    with tenant_scope(regional):
        assert dict(DayLine.objects.values_list("pk", "computed_at")) == stamps  # not even rewritten


def test_the_python_engine_is_idempotent_too(regional, scenarios):  # noqa: ANN001
    daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN, engine="python")
    again = daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN, engine="python")
    assert (again.lines_written, again.budget_days_written) == (0, 0)


def test_the_nightly_run_catches_up_the_nights_it_missed(regional, scenarios, settings):  # noqa: ANN001
    settings.VPT_DAILY_RUN_BACKFILL_DAYS = 30
    # First run ever: back to the earliest start of care, at most 30 days.
    run = daily.run_nightly(regional, today=D(2026, 3, 1))
    assert (run.first_day, run.last_day) == (D(2026, 1, 30), D(2026, 2, 28))
    assert daily.computed_through(regional) == D(2026, 2, 28)
    assert daily.run_nightly(regional, today=D(2026, 3, 1)) is None  # nothing left to do
    # Three nights without a run: the next one does the three days.
    run = daily.run_nightly(regional, today=D(2026, 3, 5))
    assert (run.first_day, run.last_day, run.days) == (D(2026, 3, 1), D(2026, 3, 4), 4)
    before = totals(regional)
    # Identical to computing the whole period at once.
    with tenant_scope(regional):
        DayLine.objects.all().delete()
        BudgetDay.objects.all().delete()
    daily.run_days(regional, D(2026, 1, 30), D(2026, 3, 4), kind=DailyRun.Kind.RERUN)
    assert totals(regional) == before


def test_a_second_run_for_the_organisation_is_skipped_while_one_holds_the_lock(regional, scenarios):  # noqa: ANN001
    db = settings.DATABASES["default"]
    other = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"],
                            user=db["USER"], autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [daily.DAILY_RUN_LOCK, regional.pk])
        run = daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN)
        assert run.status == DailyRun.Status.SKIPPED
        assert totals(regional)["n"] == 0
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [daily.DAILY_RUN_LOCK, regional.pk])
        assert daily.execute(run).status == DailyRun.Status.SKIPPED  # a finished (skipped) run stays so
        assert daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN).status == DailyRun.Status.DONE
    finally:
        other.close()


def test_a_run_that_was_interrupted_is_marked_failed_by_the_next(regional, scenarios):  # noqa: ANN001
    with tenant_scope(regional):
        stale = DailyRun.objects.create(organization=regional, kind=DailyRun.Kind.NIGHTLY, first_day=MARCH[0],
                                        last_day=MARCH[1], status=DailyRun.Status.RUNNING)
    daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN)
    with tenant_scope(regional):
        stale.refresh_from_db()
    assert stale.status == DailyRun.Status.FAILED and stale.error and stale.finished_at is not None


def test_a_retroactive_absence_recomputes_exactly_its_days(
        regional, scenarios, make_persona, eager, django_capture_on_commit_callbacks):  # noqa: ANN001
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.NIGHTLY)
    c = scenarios["plain"]
    with tenant_scope(regional):
        stamps = dict(DayLine.objects.values_list("pk", "computed_at"))
    persona = make_persona(regional, Role.TEAM_MANAGER)
    # Admitted 01-01-2026, back 15-03-2026: absence days 02-01..14-03 (72, within the 91).
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(regional):
        absence_services.absence_save(acting=persona.membership, client=c, kind=Absence.Kind.ADMISSION,
                                      left_on=D(2026, 1, 1), returned_on=D(2026, 3, 15))
    with tenant_scope(regional):
        run = DailyRun.objects.filter(kind=DailyRun.Kind.RECOMPUTE).first()
        assert (run.first_day, run.last_day, run.client_ids, run.status) == (
            D(2026, 1, 2), D(2026, 3, 14), [c.pk], DailyRun.Status.DONE)
        assert run.client_days == 72 and run.lines_written == 72
        rewritten = {line.day for line in DayLine.objects.filter(superseded_at__isnull=True)
                     if stamps.get(line.pk) != line.computed_at}
        assert rewritten == {D(2026, 1, 2) + datetime.timedelta(days=i) for i in range(72)}
        assert DayLine.objects.filter(client=c, absence_kind=Absence.Kind.ADMISSION, billable=True).count() == 72
    # Back later, on 01-04: the days between both return dates change too (the union).
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(regional):
        absence = Absence.objects.filter(client=c).first()
        absence_services.absence_save(acting=persona.membership, client=c, absence=absence,
                                      returned_on=D(2026, 4, 1))
    with tenant_scope(regional):
        run = DailyRun.objects.filter(kind=DailyRun.Kind.RECOMPUTE).first()
        assert (run.first_day, run.last_day, run.lines_written) == (D(2026, 1, 2), D(2026, 3, 31), 17)
        assert DayLine.objects.filter(client=c, absence_kind=Absence.Kind.ADMISSION).count() == 89


def test_days_not_yet_computed_are_left_to_the_nightly_run(regional, scenarios):  # noqa: ANN001
    assert recompute.schedule_recompute(regional.pk, first=D(2026, 3, 1)) is None  # nothing computed yet
    daily.run_days(regional, *MARCH, kind=DailyRun.Kind.NIGHTLY)
    with tenant_scope(regional):
        assert recompute.schedule_recompute(regional.pk, first=D(2026, 4, 1)) is None
        run = recompute.schedule_recompute(regional.pk, first=D(2026, 3, 20), last=D(2026, 6, 1))
        assert (run.first_day, run.last_day, run.status) == (D(2026, 3, 20), D(2026, 3, 31), DailyRun.Status.QUEUED)


def test_declared_days_are_superseded_not_edited(regional, scenarios):  # noqa: ANN001
    daily.run_days(regional, *MARCH, kind=DailyRun.Kind.NIGHTLY)
    c = scenarios["respite"]
    with tenant_scope(regional):
        declared = DeclarationLineFactory(organization=regional, client=c, prestatiecode="V754B",
                                          tariff=Decimal("216.93"), days=31, amount=Decimal("6724.83"))
        DayLine.objects.filter(client=c, day__range=MARCH).update(declared_line=declared)
        originals = {line.pk: (line.day, line.amount, line.billable) for line in DayLine.objects.filter(client=c)}
    # A holiday recorded afterwards: 10-03 .. 30-03 without consent (absence days 11..29;
    # from the 15th in a row, 25-03, not billable).
    with tenant_scope(regional):
        Absence.objects.create(organization=regional, client=c, kind=Absence.Kind.HOLIDAY, left_on=D(2026, 3, 10),
                               returned_on=D(2026, 3, 30))
        Absence.objects.filter(client=c, kind=Absence.Kind.OTHER).delete()
    run = daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RECOMPUTE, client_ids=[c.pk])
    assert run.corrections == 5  # 25..29-03
    with tenant_scope(regional):
        old = DayLine.objects.filter(client=c, superseded_at__isnull=False)
        assert {line.pk: (line.day, line.amount, line.billable) for line in old} == {
            pk: v for pk, v in originals.items() if D(2026, 3, 25) <= v[0] <= D(2026, 3, 29)}
        assert all(line.declared_line_id == declared.pk for line in old)
        new = DayLine.objects.filter(client=c, superseded_at__isnull=True, day__range=(D(2026, 3, 25), D(2026, 3, 29)))
        assert new.count() == 5 and not new.filter(billable=True).exists()
        assert not new.exclude(declared_line=None).exists()
        # Days whose declared values did not change keep their line, untouched.
        kept = DayLine.objects.filter(client=c, superseded_at__isnull=True, declared_line=declared)
        assert kept.count() == 26
        assert all(originals[line.pk] == (line.day, line.amount, line.billable) for line in kept)
        # The holiday days within the limit are still declared as they were (absence kind not edited).
        assert kept.filter(absence_kind="").count() == 25  # 11-03 keeps its earlier "other" absence


def test_the_run_writes_no_query_per_client(regional, scenarios, django_assert_max_num_queries):  # noqa: ANN001
    """The SQL engine's statements per chunk do not depend on the number of clients."""
    assert connection.vendor == "postgresql"
    with django_assert_max_num_queries(45):
        daily.run_days(regional, *MARCH, kind=DailyRun.Kind.RERUN)
