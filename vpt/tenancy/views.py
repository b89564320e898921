from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vpt.tenancy import selectors, services
from vpt.tenancy.decorators import requires
from vpt.tenancy.forms import MemberFilterForm, MembershipForm
from vpt.tenancy.middleware import SESSION_KEY
from vpt.tenancy.roles import Perm


@require_POST
@login_required
def switch_organization(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.access_own_membership_by_id(request, membership_id)
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, _("You are now working for %(org)s.") % {"org": membership.organization})
    # Object pages of the previous organisation would answer 404: start from the dashboard.
    return redirect("core:dashboard")


@requires(Perm.VIEW_MEMBERS)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None)
    search = role = ""
    if form.is_valid():
        search, role = form.cleaned_data["q"], form.cleaned_data["role"]
    qs = selectors.member_list(organization=request.organization, search=search, role=role)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    template = "tenancy/member_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page": page})


@requires(Perm.VIEW_MEMBERS)
def member_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = selectors.access_membership_by_id(request, membership_id)
    can_manage = request.membership.has_perm(Perm.MANAGE_MEMBERS)
    form = MembershipForm(
        request.POST or None,
        membership=membership,
        initial={"role": membership.role, "is_active": membership.is_active},
    )
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.membership_update(
                    acting=request.membership,
                    membership=membership,
                    role=form.cleaned_data["role"],
                    is_active=form.cleaned_data["is_active"],
                    request=request,
                )
            except ValidationError as exc:
                for error in exc.messages:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The membership has been saved."))
                return redirect("tenancy:member_detail", membership_id=membership.pk)
    return render(
        request,
        "tenancy/member_detail.html",
        {"member": membership, "form": form, "can_manage": can_manage},
    )
