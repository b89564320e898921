"""The small team around one client: its fixed faces ("vaste gezichten") and its primary
client coach. Needs MANAGE_TEAMS; a client outside what the member may see is 404.

Adding and removing work with and without htmx: with htmx the view answers with the
`panel` partial of the page, otherwise it redirects back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from clients.selectors import access_client_by_id
from clients.services import record_client_view
from clients.views.clients import tab_context
from teams.forms import ClientCoachForm, FixedFaceAddForm
from teams.models import FixedFace
from teams.selectors import access_fixedface_by_id, fixed_faces
from teams.services import MAX_FIXED_FACES, fixed_face_add, fixed_face_remove
from teams.services_assignments import client_coach_set
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


def _page(
    request: HttpRequest, client: Client, *, faces: list[FixedFace] | None = None,
    add_form: FixedFaceAddForm | None = None, coach_form: ClientCoachForm | None = None, notice: str = "",
    partial: bool | None = None,
) -> HttpResponse:
    faces = fixed_faces(client) if faces is None else faces
    add_form = add_form or FixedFaceAddForm(membership=request.membership, client=client, faces=faces)
    context = {
        "faces": faces, "add_form": add_form, "max_faces": MAX_FIXED_FACES,
        "is_full": len(faces) >= MAX_FIXED_FACES, "notice": notice,
    }
    if bool(request.htmx) if partial is None else partial:
        return render(request, "teams/faces.html#panel", {"client": client, **context})
    coach_form = coach_form or ClientCoachForm(client=client, initial={"coach": client.client_coach_id})
    return render(request, "teams/faces.html", tab_context(request, client, "overview", coach_form=coach_form, **context))


@requires(Perm.MANAGE_TEAMS)
def faces_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    record_client_view(request=request, client=client, what="fixed faces and coach")
    return _page(request, client)


@require_POST
@requires(Perm.MANAGE_TEAMS)
def faces_add(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    faces = fixed_faces(client)
    form = FixedFaceAddForm(request.POST, membership=request.membership, client=client, faces=faces)
    if form.is_valid():
        employee = form.cleaned_data["employee"]
        try:
            fixed_face_add(acting=request.membership, client=client, employee=employee,
                           since=form.cleaned_data["since"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            notice = _("%(name)s is now one of the fixed faces.") % {"name": employee.full_name}
            if request.htmx:
                return _page(request, client, notice=notice)
            messages.success(request, notice)
            return redirect("faces:edit", client_id=client.pk)
    return _page(request, client, faces=faces, add_form=form)


@require_POST
@requires(Perm.MANAGE_TEAMS)
def faces_remove(request: HttpRequest, client_id: int, fixedface_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    face = access_fixedface_by_id(request, client, fixedface_id)
    name = face.employee.full_name
    fixed_face_remove(acting=request.membership, face=face, request=request)
    notice = _("%(name)s is no longer one of the fixed faces.") % {"name": name}
    if request.htmx:
        return _page(request, client, notice=notice)
    messages.success(request, notice)
    return redirect("faces:edit", client_id=client.pk)


@require_POST
@requires(Perm.MANAGE_TEAMS)
def coach_set(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    form = ClientCoachForm(request.POST, client=client)
    if form.is_valid():
        try:
            client_coach_set(acting=request.membership, client=client, coach=form.cleaned_data["coach"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The primary client coach has been saved."))
            return redirect("faces:edit", client_id=client.pk)
    return _page(request, client, coach_form=form, partial=False)  # an ordinary form: the whole page
