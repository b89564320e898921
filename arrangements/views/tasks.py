"""Per-client care-plan pages: the mantelzorg task division and the evaluations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from arrangements import careplan
from arrangements import selectors_overview as selectors
from arrangements.models import Arrangement, Evaluation, TaskAgreement
from arrangements.services import evaluations as evaluation_services
from arrangements.services import tasks as task_services
from clients.forms import DateInput
from clients.models import Client, NetworkMember
from clients.selectors import access_client_by_id
from clients.services import record_client_view
from clients.views.clients import add_errors, tab_context
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

# --- Task division ----------------------------------------------------------------------


class TaskForm(forms.Form):
    task = forms.CharField(label=gettext_lazy("Task"), max_length=150,
                           widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. breakfast, laundry, shopping")}))
    done_by = forms.ChoiceField(label=gettext_lazy("Done by"), choices=TaskAgreement.DoneBy.choices)
    network_member = forms.ModelChoiceField(label=gettext_lazy("Network member"), queryset=NetworkMember.objects.none(),
                                            required=False, help_text=gettext_lazy("When done by the network: who."))
    frequency = forms.CharField(label=gettext_lazy("How often"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, client: Client, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["network_member"].queryset = NetworkMember.objects.filter(organization=client.organization, client=client)

    @classmethod
    def initial_from(cls, agreement: TaskAgreement) -> dict:
        return {"task": agreement.task, "done_by": agreement.done_by, "network_member": agreement.network_member_id,
                "frequency": agreement.frequency, "note": agreement.note}


def _task_page(request: HttpRequest, client: Client, form: TaskForm | None) -> HttpResponse:
    division = selectors.task_division(client)
    # The add form belongs to a draft; after a refused POST it stays to show why.
    show_form = form is not None and (division.is_editable or form.errors)
    return render(request, "arrangements/tasks_division.html", tab_context(
        request, client, "arrangement", division=division, form=form if show_form else None,
        can_manage_arrangements=request.membership.has_perm(Perm.MANAGE_ARRANGEMENTS), subtab="tasks",
    ))


@requires(Perm.VIEW_CLIENTS)
def tasks(request: HttpRequest, client_id: int) -> HttpResponse:
    """The task division of the current arrangement (draft if any, else the active one); team
    managers and admins change it in a draft, coaches and support staff read it."""
    client = access_client_by_id(request, client_id)
    can_manage = request.membership.has_perm(Perm.MANAGE_ARRANGEMENTS)
    form = TaskForm(request.POST or None, client=client) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        arrangement = selectors.current_arrangement(client)
        if form.is_valid() and arrangement is None:
            form.add_error(None, _("This client has no arrangement yet."))
        elif form.is_valid():
            try:
                task_services.task_add(acting=request.membership, arrangement=arrangement, request=request, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The task has been added."))
                return redirect("budget:tasks", client_id=client.pk)
    else:
        record_client_view(request=request, client=client, what="task division")
    return _task_page(request, client, form)


@requires(Perm.MANAGE_ARRANGEMENTS)
def task_edit(request: HttpRequest, client_id: int, taskagreement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    agreement = selectors.access_taskagreement_by_id(request, client, taskagreement_id)
    form = TaskForm(request.POST or None, client=client,
                    initial=None if request.method == "POST" else TaskForm.initial_from(agreement))
    if request.method == "POST" and form.is_valid():
        try:
            task_services.task_update(acting=request.membership, agreement=agreement, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("budget:tasks", client_id=client.pk)
    return render(request, "arrangements/tasks_edit.html", tab_context(
        request, client, "arrangement", form=form, agreement=agreement,
        is_editable=agreement.arrangement.status == Arrangement.Status.DRAFT, subtab="tasks",
    ))


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def task_remove(request: HttpRequest, client_id: int, taskagreement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    agreement = selectors.access_taskagreement_by_id(request, client, taskagreement_id)
    try:
        task_services.task_remove(acting=request.membership, agreement=agreement, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The task has been removed."))
    return redirect("budget:tasks", client_id=client.pk)


# --- Evaluations ------------------------------------------------------------------------


class EvaluationForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput())
    participants = forms.CharField(label=gettext_lazy("Participants"), max_length=300,
                                   help_text=gettext_lazy("e.g. client, daughter, client coach"))
    conclusions = forms.CharField(label=gettext_lazy("Conclusions"), widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Evaluation.Outcome.choices)
    new_arrangement = forms.ModelChoiceField(
        label=gettext_lazy("New version"), queryset=Arrangement.objects.none(), required=False,
        help_text=gettext_lazy("With the outcome 'new version': the version that follows from this evaluation."),
    )

    def __init__(self, *args, client: Client, evaluated: Arrangement | None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["new_arrangement"].queryset = selectors.newer_versions(client, evaluated)
        self.fields["new_arrangement"].label_from_instance = lambda a: _("Version %(version)s (%(status)s, from %(day)s)") % {
            "version": a.version, "status": a.get_status_display(), "day": a.valid_from.strftime("%d-%m-%Y"),
        }


@requires(Perm.VIEW_CLIENTS)
def evaluation_create(request: HttpRequest, client_id: int) -> HttpResponse:
    """Past evaluations of the care plan, the next due date and (team managers, admins) the
    form to record one."""
    client = access_client_by_id(request, client_id)
    today = timezone.localdate()
    can_manage = request.membership.has_perm(Perm.MANAGE_ARRANGEMENTS)
    evaluated = evaluation_services.active_arrangement(client)
    form = None
    if can_manage and evaluated is not None:
        form = EvaluationForm(request.POST or None, client=client, evaluated=evaluated, initial={"held_on": today,
                              "outcome": Evaluation.Outcome.NO_CHANGE})
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form is None:
            messages.error(request, _("There is no active arrangement to evaluate. Agree and activate an arrangement first."))
            return redirect("budget:evaluation_create", client_id=client.pk)
        if form.is_valid():
            try:
                evaluation_services.evaluation_record(acting=request.membership, client=client, request=request,
                                                      **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The evaluation has been recorded."))
                return redirect("budget:evaluation_create", client_id=client.pk)
    else:
        record_client_view(request=request, client=client, what="care plan evaluations")
    evaluations = selectors.client_evaluations(client)
    policy = careplan.policy_for(request.organization)
    agreed_on = evaluated.agreed_on if evaluated is not None else None
    due = careplan.next_evaluation_due(agreed_on=agreed_on, last_evaluation=evaluations[0] if evaluations else None,
                                       policy=policy)
    plan_due = careplan.plan_due(client, agreed_on=agreed_on, care_start=client.care_start, policy=policy)
    return render(request, "arrangements/evaluation_list.html", tab_context(
        request, client, "arrangement", form=form, evaluations=evaluations, evaluated=evaluated, policy=policy,
        next_due=due, next_due_status=careplan.status(due, today) if due else None,
        plan_due=plan_due, plan_due_status=careplan.status(plan_due, today) if plan_due else None,
        subtab="evaluations", today=today,
    ))
