"""Absences of a client: the NZa / VGZ limits (clients.absence_rules through the service)
and the absences tab (permissions, tenant and team isolation)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from clients import absence_rules, services
from clients.models import Absence
from tests.factories import AbsenceFactory, ClientFactory, TeamFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.rules import absence_rules as rules_on

H, A, R = Absence.Kind.HOLIDAY, Absence.Kind.ADMISSION, Absence.Kind.RESPITE
RULES = rules_on(date(2025, 1, 1))


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """The rule messages are asserted in their English source text (the UI default is Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def person(org_a):  # noqa: ANN001, ANN201
    return ClientFactory(organization=org_a)


def stay(org, client, kind, left: date, returned: date | None, **extra) -> Absence:  # noqa: ANN001
    """An absence put straight into the database (test setup, no rules)."""
    return AbsenceFactory(organization=org, client=client, kind=kind, left_on=left, returned_on=returned, **extra)


def save(persona, client, kind, left: date, returned: date | None, absence=None, **extra):  # noqa: ANN001, ANN201
    with tenant_scope(client.organization):
        return services.absence_save(acting=persona.membership, client=client, absence=absence, kind=kind,
                                     left_on=left, returned_on=returned, **extra)


def refused(persona, client, kind, left: date, returned: date | None, **extra) -> dict[str, list[str]]:  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(persona, client, kind, left, returned, **extra)
    return exc.value.message_dict


def all_messages(errors: dict[str, list[str]]) -> str:
    return " ".join(m for messages in errors.values() for m in messages)


def count_absences(client) -> int:  # noqa: ANN001
    with tenant_scope(client.organization):
        return Absence.objects.filter(client=client).count()


def test_limits_come_from_the_rules_data():
    assert (RULES.holiday_max_days_per_year, RULES.holiday_max_consecutive_days_without_consent) == (42, 14)
    assert (RULES.admission_max_consecutive_days, RULES.respite_max_nights_per_year) == (91, 156)
    assert RULES.respite_average_nights_per_week == 3


# --- dates and overlap ---------------------------------------------------------------------


@pytest.mark.parametrize("returned", [date(2025, 3, 9), date(2025, 3, 10)])
def test_returning_before_or_on_the_day_of_leaving_is_refused(admin_a, person, returned):  # noqa: ANN001
    errors = refused(admin_a, person, H, date(2025, 3, 10), returned)
    assert "returned_on" in errors
    assert count_absences(person) == 0


@pytest.mark.parametrize("left,returned", [
    (date(2025, 3, 7), date(2025, 3, 10)),   # starts inside
    (date(2025, 2, 20), date(2025, 3, 2)),   # ends inside
    (date(2025, 3, 2), date(2025, 3, 4)),    # wholly inside
    (date(2025, 2, 1), None),                # open-ended across it
])
def test_overlap_is_refused(org_a, admin_a, person, left, returned):  # noqa: ANN001
    stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    errors = refused(admin_a, person, R, left, returned)
    assert "overlaps" in " ".join(errors[NON_FIELD_ERRORS])
    assert count_absences(person) == 1


def test_overlap_with_an_open_ended_absence_is_refused(org_a, admin_a, person):  # noqa: ANN001
    stay(org_a, person, A, date(2025, 3, 1), None)
    refused(admin_a, person, H, date(2025, 6, 1), date(2025, 6, 5))


@pytest.mark.parametrize("left,returned", [(date(2025, 3, 8), date(2025, 3, 10)), (date(2025, 2, 20), date(2025, 3, 1))])
def test_back_to_back_absences_are_allowed(org_a, admin_a, person, left, returned):  # noqa: ANN001
    stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    save(admin_a, person, R, left, returned)
    assert count_absences(person) == 2


def test_changing_an_absence_does_not_overlap_itself_and_is_logged(org_a, admin_a, person):  # noqa: ANN001
    absence = stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    save(admin_a, person, H, date(2025, 3, 2), date(2025, 3, 9), absence=absence, note="later")
    with tenant_scope(org_a):
        absence.refresh_from_db()
        assert (absence.left_on, absence.note) == (date(2025, 3, 2), "later")
        assert AccessLog.objects.filter(action=AccessLog.Action.UPDATE, client_id=person.pk).count() == 1


def test_other_clients_absences_do_not_count(org_a, admin_a, person):  # noqa: ANN001
    stay(org_a, ClientFactory(organization=org_a), H, date(2025, 3, 1), date(2025, 3, 8))
    save(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 8))


# --- holiday: 42 days a year, 14 in a row without consent ------------------------------------


def _two_fortnights_in_2025(org, client) -> None:  # noqa: ANN001
    stay(org, client, H, date(2025, 1, 31), date(2025, 2, 15))  # Feb 1-14: 14 days
    stay(org, client, H, date(2025, 3, 31), date(2025, 4, 15))  # Apr 1-14: 14 days


def test_42_holiday_days_in_a_year_are_allowed(org_a, admin_a, person):  # noqa: ANN001
    _two_fortnights_in_2025(org_a, person)
    _absence, warnings = save(admin_a, person, H, date(2025, 5, 31), date(2025, 6, 15))  # 14 days -> 42
    assert warnings == []
    assert count_absences(person) == 3


def test_the_43rd_holiday_day_is_refused_naming_limit_year_and_count(org_a, admin_a, person):  # noqa: ANN001
    _two_fortnights_in_2025(org_a, person)
    stay(org_a, person, H, date(2025, 5, 31), date(2025, 6, 15))
    errors = refused(admin_a, person, H, date(2025, 8, 1), date(2025, 8, 3))  # Aug 2: day 43
    text = all_messages(errors)
    assert "42" in text and "2025" in text and "43" in text
    assert count_absences(person) == 3


def test_holiday_days_across_new_year_count_in_their_own_year(org_a, admin_a, person):  # noqa: ANN001
    # Dec 20 -> Jan 20: Dec 21-31 (11 days) in 2025, Jan 1-19 (19 days) in 2026.
    stay(org_a, person, H, date(2026, 2, 28), date(2026, 3, 26), zorgkantoor_consent="ZK-1")  # Mar 1-25: 25 days
    errors = refused(admin_a, person, H, date(2025, 12, 20), date(2026, 1, 20), zorgkantoor_consent="ZK-2")
    text = all_messages(errors)
    assert "2026" in text and "44" in text and "2025" not in text


def test_holiday_across_new_year_fits_when_each_year_stays_within_42(org_a, admin_a, person):  # noqa: ANN001
    stay(org_a, person, H, date(2026, 2, 28), date(2026, 3, 24), zorgkantoor_consent="ZK-1")  # Mar 1-23: 23 days
    stay(org_a, person, H, date(2025, 6, 1), date(2025, 7, 3), zorgkantoor_consent="ZK-1")  # Jun 2-Jul 2: 31 days
    save(admin_a, person, H, date(2025, 12, 20), date(2026, 1, 20), zorgkantoor_consent="ZK-2")  # 11 + 19 days
    with tenant_scope(org_a):
        absences = list(Absence.objects.filter(client=person))
    for year in (2025, 2026):
        assert absence_rules.year_totals(absences, year=year, today=date(2026, 12, 31)).holiday_days == 42


def test_14_holiday_days_in_a_row_need_no_consent(admin_a, person):  # noqa: ANN001
    save(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 16))  # Mar 2-15


def test_15_holiday_days_in_a_row_need_the_zorgkantoors_consent(admin_a, person):  # noqa: ANN001
    errors = refused(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 17))
    assert "zorgkantoor_consent" in errors and "15" in errors["zorgkantoor_consent"][0]
    assert count_absences(person) == 0
    save(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 17), zorgkantoor_consent="VGZ-2025-0042")
    assert count_absences(person) == 1


# --- admission: 91 days in a row, extension within them ------------------------------------


LEFT = date(2025, 1, 10)


def test_91_admission_days_are_allowed(admin_a, person):  # noqa: ANN001
    absence, _warnings = save(admin_a, person, A, LEFT, LEFT + timedelta(days=92))
    assert len(absence.absence_days()) == 91


def test_the_92nd_admission_day_needs_an_extension(admin_a, person):  # noqa: ANN001
    errors = refused(admin_a, person, A, LEFT, LEFT + timedelta(days=93))
    assert "extension_granted_on" in errors and "91" in errors["extension_granted_on"][0]
    assert count_absences(person) == 0


@pytest.mark.parametrize("granted_after", [1, 45, 91])
def test_an_extension_granted_within_the_91_days_allows_a_longer_admission(admin_a, person, granted_after):  # noqa: ANN001
    save(admin_a, person, A, LEFT, LEFT + timedelta(days=200), extension_granted_on=LEFT + timedelta(days=granted_after))
    assert count_absences(person) == 1


@pytest.mark.parametrize("granted_after", [0, 92, 120])
def test_an_extension_outside_the_91_days_is_refused(admin_a, person, granted_after):  # noqa: ANN001
    errors = refused(admin_a, person, A, LEFT, LEFT + timedelta(days=200),
                     extension_granted_on=LEFT + timedelta(days=granted_after))
    assert "within the first 91 days" in errors["extension_granted_on"][0]
    assert count_absences(person) == 0


def test_an_open_ended_admission_counts_up_to_today(admin_a, person):  # noqa: ANN001
    today = timezone.localdate()
    save(admin_a, person, A, today - timedelta(days=91), None)  # 90 days so far
    with tenant_scope(person.organization):
        Absence.objects.filter(client=person).delete()
    refused(admin_a, person, A, today - timedelta(days=93), None)  # 92 days so far


# --- respite: 156 nights a year, a warning above 3 a week ----------------------------------


def _nights_in_2025(org, client, nights: int) -> None:  # noqa: ANN001
    left = date(2025, 1, 6)
    stay(org, client, R, left, left + timedelta(days=nights))


def test_156_respite_nights_are_allowed(org_a, admin_a, person):  # noqa: ANN001
    _nights_in_2025(org_a, person, 153)
    save(admin_a, person, R, date(2025, 9, 1), date(2025, 9, 4))  # 3 nights -> 156
    assert count_absences(person) == 2


def test_the_157th_respite_night_is_refused_naming_limit_and_count(org_a, admin_a, person):  # noqa: ANN001
    _nights_in_2025(org_a, person, 153)
    errors = refused(admin_a, person, R, date(2025, 9, 1), date(2025, 9, 5))  # 4 nights -> 157
    text = all_messages(errors)
    assert "156" in text and "157" in text and "2025" in text
    assert count_absences(person) == 1


def test_a_respite_night_belongs_to_the_year_of_its_evening(org_a, admin_a, person):  # noqa: ANN001
    _nights_in_2025(org_a, person, 155)
    save(admin_a, person, R, date(2025, 12, 31), date(2026, 1, 2))  # Dec 31 -> 156 in 2025, Jan 1 in 2026
    with tenant_scope(org_a):
        Absence.objects.filter(client=person, left_on=date(2025, 12, 31)).delete()
    text = all_messages(refused(admin_a, person, R, date(2025, 12, 30), date(2026, 1, 2)))
    assert "157" in text and "2025" in text


def _week_warnings(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("Week")]


def test_four_respite_nights_in_one_week_give_a_warning_not_an_error(admin_a, person):  # noqa: ANN001
    _absence, warnings = save(admin_a, person, R, date(2025, 3, 3), date(2025, 3, 7))  # Mon-Thu evenings
    assert len(_week_warnings(warnings)) == 1
    assert "Week 10 of 2025" in warnings[0] and "4" in warnings[0] and "3" in warnings[0]
    assert count_absences(person) == 1


def test_three_respite_nights_in_a_week_give_no_warning(admin_a, person):  # noqa: ANN001
    _absence, warnings = save(admin_a, person, R, date(2025, 3, 3), date(2025, 3, 6))
    assert warnings == []


def test_weeks_are_iso_weeks_sunday_to_monday_splits_them(org_a, admin_a, person):  # noqa: ANN001
    # Fri Mar 7 -> Tue Mar 11: Fri, Sat, Sun in week 10, Mon in week 11.
    _absence, warnings = save(admin_a, person, R, date(2025, 3, 7), date(2025, 3, 11))
    assert warnings == []


def test_the_week_warning_counts_all_respite_stays_of_the_week(org_a, admin_a, person):  # noqa: ANN001
    stay(org_a, person, R, date(2025, 3, 3), date(2025, 3, 4))  # Monday night, week 10
    _absence, warnings = save(admin_a, person, R, date(2025, 3, 7), date(2025, 3, 11))
    assert len(warnings) == 1 and "Week 10 of 2025" in warnings[0]


def test_the_week_warning_uses_iso_weeks_across_new_year(admin_a, person):  # noqa: ANN001
    # Mon Dec 29 2025 is in ISO week 1 of 2026: Dec 29, 30, 31 and Jan 1 are four nights.
    _absence, warnings = save(admin_a, person, R, date(2025, 12, 29), date(2026, 1, 2))
    assert len(warnings) == 1 and "Week 1 of 2026" in warnings[0]


def test_no_week_warning_for_three_nights_across_new_year(admin_a, person):  # noqa: ANN001
    # Sat Dec 27, Sun Dec 28 (2025 week 52), Mon Dec 29 (2026 week 1).
    _absence, warnings = save(admin_a, person, R, date(2025, 12, 27), date(2025, 12, 30))
    assert warnings == []


# --- the first 14 days of care ----------------------------------------------------------------


def test_an_absence_in_the_first_14_days_of_care_gives_a_warning(org_a, admin_a):  # noqa: ANN001
    client = ClientFactory(organization=org_a, care_start=date(2025, 1, 1))
    _absence, warnings = save(admin_a, client, H, date(2025, 1, 13), date(2025, 1, 16))  # 13 days of VPT
    assert len(warnings) == 1 and "14" in warnings[0]
    _absence, warnings = save(admin_a, client, H, date(2025, 1, 20), date(2025, 1, 22))
    assert warnings == []


def test_after_14_days_of_care_there_is_no_warning(org_a, admin_a):  # noqa: ANN001
    client = ClientFactory(organization=org_a, care_start=date(2025, 1, 1))
    _absence, warnings = save(admin_a, client, R, date(2025, 1, 14), date(2025, 1, 16))  # Jan 1-14 in care
    assert warnings == []


# --- all or nothing and the access log --------------------------------------------------------


def test_nothing_is_saved_or_logged_on_error(org_a, admin_a, person):  # noqa: ANN001
    existing = stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    with tenant_scope(org_a):
        logs = AccessLog.objects.count()
    refused(admin_a, person, H, date(2025, 2, 1), date(2025, 3, 20))  # overlap and 15+ days without consent
    with pytest.raises(ValidationError):
        save(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 30), absence=existing)
    with tenant_scope(org_a):
        existing.refresh_from_db()
        assert existing.returned_on == date(2025, 3, 8)
        assert AccessLog.objects.count() == logs
    assert count_absences(person) == 1


def test_all_errors_are_reported_at_once(org_a, admin_a, person):  # noqa: ANN001
    stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    errors = refused(admin_a, person, H, date(2025, 2, 1), date(2025, 3, 20))
    assert NON_FIELD_ERRORS in errors and "zorgkantoor_consent" in errors


def test_create_and_delete_are_logged(admin_a, person):  # noqa: ANN001
    absence, _warnings = save(admin_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    with tenant_scope(person.organization):
        services.absence_delete(acting=admin_a.membership, absence=absence)
        actions = list(AccessLog.objects.filter(client_id=person.pk).values_list("action", flat=True))
    assert sorted(actions) == sorted([AccessLog.Action.CREATE, AccessLog.Action.DELETE])
    assert count_absences(person) == 0


# --- the tab ------------------------------------------------------------------------------------


@pytest.fixture
def coach(org_a, make_persona):  # noqa: ANN001, ANN201
    return make_persona(org_a, Role.CLIENT_COACH)


@pytest.fixture
def cared_for(org_a, coach):  # noqa: ANN001, ANN201
    team = TeamFactory(organization=org_a, members=[coach.membership])
    return ClientFactory(organization=org_a, primary_team=team)


def urls(client, absence) -> tuple[str, str, str]:  # noqa: ANN001
    return (
        reverse("clients:absences", args=[client.pk]),
        reverse("clients:absence_edit", args=[client.pk, absence.pk]),
        reverse("clients:absence_delete", args=[client.pk, absence.pk]),
    )


def form_data(kind: str, left: date, returned: date | None, **extra) -> dict:  # noqa: ANN003
    return {"kind": kind, "left_on": left.isoformat(), "returned_on": returned.isoformat() if returned else "",
            "zorgkantoor_consent": "", "extension_granted_on": "", "note": "", **extra}


def test_coach_of_the_team_sees_the_tab_with_totals_and_the_view_is_logged(org_a, coach, cared_for):  # noqa: ANN001
    stay(org_a, cared_for, R, date(2025, 3, 3), date(2025, 3, 6), note="Logeerhuis De Linde")
    response = coach.client.get(reverse("clients:absences", args=[cared_for.pk]))
    assert response.status_code == 200
    assert b"Logeerhuis De Linde" in response.content
    totals = response.context["totals"]
    assert (totals.holiday_limit, totals.respite_limit) == (42, 156)
    assert response.context["rows"][0][1] == 3
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, client_id=cared_for.pk,
                                        description="absences").exists()


def test_coach_of_the_team_adds_an_absence_and_sees_the_warning(org_a, coach, cared_for):  # noqa: ANN001
    url = reverse("clients:absences", args=[cared_for.pk])
    response = coach.client.post(url, form_data(R, date(2025, 3, 3), date(2025, 3, 7)))
    assert response.status_code == 302
    assert count_absences(cared_for) == 1
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    assert levels == ["success", "warning"]


def test_an_invalid_post_shows_the_rule_and_saves_nothing(org_a, coach, cared_for):  # noqa: ANN001
    url = reverse("clients:absences", args=[cared_for.pk])
    response = coach.client.post(url, form_data(H, date(2025, 3, 1), date(2025, 3, 20)))
    assert response.status_code == 200
    assert response.context["form"].errors["zorgkantoor_consent"]
    response = coach.client.post(url, form_data(H, date(2025, 3, 10), date(2025, 3, 9)))
    assert response.status_code == 200
    assert response.context["form"].errors["returned_on"]
    assert count_absences(cared_for) == 0


def test_coach_changes_and_removes_an_absence(org_a, coach, cared_for):  # noqa: ANN001
    absence = stay(org_a, cared_for, H, date(2025, 3, 1), date(2025, 3, 8))
    _tab, edit, delete = urls(cared_for, absence)
    assert coach.client.get(edit).status_code == 200
    response = coach.client.post(edit, form_data(H, date(2025, 3, 1), date(2025, 3, 10), note="verlengd"))
    assert response.status_code == 302
    with tenant_scope(org_a):
        absence.refresh_from_db()
    assert (absence.returned_on, absence.note) == (date(2025, 3, 10), "verlengd")
    assert coach.client.get(delete).status_code == 405
    assert coach.client.post(delete).status_code == 302
    assert count_absences(cared_for) == 0


def test_finance_sees_the_tab_but_cannot_change_it(org_a, make_persona, person):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    absence = stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    tab, edit, delete = urls(person, absence)
    response = finance.client.get(tab)
    assert response.status_code == 200 and response.context["form"] is None
    assert finance.client.post(tab, form_data(H, date(2025, 5, 1), date(2025, 5, 3))).status_code == 403
    assert finance.client.get(edit).status_code == 403
    assert finance.client.post(delete).status_code == 403
    assert count_absences(person) == 1


def _all_404(persona, client, absence) -> None:  # noqa: ANN001
    tab, edit, delete = urls(client, absence)
    assert persona.client.get(tab).status_code == 404
    assert persona.client.post(tab, form_data(H, date(2025, 5, 1), date(2025, 5, 3))).status_code == 404
    assert persona.client.get(edit).status_code == 404
    assert persona.client.post(edit, form_data(H, date(2025, 5, 1), date(2025, 5, 3))).status_code == 404
    assert persona.client.post(delete).status_code == 404


def test_an_admin_of_another_organisation_gets_404(org_a, admin_b, person):  # noqa: ANN001
    absence = stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    _all_404(admin_b, person, absence)
    assert count_absences(person) == 1


def test_a_coach_of_another_team_gets_404(org_a, make_persona, cared_for):  # noqa: ANN001
    other_coach = make_persona(org_a, Role.CLIENT_COACH)
    TeamFactory(organization=org_a, members=[other_coach.membership])
    absence = stay(org_a, cared_for, H, date(2025, 3, 1), date(2025, 3, 8))
    _all_404(other_coach, cared_for, absence)
    assert count_absences(cared_for) == 1


def test_an_absence_of_another_client_is_404_under_this_client(org_a, coach, cared_for, person):  # noqa: ANN001
    foreign = stay(org_a, person, H, date(2025, 3, 1), date(2025, 3, 8))
    _tab, edit, delete = urls(cared_for, foreign)
    assert coach.client.get(edit).status_code == 404
    assert coach.client.post(delete).status_code == 404


# --- the pure rule functions ------------------------------------------------------------------


def test_check_absence_is_pure_and_marks_fields():
    absence = Absence(kind=H, left_on=date(2025, 3, 1), returned_on=date(2025, 3, 17))
    errors, warnings = absence_rules.check_absence(absence, [], care_start=None, today=date(2025, 6, 1))
    assert [e.field for e in errors] == ["zorgkantoor_consent"] and warnings == []


def test_year_totals_split_days_and_nights_by_year():
    absences = [
        Absence(kind=H, left_on=date(2025, 12, 20), returned_on=date(2026, 1, 20)),
        Absence(kind=R, left_on=date(2025, 12, 30), returned_on=date(2026, 1, 3)),
    ]
    t2025 = absence_rules.year_totals(absences, year=2025, today=date(2026, 6, 1))
    t2026 = absence_rules.year_totals(absences, year=2026, today=date(2026, 6, 1))
    assert (t2025.holiday_days, t2025.respite_nights) == (11, 2)
    assert (t2026.holiday_days, t2026.respite_nights) == (19, 2)

