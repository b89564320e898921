"""The client file: identifiers, indications, eligibility, visibility, list, access logging."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from clients import services
from clients.models import Client, WlzIndication, bsn_lookup_hash
from clients.validation import clean_bsn, clean_postcode
from tests.factories import (
    ClientFactory,
    EligibilityAssessmentFactory,
    NetworkMemberFactory,
    OrganizationFactory,
    WlzIndicationFactory,
    make_bsn,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.scope import tenant_scope

D = datetime.date


# --- identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw,expected", [("123456782", "123456782"), ("1234.56.782", "123456782"), ("12345672", "012345672")])
def test_valid_bsns(raw, expected):  # noqa: ANN001
    assert clean_bsn(raw) == expected


@pytest.mark.parametrize("raw", ["123456789", "000000000", "12345", "abcdefghi", "", "1234567820"])
def test_invalid_bsns_are_refused(raw):  # noqa: ANN001
    with pytest.raises(ValidationError):
        clean_bsn(raw)


@pytest.mark.parametrize("raw,expected", [("1234ab", "1234 AB"), ("1234 AB", "1234 AB"), (" 2511cv ", "2511 CV")])
def test_valid_postcodes(raw, expected):  # noqa: ANN001
    assert clean_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["0123 AB", "1234 SA", "1234", "12345 AB", "ABCD 12"])
def test_invalid_postcodes_are_refused(raw):  # noqa: ANN001
    with pytest.raises(ValidationError):
        clean_postcode(raw)


def _client_data(team, **overrides):  # noqa: ANN001, ANN003, ANN202
    data = {
        "first_name": "Grietje", "last_name": "Bakker", "date_of_birth": D(1938, 2, 3), "street": "Lange Voorhout",
        "house_number": 12, "postcode": "2514ed", "city": "Den Haag", "primary_team": team,
    }
    data.update(overrides)
    return data


def test_bsn_is_stored_encrypted_and_unique_within_the_organisation(admin_a, org_a, team_north):  # noqa: ANN001
    with tenant_scope(org_a):
        client = services.client_create(acting=admin_a.membership, bsn="123456782", **_client_data(team_north))
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM clients_client WHERE id = %s", [client.pk])
            row = " ".join(str(v) for v in cursor.fetchone())
        assert "123456782" not in row  # a dump shows no BSN
        assert client.bsn_masked.endswith("6782") and client.reveal_bsn() == "123456782"
        assert client.postcode == "2514 ED"
        with pytest.raises(ValidationError) as exc:
            services.client_create(acting=admin_a.membership, bsn="123456782", **_client_data(team_north))
        assert "bsn" in exc.value.error_dict
        assert Client.objects.count() == 1
    other = OrganizationFactory()
    assert ClientFactory(organization=other, bsn="123456782").bsn_hash == bsn_lookup_hash("123456782")


def test_client_needs_one_of_the_members_own_teams(manager_north, org_a, team_south):  # noqa: ANN001
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        services.client_create(acting=manager_north.membership, bsn=make_bsn(1), **_client_data(team_south))
    assert "primary_team" in exc.value.error_dict


# --- indications ---------------------------------------------------------------------------


def test_overlapping_vpt_indications_are_refused(admin_a, org_a, client_north):  # noqa: ANN001
    with tenant_scope(org_a), translation.override("en"):
        services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="754",
                                   valid_from=D(2025, 1, 1), valid_to=D(2025, 12, 31))
        with pytest.raises(ValidationError, match="overlaps"):
            services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="755",
                                       valid_from=D(2025, 12, 31))
        # The day after is fine, and so is a non-VPT indication (history) in the same period.
        services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="755", valid_from=D(2026, 1, 1))
        services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="754",
                                   leveringsvorm="4", valid_from=D(2025, 6, 1), valid_to=D(2025, 6, 30))
        assert client_north.indications.count() == 3


def test_new_indication_can_end_the_previous_one(admin_a, org_a, client_north):  # noqa: ANN001
    with tenant_scope(org_a):
        old = services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="753", valid_from=D(2024, 3, 1))
        services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="754",
                                   valid_from=D(2025, 7, 1), end_previous=True)
        old.refresh_from_db()
        assert old.valid_to == D(2025, 6, 30)


def test_end_date_before_start_is_refused(admin_a, org_a, client_north):  # noqa: ANN001
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="754",
                                   valid_from=D(2025, 5, 1), valid_to=D(2025, 4, 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint is PostgreSQL-only")
def test_database_refuses_overlap_even_past_the_service(org_a, client_north):  # noqa: ANN001
    WlzIndicationFactory(organization=org_a, client=client_north, valid_from=D(2025, 1, 1), valid_to=None)
    with tenant_scope(org_a), pytest.raises(DatabaseError), transaction.atomic():
        WlzIndication.objects.create(organization=org_a, client=client_north, zorgprofiel="755",
                                     leveringsvorm="5", valid_from=D(2026, 1, 1))


# --- eligibility and care status -------------------------------------------------------------


def test_care_starts_only_after_a_positive_assessment_and_with_an_indication(admin_a, org_a, client_north):  # noqa: ANN001
    start = D(2025, 3, 1)
    with tenant_scope(org_a), translation.override("en"):
        with pytest.raises(ValidationError, match="assessment"):
            services.client_start_care(acting=admin_a.membership, client=client_north, start=start)
        EligibilityAssessmentFactory(organization=org_a, client=client_north, decision="not_suitable")
        with pytest.raises(ValidationError, match="assessment"):
            services.client_start_care(acting=admin_a.membership, client=client_north, start=start)
        EligibilityAssessmentFactory(organization=org_a, client=client_north, assessed_on=D(2025, 2, 1),
                                     decision="conditional", conditions="mantelzorg blijft ontbijt doen")
        with pytest.raises(ValidationError, match="indication"):
            services.client_start_care(acting=admin_a.membership, client=client_north, start=start)
        WlzIndicationFactory(organization=org_a, client=client_north, valid_from=D(2025, 1, 1))
        client = services.client_start_care(acting=admin_a.membership, client=client_north, start=start)
        assert client.status == Client.Status.IN_CARE and client.care_start == start
        with pytest.raises(ValidationError, match="before"):
            services.client_end_care(acting=admin_a.membership, client=client, end=D(2025, 2, 1), reason="deceased")
        client = services.client_end_care(acting=admin_a.membership, client=client, end=D(2025, 9, 1), reason="deceased")
        assert client.status == Client.Status.ENDED


def test_conditional_decision_needs_conditions(admin_a, org_a, client_north):  # noqa: ANN001
    answers = {name: True for name in services.assessments.CHECKLIST}
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.assessment_create(acting=admin_a.membership, client=client_north, assessed_on=D(2025, 1, 1),
                                   decision="conditional", conditions="", **answers)


def test_unanswered_checklist_is_refused(admin_a, client_north):  # noqa: ANN001
    response = admin_a.client.post(reverse("clients:assessments", args=[client_north.pk]),
                                   {"assessed_on": "2025-01-01", "decision": "suitable"})
    assert response.status_code == 200
    assert response.context["form"].errors
    with tenant_scope(client_north.organization):
        assert client_north.assessments.count() == 0


# --- visibility --------------------------------------------------------------------------------


def test_coach_sees_own_team_and_gets_404_for_another_team(coach_north, client_north, client_south):  # noqa: ANN001
    for route in ("clients:detail", "clients:indications", "clients:network", "clients:assessments"):
        assert coach_north.client.get(reverse(route, args=[client_north.pk])).status_code == 200
        assert coach_north.client.get(reverse(route, args=[client_south.pk])).status_code == 404
    listing = coach_north.client.get(reverse("clients:list")).content.decode()
    assert "Noorderling" in listing and "Zuiderling" not in listing


def test_coach_cannot_change_indications_but_can_update_the_network(coach_north, client_north):  # noqa: ANN001
    response = coach_north.client.post(reverse("clients:indications", args=[client_north.pk]),
                                       {"zorgprofiel": "754", "leveringsvorm": "5", "valid_from": "2025-01-01"})
    assert response.status_code == 403
    response = coach_north.client.post(reverse("clients:network", args=[client_north.pk]),
                                       {"name": "Kees", "relation": "child", "tasks": "boodschappen"})
    assert response.status_code == 302
    with tenant_scope(client_north.organization):
        assert client_north.network.get().name == "Kees"


def test_zorgkantoor_sees_no_clients(db, make_persona):  # noqa: ANN001
    from tests.factories import ZorgkantoorFactory

    reviewer = make_persona(ZorgkantoorFactory(), "zk_reviewer")
    assert reviewer.client.get(reverse("clients:list")).status_code == 403


# --- list, search, query counts ------------------------------------------------------------------


def test_search_by_name_bsn_digits_and_postcode(admin_a, org_a, team_north):  # noqa: ANN001
    ClientFactory(organization=org_a, primary_team=team_north, last_name="De Vries", bsn="123456782", postcode="2514 ED")
    ClientFactory(organization=org_a, primary_team=team_north, last_name="Jansen", postcode="3511 AA")
    url = reverse("clients:list")

    def names(q: str) -> str:
        return admin_a.client.get(url, {"q": q}).content.decode()

    assert "Jansen" not in names("vries") and "De Vries" in names("vries")
    assert "De Vries" in names("123456782") and "Jansen" not in names("123456782")
    assert "De Vries" in names("6782") and "Jansen" not in names("6782")
    assert "De Vries" in names("2514") and "Jansen" not in names("2514")
    assert "De Vries" in names("2514ed")
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(action="search").count() == 9  # every search is logged


def test_expiring_filter_and_dashboard_card(manager_north, org_a, team_north):  # noqa: ANN001
    today = timezone.localdate()
    soon = ClientFactory(organization=org_a, primary_team=team_north, last_name="Verloopt")
    later = ClientFactory(organization=org_a, primary_team=team_north, last_name="Langlopend")
    WlzIndicationFactory(organization=org_a, client=soon, valid_from=today - datetime.timedelta(days=300),
                         valid_to=today + datetime.timedelta(days=30))
    WlzIndicationFactory(organization=org_a, client=later, valid_from=today - datetime.timedelta(days=300),
                         valid_to=today + datetime.timedelta(days=200))
    body = manager_north.client.get(reverse("clients:list"), {"expiring": "on"}).content.decode()
    assert "Verloopt" in body and "Langlopend" not in body
    dashboard = manager_north.client.get(reverse("core:dashboard")).content.decode()
    assert "Verloopt" in dashboard


def _bulk_clients(org, team, n: int) -> None:  # noqa: ANN001
    from vpt.core import crypto

    token = crypto.encrypt("123456782")
    with tenant_scope(org):
        start = Client.objects.count()
        clients = Client.objects.bulk_create(
            Client(organization=org, first_name="Bulk", last_name=f"Client{start + i:05d}", date_of_birth=D(1940, 1, 1),
                   bsn_encrypted=token, bsn_hash=f"{start + i:064d}", bsn_last4="6782", street="Straat",
                   house_number=1, postcode="2511 AB", city="Den Haag", primary_team=team)
            for i in range(n)
        )
        WlzIndication.objects.bulk_create(
            WlzIndication(organization=org, client=c, zorgprofiel="754", leveringsvorm="5", valid_from=D(2025, 1, 1))
            for c in clients
        )


def test_client_list_query_count_is_the_same_at_300_and_3000_clients(admin_a, org_a, team_north):  # noqa: ANN001
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_a.client.get(reverse("clients:list"), {"zorgprofiel": "754"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    _bulk_clients(org_a, team_north, 300)
    at_300 = count()
    _bulk_clients(org_a, team_north, 2700)
    at_3000 = count()
    assert at_300 == at_3000, (at_300, at_3000)


def test_client_page_query_count_does_not_grow_with_network(admin_a, org_a, client_north):  # noqa: ANN001
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            admin_a.client.get(reverse("clients:detail", args=[client_north.pk]))
        return len(ctx.captured_queries)

    NetworkMemberFactory(organization=org_a, client=client_north)
    one = count()
    NetworkMemberFactory.create_batch(10, organization=org_a, client=client_north)
    assert count() == one


# --- access logging ------------------------------------------------------------------------------


def test_viewing_and_revealing_are_logged(admin_a, org_a, client_north):  # noqa: ANN001
    admin_a.client.get(reverse("clients:detail", args=[client_north.pk]))
    response = admin_a.client.post(reverse("clients:reveal_bsn", args=[client_north.pk]), HTTP_HX_REQUEST="true")
    with tenant_scope(org_a):
        bsn = client_north.reveal_bsn()
        assert bsn in response.content.decode()
        actions = list(AccessLog.objects.filter(client_id=client_north.pk).values_list("action", flat=True))
    assert "view" in actions and "reveal" in actions
    page = admin_a.client.get(reverse("clients:detail", args=[client_north.pk])).content.decode()
    assert bsn not in page  # masked again on the next view


def test_reveal_needs_post(admin_a, client_north):  # noqa: ANN001
    assert admin_a.client.get(reverse("clients:reveal_bsn", args=[client_north.pk])).status_code == 405


# --- the intake flow through the pages ---------------------------------------------------------------


def test_intake_flow_through_the_pages(manager_north, org_a, team_north):  # noqa: ANN001
    c = manager_north.client
    response = c.post(reverse("clients:create"), {
        "first_name": "Truus", "last_name": "Visser", "date_of_birth": "1941-07-09", "bsn": "123456782",
        "street": "Kerkstraat", "house_number": "3", "postcode": "2511ab", "city": "Den Haag",
        "primary_team": team_north.pk,
    })
    assert response.status_code == 302, response.context["form"].errors
    with tenant_scope(org_a):
        client = Client.objects.get(last_name="Visser")
    c.post(reverse("clients:indications", args=[client.pk]),
           {"zorgprofiel": "754", "leveringsvorm": "5", "valid_from": "2026-01-01", "ciz_reference": "CIZ-1"})
    c.post(reverse("clients:network", args=[client.pk]), {"name": "Els Visser", "relation": "child", "is_contact_person": "on"})
    answers = {name: "True" for name in services.assessments.CHECKLIST if not name.startswith("signal_")}
    answers |= {name: "False" for name in services.assessments.CHECKLIST if name.startswith("signal_")}
    c.post(reverse("clients:assessments", args=[client.pk]), {"assessed_on": "2026-01-05", "decision": "suitable", **answers})
    response = c.post(reverse("clients:start_care", args=[client.pk]), {"start": "2026-01-10"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        client.refresh_from_db()
        assert client.status == Client.Status.IN_CARE
        assert client.network.get().is_contact_person


# --- indication with treatment (behandeling) ---------------------------------------------------


def test_indication_records_with_behandeling_through_the_page(admin_a, org_a, client_north):  # noqa: ANN001
    url = reverse("clients:indications", args=[client_north.pk])
    form_page = admin_a.client.get(url)
    assert 'name="with_behandeling"' in form_page.content.decode()
    response = admin_a.client.post(url, {"zorgprofiel": "754", "leveringsvorm": "5", "valid_from": "2025-01-01",
                                          "with_behandeling": "on"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        indication = client_north.indications.get()
        assert indication.with_behandeling
        plain = services.indication_create(acting=admin_a.membership, client=client_north, zorgprofiel="754",
                                           valid_from=D(2026, 1, 1), end_previous=True)
        assert not plain.with_behandeling
    page = admin_a.client.get(url).content.decode()
    with translation.override("nl"):  # the pages are served in Dutch
        label = translation.gettext("with treatment (behandeling)")
    assert page.lower().count(label.lower()) >= 2  # the table's badge and the form's label


# --- network members named in the task division ------------------------------------------------


def test_network_member_named_in_a_task_cannot_be_deleted(admin_a, org_a, client_north):  # noqa: ANN001
    from arrangements.models import TaskAgreement
    from tests.factories import ArrangementFactory, TaskAgreementFactory

    with tenant_scope(org_a):
        member = NetworkMemberFactory(organization=org_a, client=client_north, name="Ria Noorderling")
        other = NetworkMemberFactory(organization=org_a, client=client_north, name="Kees Buurman")
        arrangement = ArrangementFactory(organization=org_a, client=client_north)
        TaskAgreementFactory(organization=org_a, arrangement=arrangement, task="Boodschappen doen",
                             done_by=TaskAgreement.DoneBy.NETWORK, network_member=member)
        logged = AccessLog.objects.count()
        with translation.override("en"), pytest.raises(ValidationError, match="Boodschappen doen.*reassign the tasks"):
            services.network_member_delete(acting=admin_a.membership, member=member)
        assert client_north.network.filter(pk=member.pk).exists()
        assert AccessLog.objects.count() == logged  # a refused delete is not logged as one
        services.network_member_delete(acting=admin_a.membership, member=other)  # nobody's task: removed
        assert not client_north.network.filter(pk=other.pk).exists()

    url = reverse("clients:network_delete", args=[client_north.pk, member.pk])
    response = admin_a.client.post(url, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "Boodschappen doen" in shown[0] and "Ria Noorderling" in shown[0]
    with tenant_scope(org_a):
        assert client_north.network.filter(pk=member.pk).exists()
