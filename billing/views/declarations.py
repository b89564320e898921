"""Declarations to the zorgkantoor (AW319): the list with the "make declaration" form, the
detail page (totals, findings, lines, actions), the answer form and the downloads. Thin:
the rules are in billing.declarations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.declarations import (
    RETURN_CODE_RE,
    RETURN_CODES,
    access_declaration_by_id,
    blocking_findings,
    declaration_build,
    declaration_deadline,
    declaration_export,
    declaration_line_counts,
    declaration_lines,
    declaration_record_answer,
    declaration_submit,
    declaration_validate,
    declarations,
    findings_by_code,
    is_overdue,
    month_choices,
)
from billing.models import Declaration, DeclarationLine
from billing.views.common import require_provider
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50
LINES_PAGE_SIZE = 100
ANSWER_ROWS = 8
OTHER = "other"


class BuildForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"))

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices()

    def year_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class LineFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Client name"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All")), *DeclarationLine.Status.choices])


def _code_choices() -> list[tuple[str, str]]:
    return [("", "—"), *[(code, f"{code} – {label}") for code, label in RETURN_CODES.items()],
            (OTHER, _("Other code"))]


class RejectionForm(forms.Form):
    line = forms.IntegerField(label=gettext_lazy("Line"), min_value=1, required=False)
    code = forms.ChoiceField(label=gettext_lazy("Return code"), required=False)
    other_code = forms.CharField(label=gettext_lazy("Other code (4 digits)"), max_length=4, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = _code_choices()

    def clean(self) -> dict:
        data = super().clean()
        line, code = data.get("line"), data.get("code")
        if line is None:
            if code or data.get("other_code") or data.get("reason"):
                self.add_error("line", _("Enter the number of the rejected line."))
            return data
        if not code:
            self.add_error("code", _("Choose the return code."))
        elif code == OTHER:
            other = (data.get("other_code") or "").strip()
            if not RETURN_CODE_RE.match(other):
                self.add_error("other_code", _("A return code has 4 digits."))
            data["return_code"] = other
        else:
            data["return_code"] = code
        return data


RejectionFormSet = forms.formset_factory(RejectionForm, extra=ANSWER_ROWS)


class AnswerConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("Every line not listed here was accepted by the zorgkantoor"))


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@requires(Perm.MANAGE_FINANCE)
def declaration_list(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    form = BuildForm()
    if form.fields["month"].choices:
        form.initial["month"] = form.fields["month"].choices[0][0]  # the previous month
    page = Paginator(declarations(organization=request.organization), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(d, declaration_deadline(d.year, d.month), is_overdue(d)) for d in page.object_list]
    template = "billing/declarations/list.html#results" if request.htmx else "billing/declarations/list.html"
    return render(request, template, {"form": form, "page": page, "rows": rows})


@require_POST
@requires(Perm.MANAGE_FINANCE)
def declaration_create(request: HttpRequest) -> HttpResponse:
    require_provider(request)
    form = BuildForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a month that has ended."))
        return redirect("billing:declarations")
    year, month = form.year_month()
    try:
        declaration = declaration_build(request.organization, year, month, user=request.user, request=request)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("billing:declarations")
    messages.success(request, _("Declaration %(reference)s has been made: %(n)s lines. Validate it before you "
                                "submit it.") % {"reference": declaration.reference, "n": declaration.lines.count()})
    return redirect("billing:declaration_detail", declaration_id=declaration.pk)


@requires(Perm.MANAGE_FINANCE)
def declaration_detail(request: HttpRequest, declaration_id: int) -> HttpResponse:
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    filter_form = LineFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    lines = declaration_lines(declaration, search=filters.get("q", ""), status=filters.get("status", ""))
    page = Paginator(lines, LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    record_access(action=AccessLog.Action.VIEW, request=request, obj=declaration,
                  description=f"declaration {declaration.reference}, lines page {page.number}")
    context = {
        "declaration": declaration,
        "deadline": declaration_deadline(declaration.year, declaration.month),
        "overdue": is_overdue(declaration),
        "groups": findings_by_code(declaration),
        "blocking": blocking_findings(declaration),
        "counts": declaration_line_counts(declaration),
        "filter_form": filter_form,
        "page": page,
    }
    if request.htmx:
        return render(request, "billing/declarations/detail.html#lines", context)
    return render(request, "billing/declarations/detail.html", context)


@require_POST
@requires(Perm.MANAGE_FINANCE)
def declaration_rebuild(request: HttpRequest, declaration_id: int) -> HttpResponse:
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    try:
        declaration = declaration_build(request.organization, declaration.year, declaration.month,
                                        user=request.user, request=request)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The declaration has been rebuilt from the current day lines. Validate it "
                                    "again before you submit it."))
    return redirect("billing:declaration_detail", declaration_id=declaration.pk)


@require_POST
@requires(Perm.MANAGE_FINANCE)
def declaration_run_validation(request: HttpRequest, declaration_id: int) -> HttpResponse:
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    try:
        findings = declaration_validate(declaration)
    except ValidationError as exc:
        _error(request, exc)
    else:
        blocking = sum(1 for f in findings if f.blocking)
        if blocking:
            messages.error(request, _("Validation found %(n)s blocking problems: the declaration cannot be submitted "
                                      "until they are solved.") % {"n": blocking})
        else:
            messages.success(request, _("Validation found no blocking problems (%(n)s remarks).")
                             % {"n": len(findings)})
    return redirect("billing:declaration_detail", declaration_id=declaration.pk)


@require_POST
@requires(Perm.MANAGE_FINANCE)
def declaration_submit_view(request: HttpRequest, declaration_id: int) -> HttpResponse:
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the confirmation to submit the declaration."))
        return redirect("billing:declaration_detail", declaration_id=declaration.pk)
    try:
        declaration_submit(declaration, user=request.user, request=request)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Declaration %(reference)s has been submitted. Download the AW319 file and send "
                                    "it to the zorgkantoor through VECOZO.") % {"reference": declaration.reference})
    return redirect("billing:declaration_detail", declaration_id=declaration.pk)


@requires(Perm.MANAGE_FINANCE)
def declaration_answer(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """Record the zorgkantoor's answer (AW320): the rejected lines by number, with return code
    and reason; every other line is accepted."""
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    if declaration.status != Declaration.Status.SUBMITTED:
        messages.error(request, _("The answer can only be recorded once, for a submitted declaration."))
        return redirect("billing:declaration_detail", declaration_id=declaration.pk)
    formset = RejectionFormSet(request.POST or None, prefix="rejected")
    confirm = AnswerConfirmForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid() and confirm.is_valid():
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("line")]
        numbers = [row["line"] for row in rows]
        ids = dict(DeclarationLine.objects.filter(organization=request.organization, declaration=declaration,
                                                  number__in=numbers).values_list("number", "pk"))
        problems = sorted({n for n in numbers if n not in ids})
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if problems:
            errors.append(_("The declaration has no line %(numbers)s.") % {"numbers": ", ".join(map(str, problems))})
        elif duplicates:
            errors.append(_("Line %(numbers)s is listed twice.") % {"numbers": ", ".join(map(str, duplicates))})
        else:
            rejections = {ids[row["line"]]: (row["return_code"], row.get("reason", "")) for row in rows}
            try:
                declaration = declaration_record_answer(declaration, rejections=rejections, user=request.user,
                                                        request=request)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("The answer has been recorded: %(status)s.")
                                 % {"status": declaration.get_status_display()})
                return redirect("billing:declaration_detail", declaration_id=declaration.pk)
    return render(request, "billing/declarations/answer.html", {
        "declaration": declaration, "formset": formset, "confirm": confirm, "errors": errors,
        "counts": declaration_line_counts(declaration),
    })


def _download(request: HttpRequest, declaration_id: int, fmt: str) -> HttpResponse:
    require_provider(request)
    declaration = access_declaration_by_id(request, declaration_id)
    try:
        export = declaration_export(declaration, fmt=fmt, user=request.user, request=request)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("billing:declaration_detail", declaration_id=declaration.pk)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@requires(Perm.MANAGE_FINANCE)
def declaration_aw319(request: HttpRequest, declaration_id: int) -> HttpResponse:
    return _download(request, declaration_id, "aw319")


@requires(Perm.MANAGE_FINANCE)
def declaration_csv(request: HttpRequest, declaration_id: int) -> HttpResponse:
    return _download(request, declaration_id, "csv")
