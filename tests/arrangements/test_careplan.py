"""Care-plan deadlines, evaluations and the mantelzorg task division (services and selector)."""

from __future__ import annotations

import datetime
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrangements import careplan
from arrangements.models import Arrangement, CarePlanPolicy, Evaluation, TaskAgreement
from arrangements.services.evaluations import evaluation_record
from arrangements.services.tasks import task_add, task_remove, task_update
from clients.models import Client
from tests.factories import (
    ArrangementFactory,
    CarePlanPolicyFactory,
    ClientFactory,
    EvaluationFactory,
    NetworkMemberFactory,
    TaskAgreementFactory,
    TeamFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

TODAY = date(2026, 6, 1)
DEFAULT = CarePlanPolicy()  # 42 days, 6 months


def in_care(org, *, care_start: date, team=None, **kwargs) -> Client:  # noqa: ANN001
    team = team or TeamFactory(organization=org)
    return ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE, care_start=care_start, **kwargs)


def active(client: Client, *, agreed_on: date | None, version: int = 1, valid_from: date | None = None) -> Arrangement:
    return ArrangementFactory(
        organization=client.organization, client=client, version=version, status=Arrangement.Status.ACTIVE,
        valid_from=valid_from or client.care_start, agreed_on=agreed_on,
    )


# --- pure functions -----------------------------------------------------------------------


def test_plan_is_due_42_days_after_the_start_of_care():
    assert careplan.plan_due(None, agreed_on=None, care_start=date(2026, 1, 1), policy=DEFAULT) == date(2026, 2, 12)
    assert careplan.plan_due(None, agreed_on=date(2026, 1, 20), care_start=date(2026, 1, 1), policy=DEFAULT) is None
    assert careplan.plan_due(None, agreed_on=None, care_start=None, policy=DEFAULT) is None
    strict = CarePlanPolicy(agree_within_days=28)
    assert careplan.plan_due(None, agreed_on=None, care_start=date(2026, 1, 1), policy=strict) == date(2026, 1, 29)


def test_plan_due_takes_the_start_of_care_from_the_client():
    client = Client(care_start=date(2026, 3, 1))
    assert careplan.plan_due(client, agreed_on=None, policy=DEFAULT) == date(2026, 4, 12)


def test_evaluation_is_due_six_months_after_agreement_then_after_the_last_evaluation():
    due = careplan.next_evaluation_due
    assert due(agreed_on=date(2026, 1, 15), last_evaluation=None, policy=DEFAULT) == date(2026, 7, 15)
    assert due(agreed_on=date(2026, 1, 15), last_evaluation=date(2026, 7, 10), policy=DEFAULT) == date(2027, 1, 10)
    # A new version agreed after the last evaluation restarts the count.
    assert due(agreed_on=date(2026, 9, 1), last_evaluation=date(2026, 7, 10), policy=DEFAULT) == date(2027, 3, 1)
    assert due(agreed_on=None, last_evaluation=None, policy=DEFAULT) is None
    assert due(agreed_on=date(2026, 1, 15), last_evaluation=None, policy=CarePlanPolicy(evaluate_every_months=3)) == date(2026, 4, 15)
    evaluation = Evaluation(held_on=date(2026, 2, 1))
    assert due(agreed_on=date(2026, 1, 15), last_evaluation=evaluation, policy=DEFAULT) == date(2026, 8, 1)


@pytest.mark.parametrize(
    "start,months,expected",
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 7, 31), 18, date(2028, 1, 31)),
    ],
)
def test_month_arithmetic_clamps_to_the_end_of_the_month(start, months, expected):  # noqa: ANN001
    assert careplan.add_months(start, months) == expected
    assert careplan.next_evaluation_due(
        agreed_on=start, last_evaluation=None, policy=CarePlanPolicy(evaluate_every_months=months)
    ) == expected


@pytest.mark.parametrize(
    "offset,expected",
    [(-30, "overdue"), (-1, "overdue"), (0, "due_soon"), (14, "due_soon"), (15, "ok"), (90, "ok")],
)
def test_status_around_today(offset, expected):  # noqa: ANN001
    assert careplan.status(TODAY + timedelta(days=offset), TODAY) == expected


def test_policy_defaults_without_a_row_and_the_row_when_there_is_one(org_a, org_b):  # noqa: ANN001
    CarePlanPolicyFactory(organization=org_b, agree_within_days=30, evaluate_every_months=12)
    with tenant_scope(org_a):
        policy = careplan.policy_for(org_a)
        assert (policy.agree_within_days, policy.evaluate_every_months, policy.pk) == (42, 6, None)
    with tenant_scope(org_b):
        policy = careplan.policy_for(org_b)
        assert (policy.agree_within_days, policy.evaluate_every_months) == (30, 12)


# --- the deadlines selector ----------------------------------------------------------------


def test_deadlines_list_overdue_and_upcoming_not_fine_clients(org_a, org_b, admin_a):  # noqa: ANN001
    team = TeamFactory(organization=org_a)
    late = in_care(org_a, team=team, care_start=TODAY - timedelta(days=60), last_name="Laat")  # plan due 60-42 days ago
    soon = in_care(org_a, team=team, care_start=TODAY - timedelta(days=35), last_name="Binnenkort")  # plan in 7 days
    fine = in_care(org_a, team=team, care_start=date(2026, 1, 1), last_name="Goed")
    active(fine, agreed_on=date(2026, 2, 1))  # evaluation due 1 Aug: beyond 30 days
    evaluated = in_care(org_a, team=team, care_start=date(2025, 6, 1), last_name="Geevalueerd")
    arrangement = active(evaluated, agreed_on=date(2025, 7, 1))
    EvaluationFactory(organization=org_a, client=evaluated, arrangement=arrangement, held_on=date(2025, 12, 20))  # due 20 Jun
    never = in_care(org_a, team=team, care_start=date(2025, 1, 1), last_name="Onbesproken")
    active(never, agreed_on=None)  # active but never agreed: the plan is overdue
    ClientFactory(organization=org_a, primary_team=team, last_name="Intake")  # not in care: no deadlines
    in_care(org_b, care_start=TODAY - timedelta(days=100), last_name="Ander")

    with tenant_scope(org_a):
        result = careplan.careplan_deadlines(membership=admin_a.membership, today=TODAY)

    overdue = [(d.client.last_name, d.kind, d.due) for d in result.overdue]
    upcoming = [(d.client.last_name, d.kind, d.due, d.status) for d in result.upcoming]
    assert overdue == [
        ("Onbesproken", "plan", date(2025, 2, 12)),
        ("Laat", "plan", TODAY - timedelta(days=18)),
    ]
    assert result.overdue[1].days_late == 18
    assert upcoming == [
        ("Binnenkort", "plan", TODAY + timedelta(days=7), "due_soon"),
        ("Geevalueerd", "evaluation", date(2026, 6, 20), "ok"),
    ]
    names = {d.client.last_name for d in result.all}
    assert "Goed" not in names and "Intake" not in names and "Ander" not in names
    assert {late.pk, soon.pk} <= {d.client.pk for d in result.all}


def test_team_manager_sees_deadlines_of_their_own_teams_only(org_a, make_persona):  # noqa: ANN001
    north, south = TeamFactory(organization=org_a), TeamFactory(organization=org_a)
    manager = make_persona(org_a, Role.TEAM_MANAGER)
    north.members.add(manager.membership)
    in_care(org_a, team=north, care_start=TODAY - timedelta(days=60), last_name="Noord")
    in_care(org_a, team=south, care_start=TODAY - timedelta(days=60), last_name="Zuid")
    with tenant_scope(org_a):
        result = careplan.careplan_deadlines(membership=manager.membership, today=TODAY)
    assert [d.client.last_name for d in result.all] == ["Noord"]


def _deadline_queries(org, membership, n: int) -> tuple[int, int]:  # noqa: ANN001
    team = TeamFactory(organization=org)
    for i in range(n):
        client = in_care(org, team=team, care_start=date(2025, 1, 1))
        arrangement = active(client, agreed_on=date(2025, 2, 1) if i % 2 else None)
        EvaluationFactory(organization=org, client=client, arrangement=arrangement, held_on=date(2025, 12, 1 + i % 20))
    with tenant_scope(org):
        with CaptureQueriesContext(connection) as ctx:
            result = careplan.careplan_deadlines(membership=membership, today=TODAY)
        assert len(result.all) >= n
    return len(ctx.captured_queries), len(result.all)


def test_deadlines_take_a_constant_number_of_queries(org_a, org_b, admin_a, admin_b):  # noqa: ANN001
    few, listed_few = _deadline_queries(org_a, admin_a.membership, 3)
    many, listed_many = _deadline_queries(org_b, admin_b.membership, 15)
    assert listed_many > listed_few
    assert few == many == 2  # the policy, the annotated clients


# --- evaluations ----------------------------------------------------------------------------


def test_evaluation_needs_an_active_arrangement(org_a, admin_a):  # noqa: ANN001
    client = in_care(org_a, care_start=date(2026, 1, 1))
    ArrangementFactory(organization=org_a, client=client)  # a draft only
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        evaluation_record(acting=admin_a.membership, client=client, held_on=date(2026, 3, 1), participants="cliënt",
                          conclusions="-", outcome=Evaluation.Outcome.NO_CHANGE)
    assert exc.value.code == "no_active_arrangement"


def test_evaluation_rules(org_a, admin_a):  # noqa: ANN001
    client = in_care(org_a, care_start=date(2026, 1, 1))
    other = in_care(org_a, care_start=date(2026, 1, 1))
    v1 = active(client, agreed_on=date(2026, 1, 10))
    v2 = ArrangementFactory(organization=org_a, client=client, version=2, valid_from=date(2026, 7, 1))
    foreign = ArrangementFactory(organization=org_a, client=other, version=2)
    base = {"acting": admin_a.membership, "client": client, "participants": "cliënt, dochter",
            "conclusions": "Meer hulp bij het ontbijt."}
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as exc:
            evaluation_record(**base, held_on=datetime.date.today() + timedelta(days=1), outcome=Evaluation.Outcome.NO_CHANGE)
        assert "held_on" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            evaluation_record(**base, held_on=date(2026, 5, 1), outcome=Evaluation.Outcome.NEW_VERSION)
        assert "new_arrangement" in exc.value.error_dict
        with pytest.raises(ValidationError):
            evaluation_record(**base, held_on=date(2026, 5, 1), outcome=Evaluation.Outcome.NEW_VERSION, new_arrangement=foreign)
        with pytest.raises(ValidationError):
            evaluation_record(**base, held_on=date(2026, 5, 1), outcome=Evaluation.Outcome.NEW_VERSION, new_arrangement=v1)
        with pytest.raises(ValidationError):
            evaluation_record(**base, held_on=date(2026, 5, 1), outcome=Evaluation.Outcome.NO_CHANGE, new_arrangement=v2)

        evaluation = evaluation_record(**base, held_on=date(2026, 5, 1), outcome=Evaluation.Outcome.NEW_VERSION,
                                       new_arrangement=v2)
        assert (evaluation.arrangement, evaluation.new_arrangement, evaluation.recorded_by) == (v1, v2, admin_a.user)
        plain = evaluation_record(**base, held_on=date(2026, 5, 2), outcome=Evaluation.Outcome.NO_CHANGE)
        assert plain.arrangement == v1 and plain.new_arrangement is None
        assert AccessLog.objects.filter(client_id=client.pk, action=AccessLog.Action.CREATE,
                                        object_type="arrangements.evaluation").count() == 2


# --- task division --------------------------------------------------------------------------


def test_task_rules(org_a, admin_a):  # noqa: ANN001
    client = in_care(org_a, care_start=date(2026, 1, 1))
    other = in_care(org_a, care_start=date(2026, 1, 1))
    daughter = NetworkMemberFactory(organization=org_a, client=client, name="Dochter")
    neighbour_of_other = NetworkMemberFactory(organization=org_a, client=other, name="Buurman")
    draft = ArrangementFactory(organization=org_a, client=client, version=2)
    acting = admin_a.membership
    with tenant_scope(org_a):
        task = task_add(acting=acting, arrangement=draft, task="Was doen", done_by=TaskAgreement.DoneBy.NETWORK,
                        network_member=daughter, frequency="wekelijks")
        assert task.network_member == daughter

        with pytest.raises(ValidationError) as exc:
            task_add(acting=acting, arrangement=draft, task="Boodschappen", done_by=TaskAgreement.DoneBy.NETWORK,
                     network_member=neighbour_of_other)
        assert "network_member" in exc.value.error_dict
        with pytest.raises(ValidationError) as exc:
            task_add(acting=acting, arrangement=draft, task="Boodschappen", done_by=TaskAgreement.DoneBy.NETWORK)
        assert "network_member" in exc.value.error_dict

        # For the client or the team no member is kept.
        team_task = task_add(acting=acting, arrangement=draft, task="Douchen", done_by=TaskAgreement.DoneBy.TEAM,
                             network_member=daughter)
        assert team_task.network_member is None

        task_update(acting=acting, agreement=task, task="Was en strijken", done_by=TaskAgreement.DoneBy.NETWORK,
                    network_member=daughter, frequency="2× per week")
        task.refresh_from_db()
        assert (task.task, task.frequency) == ("Was en strijken", "2× per week")
        with pytest.raises(ValidationError):
            task_update(acting=acting, agreement=task, task="x", done_by=TaskAgreement.DoneBy.NETWORK,
                        network_member=neighbour_of_other)

        task_remove(acting=acting, agreement=team_task)
        assert list(TaskAgreement.objects.filter(arrangement=draft)) == [task]
        assert AccessLog.objects.filter(client_id=client.pk, object_type="arrangements.taskagreement").count() == 4


def test_tasks_of_an_active_arrangement_are_history(org_a, admin_a):  # noqa: ANN001
    client = in_care(org_a, care_start=date(2026, 1, 1))
    agreed = active(client, agreed_on=date(2026, 1, 5))
    existing = TaskAgreementFactory(organization=org_a, arrangement=agreed)
    acting = admin_a.membership
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as exc:
            task_add(acting=acting, arrangement=agreed, task="Ontbijt", done_by=TaskAgreement.DoneBy.CLIENT)
        assert exc.value.code == "not_a_draft"
        with pytest.raises(ValidationError) as exc:
            task_update(acting=acting, agreement=existing, task="Ontbijt", done_by=TaskAgreement.DoneBy.CLIENT)
        assert exc.value.code == "not_a_draft"
        with pytest.raises(ValidationError) as exc:
            task_remove(acting=acting, agreement=existing)
        assert exc.value.code == "not_a_draft"
        assert TaskAgreement.objects.filter(pk=existing.pk).exists()


def test_client_arrangement_page_shows_the_care_plan_deadline(db, make_persona):  # noqa: ANN001
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from tests.factories import ClientFactory, OrganizationFactory

    org = OrganizationFactory()
    admin = make_persona(org, "admin")
    start = timezone.localdate() - datetime.timedelta(days=60)
    client = ClientFactory(organization=org, status="in_care", care_start=start)
    body = admin.client.get(reverse("arrangements:detail", args=[client.pk])).content.decode()
    assert 'data-testid="careplan-deadlines"' in body
    assert (start + datetime.timedelta(days=42)).strftime("%d-%m-%Y") in body
