"""Alarm KPIs per team and month: `alarm_kpis` against hand-computed figures, and the page
(/alarmen/rapportage/) with its CSV and PDF exports.

The dataset is October 2026 (a past month: the figures are final). Local times are
Europe/Amsterdam; in October 2026 summer time (UTC+2) runs until Sunday 25 October, so the
times below before the 25th are UTC+2. All norms are 5 minutes to acknowledge and 30 to
be on site (the factory's defaults: ack_due_at = received + 5, onsite_due_at = received + 30).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from alarms.kpis import alarm_kpis, month_bounds, nearest_rank
from alarms.models import Alarm, AlarmEvent
from alarms.views.reports import parse_month
from tests.conftest import Persona
from tests.factories import AlarmEventFactory, AlarmFactory, ClientFactory, TeamFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
OCTOBER = dt.date(2026, 10, 1)
NOVEMBER = dt.date(2026, 11, 1)
URL = "alarm_reports:month"
# "Now" for the unit tests: well after October, so nothing of October is still pending.
LATER = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def local(day: int, hour: int, minute: int = 0, *, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AMS)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def team_north(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord", district="Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid", district="Zuid")


@pytest.fixture
def manager_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org_a, Role.TEAM_MANAGER)
    with tenant_scope(org_a):
        team_north.members.add(persona.membership)
        team_north.manager = persona.membership
        team_north.save()
    return persona


@pytest.fixture
def coach_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org_a, Role.CLIENT_COACH)
    with tenant_scope(org_a):
        team_north.members.add(persona.membership)
    return persona


def _alarm(org, client, team, received, *, night=False, ack=None, on_site=None, resolved=None, cause="",  # noqa: ANN001, ANN202, PLR0913
           kind=Alarm.Kind.BUTTON, level=0):
    """An alarm received at `received`, acknowledged `ack` minutes and on site `on_site`
    minutes later, resolved at the moment `resolved` with `cause`."""
    status = Alarm.Status.RECEIVED
    if ack is not None:
        status = Alarm.Status.ACKNOWLEDGED
    if on_site is not None:
        status = Alarm.Status.ON_SITE
    if resolved is not None:
        status = Alarm.Status.RESOLVED
    alarm = AlarmFactory(
        organization=org, client=client, team=team, kind=kind, received_at=received, is_night=night, status=status,
        acknowledged_at=None if ack is None else received + minutes(ack),
        on_site_at=None if on_site is None else received + minutes(on_site),
        resolved_at=resolved, cause=cause if resolved else "",
        outcome=Alarm.Outcome.PHONE if resolved else "", escalation_level=level,
    )
    for step in range(1, level + 1):
        AlarmEventFactory(organization=org, alarm=alarm, action=AlarmEvent.Action.ESCALATED, level=step,
                          at=alarm.ack_due_at + minutes(5 * (step - 1)))
    return alarm


@pytest.fixture
def dataset(org_a, team_north, team_south):  # noqa: ANN001, ANN201
    """October 2026.

    Team Noord, 8 alarms (clients Anna ×4, Bert ×3, Cees ×1):

      #  received (local)   part   ack  on site  resolved            cause          escalation
      1  Oct 5  02:10       night   1    10      Oct 5  03:00        fall           -
      2  Oct 6  03:00       night   2    -       Oct 6  03:30        night unrest   -
      3  Oct 7  23:40       night   7    -       open                -              step 1
      4  Oct 8  03:00       night   -    -       open                -              steps 1, 2, 3
      5  Oct 9  10:00       day     2    -       Oct 9  10:20        false alarm    -
      6  Oct 10 11:00       day     3    25      Oct 10 12:00        fall           -
      7  Oct 12 14:00       day     4    -       Oct 12 14:30        technical      -
      8  Oct 31 23:00       day*    12   40      Nov 1  01:00        medical        steps 1, 2
      (*flagged day on purpose: the flag comes from the policy at intake, not from the clock.)

    Team Zuid, 2 alarms in October (client Dirk):
      9  Oct 1  00:30 (= Sep 30 22:30 UTC)  day  ack 6, resolved Oct 1 01:00, test
     10  Oct 14 09:00                        day  ack 1, resolved Oct 14 09:10, test
    and outside October: Sep 30 23:30 local (Sep 30 21:30 UTC) and Nov 1 00:30 local
    (Oct 31 23:30 UTC), which is November although it is still October in UTC.
    """
    org = org_a

    def client(first, last, team):  # noqa: ANN001, ANN202
        return ClientFactory(organization=org, primary_team=team, first_name=first, last_name=last)

    anna, bert = client("Anna", "Aalders", team_north), client("Bert", "Bakker", team_north)
    cees, dirk = client("Cees", "Claassen", team_north), client("Dirk", "Dekker", team_south)
    n, s = team_north, team_south
    fall, cause = Alarm.Kind.FALL, Alarm.Cause
    alarms = {
        1: _alarm(org, anna, n, local(5, 2, 10), night=True, ack=1, on_site=10, resolved=local(5, 3),
                  cause=cause.FALL, kind=fall),
        2: _alarm(org, anna, n, local(6, 3), night=True, ack=2, resolved=local(6, 3, 30), cause=cause.NIGHT_UNREST),
        3: _alarm(org, anna, n, local(7, 23, 40), night=True, ack=7, level=1),
        4: _alarm(org, bert, n, local(8, 3), night=True, level=3),
        5: _alarm(org, bert, n, local(9, 10), ack=2, resolved=local(9, 10, 20), cause=cause.FALSE_ALARM),
        6: _alarm(org, anna, n, local(10, 11), ack=3, on_site=25, resolved=local(10, 12), cause=cause.FALL,
                  kind=fall),
        7: _alarm(org, bert, n, local(12, 14), ack=4, resolved=local(12, 14, 30), cause=cause.TECHNICAL),
        8: _alarm(org, cees, n, local(31, 23), ack=12, on_site=40, resolved=local(1, 1, month=11),
                  cause=cause.MEDICAL, level=2),
        9: _alarm(org, dirk, s, local(1, 0, 30), ack=6, resolved=local(1, 1), cause=cause.TEST),
        10: _alarm(org, dirk, s, local(14, 9), ack=1, resolved=local(14, 9, 10), cause=cause.TEST),
        "september": _alarm(org, dirk, s, local(30, 23, 30, month=9), ack=1),
        "november": _alarm(org, dirk, s, local(1, 0, 30, month=11), ack=1),
    }
    return {"alarms": alarms, "anna": anna, "bert": bert, "cees": cees, "dirk": dirk}


def kpis(org, team_ids, month=OCTOBER, **kwargs):  # noqa: ANN001, ANN003, ANN201
    with tenant_scope(org):
        return alarm_kpis(org.pk, team_ids, month, now=kwargs.pop("now", LATER), **kwargs)


# --- the computation ---------------------------------------------------------------------------


def test_nearest_rank_by_hand():
    values = [12, 1, 4, 2, 7, 3, 2]  # sorted: 1, 2, 2, 3, 4, 7, 12 (n = 7)
    assert nearest_rank(values, 50) == 3  # rank ceil(50 * 7 / 100) = ceil(3.5) = 4 -> 3
    assert nearest_rank(values, 90) == 12  # rank ceil(90 * 7 / 100) = ceil(6.3) = 7 -> 12
    # Even n: the lower middle value, never an average. 2, 3, 4, 12: rank ceil(2.0) = 2 -> 3.
    assert nearest_rank([2, 3, 4, 12], 50) == 3
    # n = 10: p90 rank ceil(9.0) = 9 exactly (integer arithmetic; 0.7 * 10 in floats is 7.000…1).
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank(list(range(1, 11)), 70) == 7
    assert nearest_rank([5], 90) == 5
    assert nearest_rank([], 50) is None


def test_month_bounds_are_local_midnights():
    start, end = month_bounds(OCTOBER)
    assert start == dt.datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # 1 Oct 00:00 CEST (UTC+2)
    assert end == dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # 1 Nov 00:00 CET (UTC+1)


def test_team_north_by_hand(org_a, team_north, dataset):  # noqa: ANN001
    report = kpis(org_a, [team_north.pk])
    assert [g.team_name for g in report.teams] == ["Team Noord"]
    f = report.teams[0].all
    assert f.alarms == 8
    # Acknowledged: #1-3 and #5-8 → minutes 1, 2, 7, 2, 3, 4, 12; sorted 1, 2, 2, 3, 4, 7, 12.
    # Median: rank ceil(0.5 * 7) = 4 → 3. P90: rank ceil(0.9 * 7) = ceil(6.3) = 7 → 12.
    assert (f.acknowledged.count, f.acknowledged.median, f.acknowledged.p90) == (7, 3, 12)
    # Within the 5-minute norm: 1, 2, 2, 3, 4 = 5 alarms; missed: 7, 12 and #4 (never
    # acknowledged, deadline passed) → 5 of 8 = 62.5 %.
    assert (f.ack_norm.within, f.ack_norm.total, f.ack_norm.pct) == (5, 8, 62.5)
    # On site: #1 10, #6 25, #8 40 min; median rank ceil(1.5) = 2 → 25; p90 rank ceil(2.7) = 3 → 40.
    assert (f.on_site.count, f.on_site.median, f.on_site.p90) == (3, 25, 40)
    # Within 30 minutes: 10 and 25 → 2 of 3 = 66.7 %.
    assert (f.on_site_norm.within, f.on_site_norm.total, f.on_site_norm.pct) == (2, 3, 66.7)
    # Causes of the resolved alarms (#8 was resolved in November: it has its cause).
    assert f.resolved == 6
    assert {k: v for k, v in f.by_cause.items() if v} == {"fall": 2, "night_unrest": 1, "false_alarm": 1,
                                                           "technical": 1, "medical": 1}
    assert list(f.by_cause) == list(Alarm.Cause.values)  # every cause, in choice order
    assert {k: v for k, v in f.by_kind.items() if v} == {"button": 6, "fall": 2}
    # Escalated: #3 (step 1), #4 (steps 1-3), #8 (steps 1-2): 3 alarms, 6 steps.
    assert (f.escalated_alarms, f.escalation_steps) == (3, 6)
    assert f.by_highest_step == {1: 1, 2: 1, 3: 1}
    # Open at month end: #3 and #4 (still open) and #8 (resolved on 1 November).
    assert f.open_at_month_end == 3


def test_day_and_night_split(org_a, team_north, dataset):  # noqa: ANN001
    group = kpis(org_a, [team_north.pk]).teams[0]
    night, day = group.night, group.day
    assert (night.alarms, day.alarms) == (4, 4)
    # Night acknowledged: 1, 2, 7 → median rank ceil(1.5) = 2 → 2; p90 rank ceil(2.7) = 3 → 7.
    assert (night.acknowledged.median, night.acknowledged.p90) == (2, 7)
    # Within norm: 1, 2 of (1, 2, 7, #4 never acknowledged) → 2 of 4 = 50 %.
    assert (night.ack_norm.within, night.ack_norm.total, night.ack_norm.pct) == (2, 4, 50.0)
    # Day acknowledged: 2, 3, 4, 12 → median rank ceil(2.0) = 2 → 3; p90 rank ceil(3.6) = 4 → 12.
    assert (day.acknowledged.median, day.acknowledged.p90) == (3, 12)
    assert (day.ack_norm.within, day.ack_norm.total, day.ack_norm.pct) == (3, 4, 75.0)
    # On site: night #1 (10, within); day #6 (25, within) and #8 (40, late).
    assert (night.on_site_norm.within, night.on_site_norm.total) == (1, 1)
    assert (day.on_site_norm.within, day.on_site_norm.total) == (1, 2)
    assert (day.on_site.median, day.on_site.p90) == (25, 40)  # 25, 40: ranks ceil(1.0) = 1, ceil(1.8) = 2
    assert (night.escalated_alarms, day.escalated_alarms) == (2, 1)
    assert (night.escalation_steps, day.escalation_steps) == (4, 2)
    assert (night.open_at_month_end, day.open_at_month_end) == (2, 1)


def test_month_boundary_in_local_time(org_a, team_south, dataset):  # noqa: ANN001
    alarms = dataset["alarms"]
    # 1 Oct 00:30 local is 30 Sep 22:30 UTC: October. 30 Sep 23:30 local (21:30 UTC): September.
    assert alarms[9].received_at.astimezone(UTC).date() == dt.date(2026, 9, 30)
    october = kpis(org_a, [team_south.pk]).teams[0].all
    assert october.alarms == 2
    # 1 Nov 00:30 local is 31 Oct 23:30 UTC: November, not October.
    assert alarms["november"].received_at.astimezone(UTC).date() == dt.date(2026, 10, 31)
    november = kpis(org_a, [team_south.pk], NOVEMBER).teams[0].all
    assert november.alarms == 1
    september = kpis(org_a, [team_south.pk], dt.date(2026, 9, 1)).teams[0].all
    assert september.alarms == 1


def test_selection_total_and_top_clients(org_a, team_north, team_south, dataset):  # noqa: ANN001
    report = kpis(org_a, None)
    assert [g.team_name for g in report.teams] == ["Team Noord", "Team Zuid"]
    total = report.total.all
    assert total.alarms == 10
    # All acknowledged: 1, 2, 7, 2, 3, 4, 12 (Noord) + 6, 1 (Zuid); sorted
    # 1, 1, 2, 2, 3, 4, 6, 7, 12 (n = 9): median rank ceil(4.5) = 5 → 3; p90 rank ceil(8.1) = 9 → 12.
    assert (total.acknowledged.median, total.acknowledged.p90) == (3, 12)
    # Within norm: Noord 5 + Zuid 1 (the 1-minute one; 6 is late) of 8 + 2 → 6 of 10.
    assert (total.ack_norm.within, total.ack_norm.total, total.ack_norm.pct) == (6, 10, 60.0)
    assert total.by_cause["test"] == 2 and total.resolved == 8
    # Top clients: Anna 4, Bert 3, Dirk 2, Cees 1.
    assert [(c.name, c.alarms) for c in report.total.top_clients] == [
        ("Anna Aalders", 4), ("Bert Bakker", 3), ("Dirk Dekker", 2), ("Cees Claassen", 1)]
    assert [(c.name, c.alarms) for c in report.teams[1].top_clients] == [("Dirk Dekker", 2)]


def test_without_names_the_top_clients_are_anonymous(org_a, dataset):  # noqa: ANN001
    report = kpis(org_a, None, include_client_names=False)
    assert [(c.client_id, c.name, c.alarms) for c in report.total.top_clients] == [
        (None, None, 4), (None, None, 3), (None, None, 2), (None, None, 1)]


def test_a_team_without_alarms_and_an_inactive_team(org_a, team_north, dataset):  # noqa: ANN001
    TeamFactory(organization=org_a, name="Team Leeg")
    gone = TeamFactory(organization=org_a, name="Team Oud", is_active=False)
    client = ClientFactory(organization=org_a, primary_team=gone)
    _alarm(org_a, client, gone, local(20, 12), ack=1)
    report = kpis(org_a, None)
    names = {g.team_name: g for g in report.teams}
    assert names["Team Leeg"].all.alarms == 0
    assert names["Team Leeg"].all.acknowledged.median is None and names["Team Leeg"].all.ack_norm.pct is None
    assert names["Team Oud"].all.alarms == 1 and not names["Team Oud"].team_active
    assert report.total.all.alarms == 11


def test_running_month_leaves_alarms_within_their_deadline_out(org_a, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    received = local(20, 10, month=11)
    _alarm(org_a, client, team_north, received)  # not acknowledged yet, 2 minutes old
    _alarm(org_a, client, team_north, received - minutes(60))  # not acknowledged, an hour old: missed
    report = kpis(org_a, [team_north.pk], NOVEMBER, now=received + minutes(2))
    f = report.teams[0].all
    assert report.is_running
    assert (f.alarms, f.ack_norm.within, f.ack_norm.total) == (2, 0, 1)
    assert f.open_at_month_end == 2


def test_query_count_does_not_grow(org_a, team_north, dataset):  # noqa: ANN001
    def count() -> int:
        with tenant_scope(org_a), CaptureQueriesContext(connection) as ctx:
            alarm_kpis(org_a.pk, None, OCTOBER, now=LATER)
        return len(ctx.captured_queries)

    before = count()
    client = ClientFactory(organization=org_a, primary_team=team_north)
    for day in range(15, 25):
        _alarm(org_a, client, team_north, local(day, 12), ack=3, level=2)
    assert count() == before
    assert before <= 6  # set_config, alarms, escalations, teams, client names (+ savepoints)


def test_other_organisation_is_not_counted(org_a, org_b, dataset):  # noqa: ANN001
    report = kpis(org_b, None)
    assert report.total.all.alarms == 0
    assert report.teams == []


# --- the month parameter -----------------------------------------------------------------------


def test_parse_month():
    today = dt.date(2026, 11, 23)
    assert parse_month("2026-10", today) == OCTOBER
    assert parse_month("2026-3", today) == dt.date(2026, 3, 1)
    for wrong in (None, "", "2026-13", "1999-01", "november", "2026-W47"):
        assert parse_month(wrong, today) == NOVEMBER


# --- the page ----------------------------------------------------------------------------------


def _get(persona: Persona, **params):  # noqa: ANN003, ANN202
    return persona.client.get(reverse(URL), {"maand": "2026-10", **params})


def test_page_shows_the_figures(admin_a, team_north, team_south, dataset):  # noqa: ANN001
    response = _get(admin_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="alarms">10<' in html
    assert 'data-kpi="ack-norm"><span class="ar-share">60%</span>' in html
    assert 'data-kpi="ack-median">3 min<' in html
    assert "Team Noord" in html and "Team Zuid" in html
    assert "Anna Aalders" in html  # the top clients, by name, on the page only
    assert "October 2026" in html

    north = _get(admin_a, team=team_north.pk).content.decode()
    assert 'data-kpi="alarms">8<' in north
    assert 'data-kpi="ack-norm"><span class="ar-share">62.5%</span>' in north
    assert 'data-kpi="onsite-norm"><span class="ar-share">66.7%</span>' in north
    assert 'data-kpi="onsite-median">25 min<' in north
    assert 'data-kpi="escalated">3<' in north
    assert 'data-kpi="open">3<' in north
    assert "Team Zuid</a>" not in north
    # Naming clients is a read over client records.
    with tenant_scope(admin_a.organization):
        assert AccessLog.objects.filter(action=AccessLog.Action.VIEW,
                                        description__startswith="alarm KPIs 2026-10").exists()


def test_page_month_navigation_and_default_month(admin_a, dataset):  # noqa: ANN001
    html = _get(admin_a).content.decode()
    assert "?maand=2026-09" in html and "?maand=2026-11" in html
    current = admin_a.client.get(reverse(URL))
    assert current.status_code == 200
    assert "November 2026" in current.content.decode() or "2026" in current.content.decode()


def test_coach_gets_403(coach_north, dataset):  # noqa: ANN001
    assert _get(coach_north).status_code == 403
    assert _get(coach_north, format="csv").status_code == 403
    assert _get(coach_north, format="pdf").status_code == 403


def test_finance_sees_the_whole_organisation(org_a, make_persona, dataset):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    assert 'data-kpi="alarms">10<' in _get(finance).content.decode()


def test_team_manager_sees_own_team_only_and_404_for_another(manager_north, team_north, team_south,  # noqa: ANN001
                                                             dataset):
    html = _get(manager_north).content.decode()
    assert 'data-kpi="alarms">8<' in html  # North only
    assert "Team Zuid" not in html  # not even in the team filter
    assert "Dirk Dekker" not in html
    # A team the manager does not see: 404 (like every object of another team), also for exports.
    for fmt in (None, "csv", "pdf"):
        params = {"team": team_south.pk, **({"format": fmt} if fmt else {})}
        assert _get(manager_north, **params).status_code == 404
    assert _get(manager_north, team="abc").status_code == 404
    assert _get(manager_north, team=team_north.pk).status_code == 200


def test_other_tenant_sees_nothing(admin_b, team_north, dataset):  # noqa: ANN001
    html = _get(admin_b).content.decode()
    assert 'data-kpi="alarms">0<' in html
    assert "Team Noord" not in html and "Anna" not in html
    assert _get(admin_b, team=team_north.pk).status_code == 404


# --- exports -----------------------------------------------------------------------------------


def test_csv_export_is_aggregate_formula_safe_and_logged(admin_a, org_a, team_north, team_south,  # noqa: ANN001
                                                        dataset):
    with tenant_scope(org_a):
        team_south.name = "=HYPERLINK(\"http://x\")"
        team_south.save()
    response = _get(admin_a, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="alarmen-2026-10-alle-teams.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    by_key = {(r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    # One row per team and part, the total last.
    assert [r[1] for r in rows[1:]].count("Team Noord") == 3
    assert rows[-1][1] == "All teams" and rows[-1][2] == "night"
    north = by_key[("Team Noord", "all")]
    assert north["Alarms"] == "8"
    assert north["Acknowledge median (min)"] == "3" and north["Acknowledge p90 (min)"] == "12"
    assert north["Acknowledged within norm %"] == "62,5"  # decimal comma
    assert north["On site within norm %"] == "66,7"
    assert north["Cause: Fall"] == "2" and north["Kind: Fall detection"] == "2"
    assert north["Escalation steps"] == "6" and north["Open at month end"] == "3"
    assert by_key[("Team Noord", "night")]["Acknowledged within norm %"] == "50"
    # The team name that looks like a formula is neutralised.
    assert ("'=HYPERLINK(\"http://x\")", "all") in by_key
    # Aggregates only: no client names.
    for name in ("Anna", "Bert", "Cees", "Dirk"):
        assert name not in text
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).latest("pk")
    assert "2026-10" in entry.description and "CSV" in entry.description


def test_pdf_is_a_real_pdf_without_client_names(admin_a, team_north, dataset, tmp_path):  # noqa: ANN001
    response = _get(admin_a, format="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="alarmen-2026-10-alle-teams.pdf"' in response["Content-Disposition"]
    with tenant_scope(admin_a.organization):
        entry = AccessLog.objects.filter(action=AccessLog.Action.PRINT).latest("pk")
    assert "2026-10" in entry.description and "PDF" in entry.description
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "October 2026" in text
    assert "Team Noord" in text and "Team Zuid" in text
    assert "aggregates only" in text
    assert "62.5%" in text  # Team Noord, acknowledged within norm
    assert "page 1 of" in text
    for name in ("Anna", "Aalders", "Bert", "Cees", "Dirk"):
        assert name not in text
