"""Who sees which report, in both layers: the application scope (tenant manager and
`funder_objects`) and PostgreSQL row-level security (the `tenant_isolation` and `funder_*`
policies). The page- and API-level cases are in test_zk_pages.py, test_provider_pages.py,
test_api.py and the isolation walker (tests/test_isolation.py)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import ScopeError

from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from tests.factories import (
    ClientFactory,
    ContractFactory,
    DayLineFactory,
    ProviderReportFactory,
    ReportCommentFactory,
    ReportEventFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.models import Contract
from vpt.tenancy.scope import tenant_scope

TABLES = ("reports_providerreport", "reports_reportversion", "reports_reportcomment", "reports_reportevent")


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (test constant)
        return cursor.fetchone()[0]


def refused(sql: str, params: list) -> bool:
    """True when the statement raises (RLS WITH CHECK, missing privilege)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def rows_changed(sql: str, params: list) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def world(org_a, org_b):  # noqa: ANN001, ANN201
    """Provider A contracted by zorgkantoor 1 (region A); provider B only by zorgkantoor 2
    (region B). A has a submitted report (version, comment, event) and a draft; B a
    submitted report. A also has client-level rows."""
    zk1, zk2 = ZorgkantoorFactory(name="ZK regio A"), ZorgkantoorFactory(name="ZK regio B")
    contract_a = ContractFactory(organization=org_a, zorgkantoor=zk1)
    contract_b = ContractFactory(organization=org_b, zorgkantoor=zk2)
    submitted = ProviderReportFactory(organization=org_a, contract=contract_a, quarter=2)
    ReportVersionFactory(organization=org_a, report=submitted, number=1)
    ReportCommentFactory(organization=org_a, report=submitted)
    ReportEventFactory(organization=org_a, report=submitted)
    draft = ProviderReportFactory(organization=org_a, contract=contract_a, quarter=3,
                                  status=ProviderReport.Status.DRAFT, submitted_at=None)
    other = ProviderReportFactory(organization=org_b, contract=contract_b, quarter=2)
    ReportVersionFactory(organization=org_b, report=other, number=1)
    client = ClientFactory(organization=org_a)
    DayLineFactory(organization=org_a, client=client)
    return {"zk1": zk1, "zk2": zk2, "a": org_a, "b": org_b, "submitted": submitted, "draft": draft, "other": other,
            "contract_a": contract_a}


# --- row-level security --------------------------------------------------------------------


def test_zorgkantoor_reads_submitted_reports_of_its_providers_only(world):  # noqa: ANN001
    with tenant_scope(world["zk1"]):
        assert {t: count(t) for t in TABLES} == dict.fromkeys(TABLES, 1)  # A's submitted report, never the draft
        assert count("tenancy_contract") == 1
        # Never client-level rows.
        assert count("clients_client") == 0
        assert count("billing_dayline") == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM reports_providerreport")
            assert [r[0] for r in cursor.fetchall()] == [world["submitted"].pk]


def test_zorgkantoor_of_another_region_sees_nothing_of_the_provider(world):  # noqa: ANN001
    with tenant_scope(world["zk2"]), connection.cursor() as cursor:
        cursor.execute("SELECT organization_id FROM reports_providerreport")
        assert [r[0] for r in cursor.fetchall()] == [world["b"].pk]
        cursor.execute("SELECT count(*) FROM tenancy_contract WHERE organization_id = %s", [world["a"].pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM reports_reportversion WHERE organization_id = %s", [world["a"].pk])
        assert cursor.fetchone()[0] == 0


def test_a_provider_never_sees_another_providers_report(world):  # noqa: ANN001
    with tenant_scope(world["b"]), connection.cursor() as cursor:
        cursor.execute("SELECT organization_id FROM reports_providerreport")
        assert {r[0] for r in cursor.fetchall()} == {world["b"].pk}
        for table in TABLES[1:]:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE organization_id = %s",  # noqa: S608
                           [world["a"].pk])
            assert cursor.fetchone()[0] == 0


def test_without_a_tenant_no_report_row_is_visible(world):  # noqa: ANN001
    assert {t: count(t) for t in TABLES} == dict.fromkeys(TABLES, 0)


def test_zorgkantoor_writes_only_what_the_review_needs(world):  # noqa: ANN001
    submitted, draft = world["submitted"], world["draft"]
    with tenant_scope(world["zk1"]):
        # It moves the status of a submitted report …
        assert rows_changed("UPDATE reports_providerreport SET status = 'in_review' WHERE id = %s",
                            [submitted.pk]) == 1
        # … but cannot put it back to draft (WITH CHECK), touch a draft, or make a report.
        assert refused("UPDATE reports_providerreport SET status = 'draft' WHERE id = %s", [submitted.pk])
        assert rows_changed("UPDATE reports_providerreport SET status = 'approved' WHERE id = %s", [draft.pk]) == 0
        assert refused(
            "INSERT INTO reports_providerreport (organization_id, contract_id, zorgkantoor_id, kind, year, quarter,"
            " status, draft_figures, created_at, created_by_name) VALUES (%s, %s, %s, 'quarter', 2026, 1,"
            " 'submitted', '{}', now(), 'x')",
            [world["a"].pk, world["contract_a"].pk, world["zk1"].pk],
        )
        # Frozen figures stay frozen; the contract is the provider's to change.
        assert refused("UPDATE reports_reportversion SET figures = '{}'", [])
        assert refused("DELETE FROM reports_reportversion", [])
        assert rows_changed("UPDATE tenancy_contract SET production_agreement = 1", []) == 0
        # Comments go only on reports it may see.
        insert_comment = (
            "INSERT INTO reports_reportcomment (organization_id, zorgkantoor_id, report_id, section, side,"
            " version_number, author_name, body, created_at) VALUES (%s, %s, %s, 'general', 'zorgkantoor', 1,"
            " 'x', 'y', now())"
        )
        assert not refused(insert_comment, [world["a"].pk, world["zk1"].pk, submitted.pk])
        assert refused(insert_comment, [world["a"].pk, world["zk1"].pk, draft.pk])
        assert refused(insert_comment, [world["b"].pk, world["zk1"].pk, world["other"].pk])


def test_provider_cannot_rewrite_history(world):  # noqa: ANN001
    with tenant_scope(world["a"]):
        for table in TABLES[1:]:
            assert refused(f"UPDATE {table} SET organization_id = organization_id", [])  # noqa: S608
            assert refused(f"DELETE FROM {table}", [])  # noqa: S608


# --- application scope -------------------------------------------------------------------------


def test_funder_managers_refuse_to_run_without_a_tenant(world):  # noqa: ANN001
    for model in (ProviderReport, ReportVersion, ReportComment, ReportEvent, Contract):
        with pytest.raises(ScopeError):
            list(model.funder_objects.all())


def test_funder_managers_filter_by_the_active_zorgkantoor(world):  # noqa: ANN001
    with tenant_scope(world["zk1"]):
        assert list(ProviderReport.funder_objects.values_list("pk", flat=True)) == [world["submitted"].pk]
        assert ReportVersion.funder_objects.count() == 1
        assert list(Contract.funder_objects.values_list("organization_id", flat=True)) == [world["a"].pk]
        # The tenant manager shows the zorgkantoor's own rows: none.
        assert ProviderReport.objects.count() == 0
    with tenant_scope(world["zk2"]):
        assert not ProviderReport.funder_objects.filter(pk=world["submitted"].pk).exists()
    with tenant_scope(world["a"]):  # a provider has no funder view
        assert ProviderReport.funder_objects.count() == 0
        assert ProviderReport.objects.count() == 2
