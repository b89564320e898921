"""Reads of the organisation's menu card (menukaart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest

from arrangements.models import MenuItem
from vpt.tenancy.models import Organization

# The order of the kinds on the card: care first, fixed services after, as providers
# print them (the TextChoices order).
KIND_ORDER = Case(
    *[When(kind=value, then=Value(i)) for i, value in enumerate(MenuItem.Kind.values)],
    default=Value(len(MenuItem.Kind.values)),
    output_field=IntegerField(),
)


def access_menuitem_by_id(request: HttpRequest, menuitem_id: int) -> MenuItem:
    """One menu item version of the request's organisation; 404 for missing and foreign."""
    item = MenuItem.objects.filter(organization=request.organization, pk=menuitem_id).first()
    if item is None:
        raise Http404
    return item


def menu_items(organization: Organization) -> QuerySet[MenuItem]:
    """Every version of every item, in card order (kind, name, newest version first)."""
    return (
        MenuItem.objects.filter(organization=organization)
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "name", "code", "-active_from")
    )


def versions_of(item: MenuItem) -> list[MenuItem]:
    """All versions of the item's code, newest first."""
    return list(
        MenuItem.objects.filter(organization_id=item.organization_id, code=item.code).order_by("-active_from")
    )


def version_on(item: MenuItem, on: date) -> MenuItem:
    """The version of the item's code in force on `on`; the newest one when none is."""
    versions = versions_of(item)
    return next((v for v in versions if version_status(v, on) == "current"), versions[0])


def has_menu(organization: Organization) -> bool:
    return MenuItem.objects.filter(organization=organization).exists()


@dataclass
class CardEntry:
    """One element of the card as it stands on a day: the version in force (or the first
    upcoming one when the element has not started yet) and a scheduled next version."""

    item: MenuItem
    on: date
    next_version: MenuItem | None = None

    @property
    def upcoming(self) -> bool:
        return self.item.active_from > self.on


def current_card(organization: Organization, *, on: date) -> list[CardEntry]:
    """The card on `on`: per code the version in force, else its first upcoming version;
    ended elements are left out. One query."""
    rows = list(
        menu_items(organization)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=on))
        .order_by("kind_order", "name", "code", "active_from")
    )
    by_code: dict[str, list[MenuItem]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    entries = []
    for versions in by_code.values():
        in_force = [v for v in versions if v.active_from <= on]
        later = [v for v in versions if v.active_from > on]
        if in_force:
            entries.append(CardEntry(item=in_force[-1], next_version=later[0] if later else None, on=on))
        else:
            entries.append(CardEntry(item=later[0], next_version=later[1] if len(later) > 1 else None, on=on))
    entries.sort(key=lambda e: (e.item.kind_order, e.item.name.lower(), e.item.code))
    return entries


def version_status(item: MenuItem, on: date) -> str:
    """"current", "upcoming" or "ended" on a day."""
    if item.active_from > on:
        return "upcoming"
    if item.active_to is not None and item.active_to < on:
        return "ended"
    return "current"


def card_history(organization: Organization, *, on: date) -> list[MenuItem]:
    """Every version, ended ones included, each with `.status` on `on`. One query."""
    rows = list(menu_items(organization))
    for row in rows:
        row.status = version_status(row, on)
    return rows
