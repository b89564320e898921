"""CSV import of clients: upload, preview with every problem per line, then import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clients import selectors, services
from clients.models import ClientImport
from clients.services.imports import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED,
    ImportRefused,
    check_content,
)
from clients.views.clients import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PREVIEW_ROWS = 500  # a longer file shows its first rows; the error list is always complete
PREVIEW_ERRORS = 1000

# Column -> (example, what it holds), for the format description on the upload page.
COLUMN_HELP = {
    "voornaam": ("Anna", gettext_lazy("First name")),
    "tussenvoegsel": ("van der", gettext_lazy("Prefix of the last name")),
    "achternaam": ("Berg", gettext_lazy("Last name")),
    "geboortedatum": ("17-05-1940", gettext_lazy("Date of birth: dd-mm-jjjj or jjjj-mm-dd")),
    "bsn": ("111222333", gettext_lazy("BSN, 9 digits (elfproef); unique in the organisation and the file")),
    "straat": ("Dorpsstraat", gettext_lazy("Street")),
    "huisnummer": ("12", gettext_lazy("House number, a whole number")),
    "toevoeging": ("a", gettext_lazy("House number addition")),
    "postcode": ("2511 AB", gettext_lazy("Dutch postcode")),
    "plaats": ("Den Haag", gettext_lazy("City")),
    "wijk": ("Centrum", gettext_lazy("District (wijk)")),
    "huisarts": ("Dr. Jansen", gettext_lazy("GP (huisarts)")),
    "team": ("Team Noord", gettext_lazy("Name of one of your teams, as written in vpt")),
    "zorgprofiel": ("5VV", gettext_lazy("Zorgprofiel of the indication, e.g. 4VV, 5VV, 6LG")),
    "indicatie_van": ("01-01-2025", gettext_lazy("Indication valid from")),
    "indicatie_tot": ("31-12-2026", gettext_lazy("Indication valid to; empty: open-ended")),
    "ciz_referentie": ("CIZ-123456", gettext_lazy("Reference of the CIZ decision")),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, separated by ; or , with the column names in the first row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_file(self):  # noqa: ANN201
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file is larger than %(mb)s MB. Split it into smaller files.")
                                  % {"mb": MAX_BYTES // (1024 * 1024)})
        try:
            self.cleaned_data["content"] = upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("The file is not UTF-8 text. In Excel choose 'Save as' and the type 'CSV UTF-8 (comma delimited)'.")
            ) from exc
        return upload


@requires(Perm.IMPORT_CLIENTS)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            client_import = services.import_preview(
                acting=request.membership, filename=form.cleaned_data["file"].name, content=form.cleaned_data["content"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("clients:import_preview", clientimport_id=client_import.pk)
    columns = [(name, name in REQUIRED, *COLUMN_HELP[name]) for name in COLUMNS]
    return render(request, "clients/import_upload.html", {"form": form, "columns": columns, "max_rows": MAX_ROWS,
                                                          "max_mb": MAX_BYTES // (1024 * 1024),
                                                          "header": ";".join(COLUMNS)})


@requires(Perm.IMPORT_CLIENTS)
def import_preview_view(request: HttpRequest, clientimport_id: int) -> HttpResponse:
    client_import = selectors.access_clientimport_by_id(request, clientimport_id)
    refused = None
    if request.method == "POST":
        try:
            count = services.import_commit(acting=request.membership, client_import=client_import, request=request)
        except ImportRefused as exc:
            refused = exc.errors
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("clients:import_preview", clientimport_id=client_import.pk)
        else:
            messages.success(request, ngettext("%(count)s client has been imported with their indication.",
                                               "%(count)s clients have been imported with their indications.", count)
                             % {"count": count})
            return redirect("clients:list")
    imported = client_import.status == ClientImport.Status.IMPORTED
    check = None if imported else check_content(acting=request.membership, content=client_import.content)
    errors = refused if refused is not None else (check.errors if check else [])
    return render(request, "clients/import_preview.html", {
        "client_import": client_import,
        "imported": imported,
        "refused": refused is not None,
        "rows": check.rows[:PREVIEW_ROWS] if check else [],
        "row_count": len(check.rows) if check else client_import.row_count,
        "rows_hidden": max(0, len(check.rows) - PREVIEW_ROWS) if check else 0,
        "errors": errors[:PREVIEW_ERRORS],
        "error_count": len(errors),
        "errors_hidden": max(0, len(errors) - PREVIEW_ERRORS),
        "can_commit": bool(check and check.ok and refused is None),
    })
