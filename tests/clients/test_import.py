"""CSV import of clients with indications: checks per line, all-or-nothing commit, access."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import services
from clients.models import Client, ClientImport, WlzIndication
from clients.services import imports
from clients.services.imports import COLUMNS, ImportRefused, check_content, import_rows
from tests.factories import ClientFactory, TeamFactory, make_bsn
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

HEADER = list(COLUMNS)


@pytest.fixture
def import_team(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord")


def row(n: int, **overrides: str) -> dict[str, str]:
    values = {
        "voornaam": f"Anna{n}", "tussenvoegsel": "van der", "achternaam": "Berg", "geboortedatum": "17-05-1940",
        "bsn": make_bsn(n), "straat": "Dorpsstraat", "huisnummer": str(n + 1), "toevoeging": "", "postcode": "2511 AB",
        "plaats": "Den Haag", "wijk": "Centrum", "huisarts": "Dr. Jansen", "team": "Team Noord", "zorgprofiel": "5VV",
        "indicatie_van": "01-01-2025", "indicatie_tot": "31-12-2026", "ciz_referentie": f"CIZ-{n:06d}",
    }
    values.update(overrides)
    return values


def csv_text(rows: list[dict[str, str]], sep: str = ";", header: list[str] | None = None) -> str:
    header = header or HEADER
    return "\n".join([sep.join(header), *(sep.join(r.get(c, "") for c in header) for r in rows)]) + "\n"


def upload(persona, content: bytes, name: str = "clienten.csv"):  # noqa: ANN001, ANN201
    return persona.client.post(reverse("clients:import_upload"),
                               {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def preview(persona, text: str) -> ClientImport:  # noqa: ANN001
    with tenant_scope(persona.organization):
        return services.import_preview(acting=persona.membership, filename="test.csv", content=text)


def triples(errors) -> list[tuple[int, str, str]]:  # noqa: ANN001
    return [(e.line, e.column, e.code) for e in errors]


def errors_of(persona, text: str) -> list[tuple[int, str, str]]:  # noqa: ANN001
    with tenant_scope(persona.organization):
        check = check_content(acting=persona.membership, content=text)
    for error in check.errors:
        assert error.message and str(error)  # a reason in words, not only a code
    return triples(check.errors)


def client_count(org) -> int:  # noqa: ANN001
    with tenant_scope(org):
        return Client.objects.count()


# --- the happy path, through the pages -------------------------------------------------------


def test_valid_file_imports_three_clients_with_indications(admin_a, org_a, import_team):  # noqa: ANN001
    response = upload(admin_a, csv_text([row(1), row(2, indicatie_tot=""), row(3, zorgprofiel="6lg")]).encode())
    with tenant_scope(org_a):
        client_import = ClientImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:import_preview", args=[client_import.pk])
    assert (client_import.row_count, client_import.error_count, client_import.status) == (3, 0, ClientImport.Status.PREVIEWED)
    assert client_count(org_a) == 0  # the preview writes no clients

    page = admin_a.client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "•••••" + make_bsn(1)[-4:] in body
    assert make_bsn(1) not in body  # only the masked BSN is shown
    assert 'id="import-commit"' in body

    done = admin_a.client.post(response.url)
    assert done.status_code == 302 and done.url == reverse("clients:list")
    with tenant_scope(org_a):
        clients = {c.first_name: c for c in Client.objects.all()}
        assert set(clients) == {"Anna1", "Anna2", "Anna3"}
        anna = clients["Anna1"]
        assert (anna.name_prefix, anna.date_of_birth, anna.postcode, anna.primary_team) == (
            "van der", datetime.date(1940, 5, 17), "2511 AB", import_team)
        assert anna.reveal_bsn() == make_bsn(1)
        assert anna.status == Client.Status.INTAKE
        indications = {i.client.first_name: i for i in WlzIndication.objects.select_related("client")}
        assert indications["Anna1"].zorgprofiel == "754"
        assert indications["Anna1"].valid_to == datetime.date(2026, 12, 31)
        assert indications["Anna1"].ciz_reference == "CIZ-000001"
        assert indications["Anna2"].valid_to is None
        assert indications["Anna3"].zorgprofiel_short == "6LG"
        client_import.refresh_from_db()
        assert client_import.status == ClientImport.Status.IMPORTED
        assert client_import.imported_at is not None
        assert client_import.content == ""  # the BSNs are gone
        log = AccessLog.objects.get(object_type="clients.clientimport", object_id=str(client_import.pk))
        assert log.action == AccessLog.Action.CREATE and "3" in log.description
    after = admin_a.client.get(response.url)
    assert after.status_code == 200 and 'id="import-commit"' not in after.content.decode()


def test_the_sample_file_in_the_docs_imports(admin_a, org_a, import_team):  # noqa: ANN001
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "examples" / "clients-import.csv").read_text(encoding="utf-8")
    client_import = preview(admin_a, text)
    assert (client_import.row_count, client_import.error_count) == (3, 0)
    with tenant_scope(org_a):
        assert services.import_commit(acting=admin_a.membership, client_import=client_import) == 3


# --- problems, per line ----------------------------------------------------------------------


def test_bad_rows_are_reported_by_line_and_nothing_is_committed(admin_a, org_a, import_team):  # noqa: ANN001
    bad_bsn = make_bsn(2)[:-1] + str((int(make_bsn(2)[-1]) + 1) % 10)
    text = csv_text([row(1), row(2, bsn=bad_bsn), row(3, postcode="12345"), row(4)])
    client_import = preview(admin_a, text)
    assert (client_import.row_count, client_import.error_count) == (4, 2)
    assert errors_of(admin_a, text) == [(3, "bsn", "bsn_elfproef"), (4, "postcode", "postcode")]

    page = admin_a.client.get(reverse("clients:import_preview", args=[client_import.pk]))
    body = page.content.decode()
    assert 'class="alert alert-error"' in body and "row-error" in body
    assert 'id="import-commit"' not in body  # no import button while there are problems

    before = client_count(org_a)
    with tenant_scope(org_a), pytest.raises(ImportRefused) as refused:
        services.import_commit(acting=admin_a.membership, client_import=client_import)
    assert triples(refused.value.errors) == [(3, "bsn", "bsn_elfproef"), (4, "postcode", "postcode")]
    assert client_count(org_a) == before == 0
    with tenant_scope(org_a):
        client_import.refresh_from_db()
        assert client_import.status == ClientImport.Status.FAILED
        assert WlzIndication.objects.count() == 0


def test_a_refused_commit_through_the_page_shows_the_errors(admin_a, org_a, import_team):  # noqa: ANN001
    client_import = preview(admin_a, csv_text([row(1), row(2)]))
    ClientFactory(organization=org_a, bsn=make_bsn(2))  # someone registered her meanwhile
    response = admin_a.client.post(reverse("clients:import_preview", args=[client_import.pk]))
    assert response.status_code == 200
    assert 'class="alert alert-error"' in response.content.decode()
    assert client_count(org_a) == 1  # not even the first row


def test_duplicate_bsn_within_the_file(admin_a, import_team):  # noqa: ANN001
    text = csv_text([row(1), row(2), row(3, bsn=make_bsn(1))])
    assert errors_of(admin_a, text) == [(4, "bsn", "duplicate_bsn")]


def test_bsn_already_in_the_organisation(admin_a, org_a, org_b, import_team):  # noqa: ANN001
    ClientFactory(organization=org_a, bsn=make_bsn(2))
    ClientFactory(organization=org_b, bsn=make_bsn(3))  # another organisation's client is no clash
    assert errors_of(admin_a, csv_text([row(1), row(2), row(3)])) == [(3, "bsn", "bsn_exists")]


def test_unknown_team_and_another_organisations_team(admin_a, org_b, import_team):  # noqa: ANN001
    TeamFactory(organization=org_b, name="Team Zuid")
    text = csv_text([row(1, team="team noord"), row(2, team="Team Oost"), row(3, team="Team Zuid")])
    assert errors_of(admin_a, text) == [(3, "team", "unknown_team"), (4, "team", "unknown_team")]


@pytest.mark.parametrize("overrides,expected", [
    ({"voornaam": ""}, [(2, "voornaam", "required")]),
    ({"indicatie_van": ""}, [(2, "indicatie_van", "required")]),
    ({"geboortedatum": "31-02-1940"}, [(2, "geboortedatum", "date")]),
    ({"geboortedatum": "17/05/1940"}, [(2, "geboortedatum", "date")]),
    ({"geboortedatum": "1940-05-17"}, []),
    ({"zorgprofiel": "9XX"}, [(2, "zorgprofiel", "zorgprofiel")]),
    ({"zorgprofiel": "754"}, []),
    ({"indicatie_tot": "31-12-2024"}, [(2, "indicatie_tot", "end_before_start")]),
    ({"huisnummer": "12a"}, []),
    ({"huisnummer": "twaalf"}, [(2, "huisnummer", "house_number")]),
    ({"bsn": "1234"}, [(2, "bsn", "bsn_format")]),
])
def test_row_checks(admin_a, import_team, overrides, expected):  # noqa: ANN001
    assert errors_of(admin_a, csv_text([row(1, **overrides)])) == expected


def test_missing_and_unknown_columns_in_the_header(admin_a, import_team):  # noqa: ANN001
    header = [c for c in HEADER if c not in ("bsn", "toevoeging")] + ["telefoon"]
    assert errors_of(admin_a, csv_text([row(1)], header=header)) == [
        (1, "telefoon", "unknown_column"), (1, "bsn", "missing_column")]
    optional_left_out = [c for c in HEADER if c not in ("toevoeging", "ciz_referentie", "wijk")]
    assert errors_of(admin_a, csv_text([row(1)], header=optional_left_out)) == []


def test_empty_file_and_header_only(admin_a, import_team):  # noqa: ANN001
    assert errors_of(admin_a, "") == [(1, "", "empty")]
    assert errors_of(admin_a, csv_text([])) == [(2, "", "no_rows")]


# --- the file format -------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ","])
def test_semicolon_and_comma_files(admin_a, import_team, sep):  # noqa: ANN001
    rows = import_rows(csv_text([row(1), row(2, huisarts="Jansen, huisarts")], sep=sep).replace(
        "Jansen, huisarts", '"Jansen, huisarts"'))
    assert [(r.line, r.first_name, r.gp_name, r.errors) for r in rows] == [
        (2, "Anna1", "Dr. Jansen", []), (3, "Anna2", "Jansen, huisarts", [])]


def test_byte_order_mark_and_crlf(admin_a, org_a, import_team):  # noqa: ANN001
    data = csv_text([row(1), row(2)]).replace("\n", "\r\n").encode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    response = upload(admin_a, data)
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert ClientImport.objects.get().error_count == 0


def test_comment_and_blank_lines_keep_the_line_numbers(admin_a, import_team):  # noqa: ANN001
    text = "# export uit het oude systeem\n\n" + csv_text([row(1), row(2, postcode="x")]).replace("\n", "\n\n", 1)
    assert errors_of(admin_a, text) == [(6, "postcode", "postcode")]


def test_non_utf8_upload_gives_a_clear_error(admin_a, org_a, import_team):  # noqa: ANN001
    response = upload(admin_a, csv_text([row(1, voornaam="Chloë")]).encode("cp1252"))
    assert response.status_code == 200
    assert "UTF-8" in response.content.decode()
    with tenant_scope(org_a):
        assert not ClientImport.objects.exists()


def test_too_many_rows_and_too_large(admin_a, org_a, import_team, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        services.import_preview(acting=admin_a.membership, filename="x.csv", content=csv_text([row(1), row(2), row(3)]))
    assert exc.value.code == "too_many_rows"
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    response = upload(admin_a, csv_text([row(1)]).encode())
    assert response.status_code == 200 and "MB" in response.content.decode()
    with tenant_scope(org_a):
        assert not ClientImport.objects.exists()


# --- commit rules ----------------------------------------------------------------------------


def test_committing_twice_is_refused(admin_a, org_a, import_team):  # noqa: ANN001
    client_import = preview(admin_a, csv_text([row(1), row(2)]))
    with tenant_scope(org_a):
        assert services.import_commit(acting=admin_a.membership, client_import=client_import) == 2
        with pytest.raises(ValidationError) as exc:
            services.import_commit(acting=admin_a.membership, client_import=client_import)
    assert exc.value.code == "already_imported"
    response = admin_a.client.post(reverse("clients:import_preview", args=[client_import.pk]))
    assert response.status_code == 302
    assert client_count(org_a) == 2


# --- access ----------------------------------------------------------------------------------


def test_finance_may_not_import(org_a, make_persona, admin_a, import_team):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    client_import = preview(admin_a, csv_text([row(1)]))
    assert finance.client.get(reverse("clients:import_upload")).status_code == 403
    assert upload(finance, csv_text([row(2)]).encode()).status_code == 403
    url = reverse("clients:import_preview", args=[client_import.pk])
    assert finance.client.get(url).status_code == 403
    assert finance.client.post(url).status_code == 403
    assert client_count(org_a) == 0


def test_admin_of_another_organisation_gets_404(admin_a, admin_b, org_a, import_team):  # noqa: ANN001
    client_import = preview(admin_a, csv_text([row(1)]))
    url = reverse("clients:import_preview", args=[client_import.pk])
    assert admin_b.client.get(url).status_code == 404
    assert admin_b.client.post(url).status_code == 404
    assert client_count(org_a) == 0


def test_upload_page_describes_the_format(admin_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("clients:import_upload"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert ";".join(HEADER) in body


# --- queries ---------------------------------------------------------------------------------


def test_preview_query_count_does_not_grow_with_the_rows(admin_a, org_a, import_team):  # noqa: ANN001
    ClientFactory(organization=org_a, bsn=make_bsn(1000))

    def count(n: int) -> tuple[int, int]:
        text = csv_text([row(i) for i in range(n)])
        with CaptureQueriesContext(connection) as ctx:
            client_import = preview(admin_a, text)
        service = len(ctx.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            response = admin_a.client.get(reverse("clients:import_preview", args=[client_import.pk]))
        assert response.status_code == 200
        return service, len(ctx.captured_queries)

    five, fifty = count(5), count(50)
    assert five == fifty, (five, fifty)
