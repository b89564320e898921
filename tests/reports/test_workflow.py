"""The review state machine (reports/services.py TRANSITIONS), through the services as the
pages call them: who may act, from which status, what is frozen and what is logged."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reports import services
from reports.models import ProviderReport, ReportEvent, ReportVersion
from tests.factories import (
    ContractFactory,
    DailyRunFactory,
    MembershipFactory,
    ProviderReportFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

S, A = ProviderReport.Status, ReportEvent.Action


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """The messages are asserted in the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def parties(org_a):  # noqa: ANN001, ANN201
    zk = ZorgkantoorFactory()
    contract = ContractFactory(organization=org_a, zorgkantoor=zk, year=2026)
    # The daily run has computed through the end of Q2 2026.
    DailyRunFactory(organization=org_a, first_day=datetime.date(2026, 1, 1), last_day=datetime.date(2026, 9, 30))
    return {
        "finance": MembershipFactory(organization=org_a, role=Role.FINANCE, user__first_name="Fien",
                                     user__last_name="Financien"),
        "reviewer": MembershipFactory(organization=zk, role=Role.ZK_REVIEWER, user__first_name="Rob",
                                      user__last_name="Beoordelaar"),
        "other_reviewer": MembershipFactory(organization=ZorgkantoorFactory(), role=Role.ZK_REVIEWER),
        "draft": ProviderReportFactory(organization=org_a, contract=contract, quarter=2, status=S.DRAFT,
                                       submitted_at=None),
        "zk": zk,
        "org": org_a,
    }


def as_provider(parties, fn, **kwargs):  # noqa: ANN001, ANN003, ANN201
    with tenant_scope(parties["org"]):
        return fn(acting=parties["finance"], **kwargs)


def as_reviewer(parties, fn, who="reviewer", **kwargs):  # noqa: ANN001, ANN003, ANN201
    with tenant_scope(parties[who].organization):
        return fn(acting=parties[who], **kwargs)


def status_of(parties) -> str:  # noqa: ANN001
    with tenant_scope(parties["org"]):
        return ProviderReport.objects.get(pk=parties["draft"].pk).status


def events_of(parties) -> list[tuple[str, str, str]]:  # noqa: ANN001
    with tenant_scope(parties["org"]):
        return list(ReportEvent.objects.filter(report=parties["draft"]).values_list("action", "to_status", "side"))


def fresh(parties, side="zk") -> ProviderReport:  # noqa: ANN001
    """The report as the zorgkantoor (or provider) loads it for a request."""
    if side == "zk":
        with tenant_scope(parties["zk"]):
            return ProviderReport.funder_objects.get(pk=parties["draft"].pk)
    with tenant_scope(parties["org"]):
        return ProviderReport.objects.get(pk=parties["draft"].pk)


def submit(parties, **kwargs):  # noqa: ANN001, ANN003, ANN201
    return as_provider(parties, services.report_submit, report=parties["draft"], recompute=False, **kwargs)


def test_the_whole_review_round_trip(parties):  # noqa: ANN001
    v1 = submit(parties, message="Q2 zoals afgesproken")
    assert (v1.number, v1.message, v1.submitted_by_name) == (1, "Q2 zoals afgesproken", "Fien Financien")
    assert v1.figures_sha256 == services.fingerprint(v1.figures)
    assert v1.computed_through == datetime.date(2026, 9, 30) and v1.source_run_id is not None

    as_reviewer(parties, services.review_start, report=fresh(parties))
    as_reviewer(parties, services.review_request_clarification, report=fresh(parties), section="production",
                body="Waarom ligt de realisatie onder de afspraak?")
    assert status_of(parties) == S.CLARIFICATION

    # The provider must answer before resubmitting.
    with pytest.raises(ValidationError, match="Answer every comment"):
        as_provider(parties, services.report_resubmit, report=fresh(parties, "provider"), message="zie antwoord")
    with tenant_scope(parties["org"]):
        question = services.unanswered_comments(parties["draft"])[0]
    as_provider(parties, services.comment_answer, report=fresh(parties, "provider"), comment=question,
                body="Twee cliënten verhuisden naar een verpleeghuis.")
    with pytest.raises(ValidationError, match="already been answered"):
        as_provider(parties, services.comment_answer, report=fresh(parties, "provider"), comment=question, body="nog eens")
    with pytest.raises(ValidationError):
        as_provider(parties, services.report_resubmit, report=fresh(parties, "provider"), message="  ")
    v2 = as_provider(parties, services.report_resubmit, report=fresh(parties, "provider"), message="Toelichting gegeven")
    assert v2.number == 2 and v2.figures == v1.figures and v2.figures_sha256 == v1.figures_sha256

    as_reviewer(parties, services.review_start, report=fresh(parties))
    as_reviewer(parties, services.review_approve, report=fresh(parties), note="Akkoord")
    assert status_of(parties) == S.APPROVED
    assert events_of(parties) == [
        (A.SUBMITTED, S.SUBMITTED, "provider"),
        (A.REVIEW_STARTED, S.IN_REVIEW, "zorgkantoor"),
        (A.COMMENTED, "", "zorgkantoor"),
        (A.CLARIFICATION, S.CLARIFICATION, "zorgkantoor"),
        (A.ANSWERED, "", "provider"),
        (A.RESUBMITTED, S.RESUBMITTED, "provider"),
        (A.REVIEW_STARTED, S.IN_REVIEW, "zorgkantoor"),
        (A.APPROVED, S.APPROVED, "zorgkantoor"),
    ]
    # After approval the review is closed.
    with pytest.raises(ValidationError):
        as_reviewer(parties, services.comment_add, report=fresh(parties), section="general", body="nog iets")


@pytest.mark.parametrize("status,allowed", [
    (S.DRAFT, set()),
    (S.SUBMITTED, {A.REVIEW_STARTED}),
    (S.IN_REVIEW, {A.APPROVED, A.CLARIFICATION}),
    (S.CLARIFICATION, set()),
    (S.RESUBMITTED, {A.REVIEW_STARTED}),
    (S.APPROVED, set()),
])
def test_reviewer_actions_per_status(parties, status, allowed):  # noqa: ANN001
    report = parties["draft"]
    report.status = status
    assert {t.action for t in services.available_actions(report, "zorgkantoor")} == allowed
    provider = {t.action for t in services.available_actions(report, "provider")}
    assert provider == ({A.SUBMITTED} if status == S.DRAFT else {A.RESUBMITTED} if status == S.CLARIFICATION else set())


def test_a_transition_from_the_wrong_status_is_refused_and_changes_nothing(parties):  # noqa: ANN001
    submit(parties)
    with pytest.raises(ValidationError, match="not possible now"):
        as_reviewer(parties, services.review_approve, report=fresh(parties))
    with pytest.raises(ValidationError, match="Start the review"):
        as_reviewer(parties, services.review_request_clarification, report=fresh(parties), section="general",
                    body="?")
    with pytest.raises(ValidationError, match="already been submitted"):
        submit(parties)
    assert status_of(parties) == S.SUBMITTED
    assert [e[0] for e in events_of(parties)] == [A.SUBMITTED]


def test_two_reviewers_acting_at_once_cannot_both_move_the_report(parties):  # noqa: ANN001
    submit(parties)
    as_reviewer(parties, services.review_start, report=fresh(parties))
    stale = fresh(parties)  # loaded by the second reviewer before the first approves
    as_reviewer(parties, services.review_approve, report=fresh(parties))
    with pytest.raises(ValidationError, match="someone may have acted"):
        as_reviewer(parties, services.review_request_clarification, report=stale, section="general", body="?")
    assert status_of(parties) == S.APPROVED


def test_only_the_parties_of_the_report_act_on_it(parties):  # noqa: ANN001
    submit(parties)
    with pytest.raises(ValidationError, match="not yours"):
        as_reviewer(parties, services.review_start, report=fresh(parties), who="other_reviewer")
    with pytest.raises(ValidationError, match="not yours"):  # the provider cannot review its own report
        as_provider(parties, services.review_start, report=fresh(parties, "provider"))
    assert status_of(parties) == S.SUBMITTED


def test_submission_needs_an_ended_and_computed_period(parties, org_a):  # noqa: ANN001
    contract = parties["draft"].contract
    with tenant_scope(org_a):
        running = ProviderReportFactory(organization=org_a, contract=contract, quarter=4, status=S.DRAFT)
        problems = services.submission_problems(running, today=datetime.date(2026, 11, 23))
        assert problems[0] == "The period has not ended yet (it ends on 31-12-2026)."
        assert "computed through 30-09-2026" in problems[1]
        with pytest.raises(ValidationError):
            services.report_submit(acting=parties["finance"], report=running, recompute=False)
        assert ProviderReport.objects.get(pk=running.pk).status == S.DRAFT
        assert not ReportVersion.objects.filter(report=running).exists()


def test_comments_need_a_known_section_and_text(parties):  # noqa: ANN001
    submit(parties)
    with pytest.raises(ValidationError) as exc:
        as_reviewer(parties, services.comment_add, report=fresh(parties), section="salaries", body="x")
    assert "section" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        as_reviewer(parties, services.comment_add, report=fresh(parties), section="general", body="   ")
    assert "body" in exc.value.message_dict


def test_only_a_draft_is_deleted(parties):  # noqa: ANN001
    submit(parties)
    with pytest.raises(ValidationError, match="Only a draft"):
        as_provider(parties, services.report_delete, report=fresh(parties, "provider"))
    with tenant_scope(parties["org"]):
        assert ProviderReport.objects.filter(pk=parties["draft"].pk).exists()


@pytest.mark.parametrize("quarter", [2, None])
def test_the_database_holds_one_report_per_period(parties, quarter):  # noqa: ANN001
    from django.db import IntegrityError

    kind = ProviderReport.Kind.YEAR if quarter is None else ProviderReport.Kind.QUARTER
    contract = parties["draft"].contract
    if quarter is None:
        ProviderReportFactory(organization=parties["org"], contract=contract, kind=kind, quarter=None)
    with pytest.raises(IntegrityError):
        ProviderReportFactory(organization=parties["org"], contract=contract, kind=kind, quarter=quarter)
