"""The organisation's menu card (menukaart): admins manage it, everyone who composes
arrangements may read it."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrangements import selectors_menu as selectors
from arrangements import services
from arrangements.forms_menu import (
    DeactivateForm,
    LoadDefaultsForm,
    MenuFilterForm,
    MenuItemCreateForm,
    MenuItemUpdateForm,
    PriceChangeForm,
)
from arrangements.models import MenuItem
from vpt.core.forms import add_errors  # noqa: F401 (re-exported for sibling views)
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


def _start_of_year(day: date) -> date:
    return day.replace(month=1, day=1)


@requires(Perm.MANAGE_ARRANGEMENTS)
def menu_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = MenuFilterForm(request.GET or None)
    history = form.is_valid() and form.cleaned_data["history"]
    can_manage = request.membership.has_perm(Perm.MANAGE_MENU)
    context = {
        "form": form,
        "history": history,
        "today": today,
        "can_manage": can_manage,
        "entries": None if history else selectors.current_card(request.organization, on=today),
        "versions": selectors.card_history(request.organization, on=today) if history else None,
    }
    if can_manage and not history and not context["entries"]:
        context["empty_card"] = not selectors.has_menu(request.organization)
        context["defaults_form"] = LoadDefaultsForm(initial={"active_from": _start_of_year(today)})
    template = "arrangements/menu_list.html#results" if request.htmx else "arrangements/menu_list.html"
    return render(request, template, context)


@require_POST
@requires(Perm.MANAGE_MENU)
def menu_load_defaults_view(request: HttpRequest) -> HttpResponse:
    form = LoadDefaultsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the date from which the standard prices apply."))
        return redirect("menu:list")
    created = services.menu_load_defaults(acting=request.membership, request=request, **form.cleaned_data)
    if created:
        messages.success(request, _("%(count)s elements of the standard card have been added. Check the cost prices.")
                         % {"count": len(created)})
    else:
        messages.info(request, _("The card already has every element of the standard card."))
    return redirect("menu:list")


@requires(Perm.MANAGE_MENU)
def menu_item_create_view(request: HttpRequest) -> HttpResponse:
    form = MenuItemCreateForm(request.POST or None, initial={"active_from": timezone.localdate(), "default_quantity": 1})
    if request.method == "POST" and form.is_valid():
        try:
            item = services.menu_item_create(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been added to the menu card.") % {"name": item.name})
            return redirect("menu:detail", menuitem_id=item.pk)
    return render(request, "arrangements/menu_form.html", {"form": form})


def _detail(request: HttpRequest, item: MenuItem, **forms) -> HttpResponse:  # noqa: ANN003
    """The detail page of an item's code; `forms` replace the blank forms (with errors)."""
    today = timezone.localdate()
    versions = selectors.versions_of(item)
    for version in versions:
        version.status = selectors.version_status(version, today)
    latest = versions[0]
    in_force = next((v for v in versions if v.status == "current"), latest)
    can_manage = request.membership.has_perm(Perm.MANAGE_MENU)
    context = {
        "item": item,
        "latest": latest,
        "current": in_force,
        "versions": versions,
        "today": today,
        "can_manage": can_manage,
    }
    if can_manage:
        context |= {
            "price_form": PriceChangeForm(initial={"cost_price": latest.cost_price, "active_from": today}),
            "update_form": MenuItemUpdateForm(initial={f: getattr(in_force, f) for f in ("name", "description", "default_quantity", "is_fixed")}),
            "deactivate_form": DeactivateForm(initial={"active_to": latest.active_to or today}),
            **forms,
        }
    return render(request, "arrangements/menu_detail.html", context)


@requires(Perm.MANAGE_ARRANGEMENTS)
def menu_item_detail(request: HttpRequest, menuitem_id: int) -> HttpResponse:
    item = selectors.access_menuitem_by_id(request, menuitem_id)
    return _detail(request, item)


@require_POST
@requires(Perm.MANAGE_MENU)
def menu_item_change_price_view(request: HttpRequest, menuitem_id: int) -> HttpResponse:
    item = selectors.access_menuitem_by_id(request, menuitem_id)
    form = PriceChangeForm(request.POST)
    if form.is_valid():
        try:
            new = services.menu_item_change_price(acting=request.membership, item=item, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("From %(day)s the price of %(name)s is €%(price)s.")
                             % {"day": new.active_from.strftime("%d-%m-%Y"), "name": new.name, "price": new.cost_price})
            return redirect("menu:detail", menuitem_id=new.pk)
    return _detail(request, item, price_form=form)


@require_POST
@requires(Perm.MANAGE_MENU)
def menu_item_update_view(request: HttpRequest, menuitem_id: int) -> HttpResponse:
    item = selectors.access_menuitem_by_id(request, menuitem_id)
    form = MenuItemUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.menu_item_update(acting=request.membership, item=selectors.version_on(item, timezone.localdate()),
                                      request=request,
                                      **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("menu:detail", menuitem_id=item.pk)
    return _detail(request, item, update_form=form)


@require_POST
@requires(Perm.MANAGE_MENU)
def menu_item_deactivate_view(request: HttpRequest, menuitem_id: int) -> HttpResponse:
    item = selectors.access_menuitem_by_id(request, menuitem_id)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            ended = services.menu_item_deactivate(acting=request.membership, item=item, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is on the card until %(day)s.")
                             % {"name": ended.name, "day": ended.active_to.strftime("%d-%m-%Y")})
            return redirect("menu:detail", menuitem_id=ended.pk)
    return _detail(request, item, deactivate_form=form)
