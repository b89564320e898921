"""The read-only client API: same visibility, tenancy and logging as the client pages."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ClientFactory,
    MembershipFactory,
    TeamFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

LIST = reverse("api-v1:client_list")


def detail(client) -> str:  # noqa: ANN001
    return reverse("api-v1:client_detail", args=[client.pk])


def indications(client) -> str:  # noqa: ANN001
    return reverse("api-v1:client_indications", args=[client.pk])


def make_clients(org, n: int, team=None) -> list:  # noqa: ANN001
    team = team or TeamFactory(organization=org)
    coach = MembershipFactory(organization=org, role=Role.CLIENT_COACH, user__first_name="Carla",
                              user__last_name="Coach")
    with tenant_scope(org):
        team.members.add(coach)
    made = []
    for _ in range(n):
        client = ClientFactory(organization=org, primary_team=team, client_coach=coach,
                               status="in_care", care_start="2025-02-01")
        WlzIndicationFactory(organization=org, client=client, zorgprofiel="754")
        made.append(client)
    return made


def log_entries(org, action: str) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(action=action))


def test_list_shows_clients_with_masked_bsn_and_logs_one_search(admin_a, org_a):  # noqa: ANN001
    clients = make_clients(org_a, 3)
    response = admin_a.client.get(LIST)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 3
    row = next(r for r in data["results"] if r["id"] == clients[0].pk)
    assert row["bsn_masked"].endswith(clients[0].bsn_last4) and row["bsn_masked"].startswith("•")
    assert row["current_zorgprofiel"] == {"code": "754", "short": "5VV", "valid_to": None}
    assert row["team"] == clients[0].primary_team.name and row["coach"] == "Carla Coach"
    assert {"street", "house_number", "postcode", "city", "district", "status", "care_start", "care_end",
            "date_of_birth", "first_name", "name_prefix", "last_name"} <= set(row)
    assert not {"bsn", "bsn_encrypted", "bsn_hash"} & set(row)
    for client in clients:
        assert client.reveal_bsn() not in response.content.decode()
    [entry] = log_entries(org_a, AccessLog.Action.SEARCH)
    assert entry.username == admin_a.user.username and entry.client_id is None


def test_list_search_like_the_list_page(admin_a, org_a):  # noqa: ANN001
    first, second, _third = make_clients(org_a, 3)
    by_name = admin_a.client.get(LIST, {"q": first.last_name}).json()
    assert [r["id"] for r in by_name["results"]] == [first.pk]
    by_bsn = admin_a.client.get(LIST, {"q": second.reveal_bsn()}).json()
    assert [r["id"] for r in by_bsn["results"]] == [second.pk]
    search_log = log_entries(org_a, AccessLog.Action.SEARCH)
    assert len(search_log) == 2
    assert all(second.reveal_bsn() not in e.description for e in search_log), "the search text is never logged"
    assert admin_a.client.get(LIST, {"status": "nonsense"}).status_code == 400


def test_detail_and_indications(admin_a, org_a):  # noqa: ANN001
    [client] = make_clients(org_a, 1)
    WlzIndicationFactory(organization=org_a, client=client, zorgprofiel="753", valid_from="2024-01-01",
                         valid_to="2024-12-31", ciz_reference="CIZ-2024-000001")
    response = admin_a.client.get(detail(client))
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == client.pk and data["current_zorgprofiel"]["short"] == "5VV"
    assert client.reveal_bsn() not in response.content.decode()
    response = admin_a.client.get(indications(client))
    assert response.status_code == 200
    rows = response.json()
    assert [(r["zorgprofiel"], r["zorgprofiel_short"]) for r in rows] == [("754", "5VV"), ("753", "4VV")]
    assert rows[1]["valid_from"] == "2024-01-01" and rows[1]["valid_to"] == "2024-12-31"
    assert rows[1]["ciz_reference"] == "CIZ-2024-000001" and rows[1]["leveringsvorm"] == "5"
    views = log_entries(org_a, AccessLog.Action.VIEW)
    assert len(views) == 2 and {e.client_id for e in views} == {client.pk}


def test_zorgkantoor_reviewer_is_refused(make_persona, org_a):  # noqa: ANN001
    [client] = make_clients(org_a, 1)
    reviewer = make_persona(ZorgkantoorFactory(), Role.ZK_REVIEWER)
    for url in (LIST, detail(client), indications(client)):
        assert reviewer.client.get(url).status_code == 403, url


def test_other_tenant_gets_404_and_an_empty_list(admin_b, org_a):  # noqa: ANN001
    [client] = make_clients(org_a, 1)
    assert admin_b.client.get(detail(client)).status_code == 404
    assert admin_b.client.get(indications(client)).status_code == 404
    assert admin_b.client.get(LIST).json()["count"] == 0


def test_coach_sees_own_team_only(make_persona, org_a):  # noqa: ANN001
    coach = make_persona(org_a, Role.CLIENT_COACH)
    own_team = TeamFactory(organization=org_a, members=[coach.membership])
    [own] = make_clients(org_a, 1, team=own_team)
    [other] = make_clients(org_a, 1)
    assert coach.client.get(detail(own)).status_code == 200
    assert coach.client.get(detail(other)).status_code == 404
    assert coach.client.get(indications(other)).status_code == 404
    assert [r["id"] for r in coach.client.get(LIST).json()["results"]] == [own.pk]


def test_anonymous_is_refused(client, org_a):  # noqa: ANN001
    assert client.get(LIST).status_code in (401, 403)


def test_list_query_count_does_not_grow(admin_a, org_a):  # noqa: ANN001
    team = TeamFactory(organization=org_a)

    def count_list_queries(expected: int) -> list[str]:
        admin_a.client.get(LIST)  # the first request of a session does extra work
        with CaptureQueriesContext(connection) as queries:
            response = admin_a.client.get(LIST)
        assert response.json()["count"] == expected
        return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]

    make_clients(org_a, 3, team=team)
    small = count_list_queries(3)
    make_clients(org_a, 27, team=team)
    large = count_list_queries(30)
    assert len(small) == len(large), f"{len(small)} queries for 3 clients, {len(large)} for 30"
    # session, user, membership, tenant on/off, count, page, access-log insert, session update
    assert len(large) <= 10, "\n".join(q[:150] for q in large)


def test_openapi_schema_lists_the_client_endpoints(admin_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("api-v1:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/clients/", "/api/v1/clients/{client_id}/", "/api/v1/clients/{client_id}/indications/"} <= set(paths)
    assert "bsn_masked" in str(response.json()["components"]["schemas"])
