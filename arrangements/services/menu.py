"""Writes of the organisation's menu card (menukaart).

A menu item is versioned by `code`: a price change never rewrites a row that arrangement
lines may point at, it ends the current version the day before and starts a new one
(DOMAIN.md, "The arrangement"; arrangements.models.MenuItem).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _

from arrangements.menu_defaults import DEFAULT_MENU
from arrangements.models import MenuItem
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership

CREATE_FIELDS = (
    "code", "name", "kind", "unit", "function_level", "cost_price", "is_fixed", "default_quantity",
    "description", "active_from", "active_to",
)
# What may change on a version without making a new one: not the price, unit or level,
# which decide what existing arrangement lines cost.
UPDATE_FIELDS = ("name", "description", "is_fixed", "default_quantity")
# Copied from the current version to the next one on a price change.
CARRIED_FIELDS = ("code", "name", "kind", "unit", "function_level", "is_fixed", "default_quantity", "description")


def _fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _describe(item: MenuItem) -> str:
    until = item.active_to.isoformat() if item.active_to else "open"
    level = f" level {item.function_level}" if item.function_level else ""
    return f"menu item {item.code}: €{item.cost_price} {item.unit}{level}, {item.active_from.isoformat()}..{until}"


def _check_rules(item: MenuItem) -> None:
    """The rules of a menu item that the form or a database constraint would otherwise
    report without a helpful message."""
    errors: dict[str, list[str]] = {}
    if item.unit == MenuItem.Unit.HOURS_PER_WEEK and not item.function_level:
        errors["function_level"] = [_("Hours per week need the function level (2, 3 or 4) of the staff who deliver them.")]
    if item.cost_price is not None and Decimal(item.cost_price) < 0:
        errors["cost_price"] = [_("The cost price cannot be negative.")]
    if item.active_from and item.active_to and item.active_to < item.active_from:
        errors["active_to"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise ValidationError(errors)


def _versions(organization_id: int, code: str, *, lock: bool = False):  # noqa: ANN202
    qs = MenuItem.objects.filter(organization_id=organization_id, code=code).order_by("-active_from")
    return qs.select_for_update() if lock else qs


def _check_no_overlap(item: MenuItem) -> None:
    """A code is unique among the versions in force at the same time, so an arrangement
    line made on any day finds exactly one price."""
    end = item.active_to
    overlapping = _versions(item.organization_id, item.code).filter(
        Q(active_to__isnull=True) | Q(active_to__gte=item.active_from)
    )
    if end is not None:
        overlapping = overlapping.filter(active_from__lte=end)
    if item.pk:
        overlapping = overlapping.exclude(pk=item.pk)
    other = overlapping.first()
    if other is not None:
        raise ValidationError({"code": _(
            "The code %(code)s is already in use by “%(name)s” from %(start)s. Change its price or end it instead."
        ) % {"code": item.code, "name": other.name, "start": _fmt(other.active_from)}})


@transaction.atomic
def menu_item_create(*, acting: Membership, request: HttpRequest | None = None, **data: Any) -> MenuItem:
    """Put a new element on the card. Rules: hours per week need a function level
    (2/3/4) because the hourly cost depends on it; the cost price is not negative; the
    code (made from the name when left empty) is unique among the versions in force at
    the same time."""
    values = {k: v for k, v in data.items() if k in CREATE_FIELDS}
    if values.get("function_level") in ("", None):
        values["function_level"] = None
    if values.get("default_quantity") in ("", None):
        values.pop("default_quantity", None)
    values["code"] = (values.get("code") or "").strip() or slugify(values.get("name") or "")[:40]
    item = MenuItem(organization=acting.organization, **values)
    _check_rules(item)
    item.full_clean(exclude=["organization"])
    # Serialise writers of one code: the row lock below covers the existing versions, the
    # unique constraint (organization, code, active_from) the same-day race.
    list(_versions(item.organization_id, item.code, lock=True))
    _check_no_overlap(item)
    item.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=item,
                  description=f"{_describe(item)} added")
    return item


@transaction.atomic
def menu_item_change_price(
    *, acting: Membership, item: MenuItem, cost_price: Decimal, active_from: date, request: HttpRequest | None = None,
) -> MenuItem:
    """A new price from a date. History is never rewritten: the newest version of the
    code ends the day before `active_from` and a new version with the same code, name,
    kind, unit, level and fixed flag starts on it, so arrangement lines made earlier keep
    the price they were made with. The date must be after the current version's start
    and not after a planned end of the element."""
    versions = list(_versions(item.organization_id, item.code, lock=True))
    current = versions[0]
    if active_from <= current.active_from:
        raise ValidationError({"active_from": _(
            "The new price must start after the current price started (%(start)s)."
        ) % {"start": _fmt(current.active_from)}})
    if current.active_to is not None and active_from > current.active_to:
        raise ValidationError({"active_from": _(
            "This element ends on %(end)s; a new price cannot start after that."
        ) % {"end": _fmt(current.active_to)}})
    if cost_price is not None and Decimal(cost_price) == current.cost_price:
        raise ValidationError({"cost_price": _("This is the current price.")})

    new = MenuItem(
        organization_id=current.organization_id,
        **{f: getattr(current, f) for f in CARRIED_FIELDS},
        cost_price=cost_price,
        active_from=active_from,
        active_to=current.active_to,  # a planned end stays planned
    )
    _check_rules(new)
    new.full_clean(exclude=["organization"])
    current.active_to = active_from - timedelta(days=1)
    current.full_clean(exclude=["organization"])
    current.save(update_fields=["active_to"])
    new.save()
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=current,
                  description=f"{_describe(current)} ended for a price change")
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=new,
                  description=f"{_describe(new)} new price (was €{current.cost_price})")
    return new


@transaction.atomic
def menu_item_update(*, acting: Membership, item: MenuItem, request: HttpRequest | None = None, **data: Any) -> MenuItem:
    """Change the name, description, fixed flag or default quantity of a version and of
    the later versions of its code (a scheduled price change keeps the new name).
    Earlier versions stay as they were. The price, unit and level are not changed here:
    they decide what arrangement lines cost, so they change only through a new version
    (`menu_item_change_price`)."""
    rows = list(
        _versions(item.organization_id, item.code, lock=True).filter(active_from__gte=item.active_from)
    )
    values = {f: data[f] for f in UPDATE_FIELDS if f in data and data[f] is not None}
    updated = None
    changed_any: set[str] = set()
    for row in rows:
        changed = [f for f, v in values.items() if getattr(row, f) != v]
        for field in changed:
            setattr(row, field, values[field])
        if changed:
            row.full_clean(exclude=["organization"])
            row.save(update_fields=changed)
            changed_any.update(changed)
        if row.pk == item.pk:
            updated = row
    if changed_any:
        record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=updated,
                      description=f"menu item {item.code} from {item.active_from.isoformat()} changed: "
                                  + ", ".join(sorted(changed_any)))
    return updated


@transaction.atomic
def menu_item_deactivate(*, acting: Membership, item: MenuItem, active_to: date, request: HttpRequest | None = None) -> MenuItem:
    """Take an element off the card from a date: the newest version of the code ends on
    `active_to` (on or after its start). Nothing is deleted: existing arrangement lines
    keep pointing at their version."""
    current = list(_versions(item.organization_id, item.code, lock=True))[0]
    if active_to < current.active_from:
        raise ValidationError({"active_to": _(
            "The last day cannot be before the current price started (%(start)s)."
        ) % {"start": _fmt(current.active_from)}})
    current.active_to = active_to
    current.full_clean(exclude=["organization"])
    current.save(update_fields=["active_to"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=current,
                  description=f"{_describe(current)} ended")
    return current


@transaction.atomic
def menu_load_defaults(*, acting: Membership, active_from: date, request: HttpRequest | None = None) -> list[MenuItem]:
    """Fill the card with the standard elements (arrangements.menu_defaults) from
    `active_from`. Idempotent per code: a code the organisation already has, in any
    version, is left alone, so running it twice adds nothing."""
    existing = set(
        MenuItem.objects.select_for_update()
        .filter(organization=acting.organization)
        .values_list("code", flat=True)
    )
    created = []
    for element in DEFAULT_MENU:
        if element["code"] in existing:
            continue
        created.append(menu_item_create(acting=acting, request=request, active_from=active_from, **element))
    return created
