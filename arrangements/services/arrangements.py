"""Writes of a client's arrangement: drafts, their lines, activation (versioning)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from arrangements import selectors
from arrangements.costs import CENT, line_cost_per_day, summarise
from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from billing.recompute import schedule_recompute
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership

LINE_FIELDS = ("quantity", "delivered_by", "subcontractor", "note")


def _lock_client(client: Client) -> Client:
    # One writer per client at a time: the "one draft" and "no overlap" rules read the
    # client's versions and must not race.
    return Client.objects.select_for_update().filter(organization=client.organization, pk=client.pk).get()


def _lock_draft(arrangement: Arrangement) -> Arrangement:
    """Re-read the version under a row lock and refuse anything but a draft: active and
    ended versions are history and never change."""
    locked = (
        Arrangement.objects.select_for_update()
        .filter(organization=arrangement.organization, pk=arrangement.pk)
        .first()
    )
    if locked is None or locked.status != Arrangement.Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed; an active or ended version is kept as it was agreed."))
    return locked


def _active_on(items, day: date):  # noqa: ANN001, ANN202
    return items.filter(active_from__lte=day).filter(Q(active_to__isnull=True) | Q(active_to__gte=day))


def _clean_line(line: ArrangementLine) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    if line.quantity is None or Decimal(line.quantity) <= 0:
        errors["quantity"].append(_("The quantity must be more than 0."))
    if line.delivered_by not in ArrangementLine.DeliveredBy.values:
        errors["delivered_by"].append(_("Choose who delivers this."))
    if line.delivered_by == ArrangementLine.DeliveredBy.SUBCONTRACTOR:
        line.subcontractor = (line.subcontractor or "").strip()
        if not line.subcontractor:
            errors["subcontractor"].append(_("Name the subcontractor who delivers this."))
    else:
        line.subcontractor = ""
    if errors:
        raise ValidationError(dict(errors))
    line.full_clean(exclude=["organization", "arrangement", "menu_item"])


def _describe(line: ArrangementLine) -> str:
    by = line.delivered_by + (f" ({line.subcontractor})" if line.subcontractor else "")
    return f"arrangement v{line.arrangement.version} line {line.menu_item.code} × {line.quantity} by {by}"


@transaction.atomic
def arrangement_create_draft(
    *,
    acting: Membership,
    client: Client,
    valid_from: date,
    copy_from: Arrangement | None = None,
    includes_dagbesteding: bool | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Arrangement:
    """Start the next version of a client's arrangement as a draft.

    Rules: at most one draft per client; not for a client whose care has ended; the draft
    starts after the active version (versions never overlap). A fresh draft gets the
    fixed elements of the menu card (DOMAIN.md "The arrangement": personal alarm, door
    access, service subscription) at their default quantity, delivered by the team; a
    copy takes the lines and task agreements of `copy_from`, at the menu card's current
    price of each item, and adds fixed elements that are missing.
    """
    client = _lock_client(client)
    if client.status == Client.Status.ENDED:
        raise ValidationError(_("The care of this client has ended; no new arrangement can be made."))
    versions = Arrangement.objects.filter(organization=client.organization, client=client)
    draft = versions.filter(status=Arrangement.Status.DRAFT).first()
    if draft is not None:
        raise ValidationError(
            _("There is already a draft (version %(version)s). Finish or discard it first.") % {"version": draft.version}
        )
    if copy_from is not None and (copy_from.organization_id != client.organization_id or copy_from.client_id != client.pk):
        raise ValidationError({"copy_from": _("Choose a version of this client's arrangement.")})
    active = versions.filter(status=Arrangement.Status.ACTIVE).first()
    if valid_from is None:
        raise ValidationError({"valid_from": _("Enter the date from which this version applies.")})
    if active is not None and valid_from <= active.valid_from:
        raise ValidationError({"valid_from": _(
            "The new version must start after the active version (version %(version)s, from %(day)s)."
        ) % {"version": active.version, "day": active.valid_from.strftime("%d-%m-%Y")}})

    if includes_dagbesteding is None:
        includes_dagbesteding = copy_from.includes_dagbesteding if copy_from is not None else True
    number = (versions.aggregate(last=Max("version"))["last"] or 0) + 1
    arrangement = Arrangement(
        organization=client.organization, client=client, version=number, status=Arrangement.Status.DRAFT,
        valid_from=valid_from, includes_dagbesteding=includes_dagbesteding, note=note, created_by=acting.user,
    )
    arrangement.full_clean(exclude=["organization", "client", "created_by"])
    arrangement.save()

    menu = _active_on(MenuItem.objects.filter(organization=client.organization), valid_from)
    # Ordered so the latest row of a code (its current price) wins.
    current_by_code = {item.code: item for item in menu.order_by("code", "active_from")}
    lines: list[ArrangementLine] = []
    if copy_from is not None:
        for old in selectors.arrangement_lines(copy_from):
            # A price change is a new menu row with the same code: the new version uses
            # today's row; an item no longer on the card keeps its old row (activation
            # then asks to replace it).
            item = current_by_code.get(old.menu_item.code, old.menu_item)
            lines.append(ArrangementLine(
                organization=client.organization, arrangement=arrangement, menu_item=item, quantity=old.quantity,
                delivered_by=old.delivered_by, subcontractor=old.subcontractor, note=old.note,
            ))
        TaskAgreement.objects.bulk_create([
            TaskAgreement(
                organization=client.organization, arrangement=arrangement, task=task.task, done_by=task.done_by,
                network_member_id=task.network_member_id, frequency=task.frequency, note=task.note,
            )
            for task in TaskAgreement.objects.filter(organization=client.organization, arrangement=copy_from).order_by("pk")
        ])
    present = {line.menu_item.code for line in lines}
    for item in current_by_code.values():
        if item.is_fixed and item.code not in present:
            lines.append(ArrangementLine(
                organization=client.organization, arrangement=arrangement, menu_item=item,
                quantity=item.default_quantity, delivered_by=ArrangementLine.DeliveredBy.TEAM,
            ))
    ArrangementLine.objects.bulk_create(lines)
    origin = f"copy of v{copy_from.version}" if copy_from is not None else "new"
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk, obj=arrangement,
                  description=f"arrangement v{number} draft from {valid_from.isoformat()} ({origin}, {len(lines)} lines)")
    return arrangement


@transaction.atomic
def arrangement_discard_draft(*, acting: Membership, arrangement: Arrangement, request: HttpRequest | None = None) -> None:
    """Throw away a draft (it never had effect); active and ended versions stay forever."""
    arrangement = _lock_draft(arrangement)
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting, client_id=arrangement.client_id,
                  obj=arrangement, description=f"arrangement v{arrangement.version} draft discarded")
    try:
        arrangement.delete()
    except ProtectedError as exc:
        raise ValidationError(_("This draft is referred to (by an evaluation) and cannot be discarded.")) from exc


@transaction.atomic
def line_add(
    *,
    acting: Membership,
    arrangement: Arrangement,
    menu_item: MenuItem,
    quantity: Decimal,
    delivered_by: str = ArrangementLine.DeliveredBy.TEAM,
    subcontractor: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> ArrangementLine:
    """Add an element of the menu card to a draft.

    Rules: drafts only; the item is on this organisation's menu card on the day the version
    starts; quantity more than 0; a subcontractor line names the subcontractor. Mantelzorg
    and private lines are part of the agreement but cost the VPT budget nothing."""
    arrangement = _lock_draft(arrangement)
    if (
        menu_item is None
        or menu_item.organization_id != arrangement.organization_id
        or not _active_on(MenuItem.objects.filter(organization=arrangement.organization, pk=menu_item.pk),
                          arrangement.valid_from).exists()
    ):
        raise ValidationError({"menu_item": _("Choose an item that is on the menu card on %(day)s.")
                               % {"day": arrangement.valid_from.strftime("%d-%m-%Y")}})
    line = ArrangementLine(
        organization=arrangement.organization, arrangement=arrangement, menu_item=menu_item, quantity=quantity,
        delivered_by=delivered_by, subcontractor=subcontractor, note=note,
    )
    _clean_line(line)
    line.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=arrangement.client_id,
                  obj=line, description=_describe(line) + " added")
    return line


@transaction.atomic
def line_update(
    *,
    acting: Membership,
    line: ArrangementLine,
    quantity: Decimal | None = None,
    delivered_by: str | None = None,
    subcontractor: str | None = None,
    note: str | None = None,
    request: HttpRequest | None = None,
) -> ArrangementLine:
    """Change the quantity, who delivers, the subcontractor or the note of a draft's line
    (None leaves a field as it is). Fixed elements too: their quantity may change, they may
    not go. Same rules as `line_add`; drafts only."""
    data = {"quantity": quantity, "delivered_by": delivered_by, "subcontractor": subcontractor, "note": note}
    arrangement = _lock_draft(line.arrangement)
    line = ArrangementLine.objects.select_related("menu_item").filter(organization=arrangement.organization, pk=line.pk).get()
    line.arrangement = arrangement
    changed = []
    for field in LINE_FIELDS:
        if field in data and data[field] is not None and getattr(line, field) != data[field]:
            setattr(line, field, data[field])
            changed.append(field)
    before_subcontractor = line.subcontractor
    _clean_line(line)
    if line.subcontractor != before_subcontractor and "subcontractor" not in changed:
        changed.append("subcontractor")
    if not changed:
        return line
    line.save(update_fields=changed)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=arrangement.client_id,
                  obj=line, description=_describe(line) + " changed: " + ", ".join(changed))
    return line


@transaction.atomic
def line_remove(*, acting: Membership, line: ArrangementLine, request: HttpRequest | None = None) -> None:
    """Remove a line from a draft. Fixed elements of the menu card are part of every
    arrangement (DOMAIN.md) and cannot be removed; their quantity may change."""
    arrangement = _lock_draft(line.arrangement)
    line = ArrangementLine.objects.select_related("menu_item").filter(organization=arrangement.organization, pk=line.pk).get()
    line.arrangement = arrangement
    if line.menu_item.is_fixed:
        others = ArrangementLine.objects.filter(
            organization=arrangement.organization, arrangement=arrangement, menu_item__code=line.menu_item.code
        ).exclude(pk=line.pk)
        if not others.exists():
            raise ValidationError(_("%(item)s is a fixed element of every arrangement and cannot be removed.")
                                  % {"item": line.menu_item.name})
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting, client_id=arrangement.client_id,
                  obj=line, description=_describe(line) + " removed")
    line.delete()


@transaction.atomic
def arrangement_activate(
    *,
    acting: Membership,
    arrangement: Arrangement,
    justification: str = "",
    agreed_on: date | None = None,
    request: HttpRequest | None = None,
) -> Arrangement:
    """Make a draft the agreed arrangement from its valid_from.

    Rules: a draft with at least one line, every item still on the menu card on valid_from;
    the client is in intake or in care; the version starts after the active version, which
    ends the day before (status ended, valid_to set), so versions never overlap. When the
    cost per day exceeds the client's day tariff (DOMAIN.md "Budget fit") a justification
    is required and stored with the version."""
    client = _lock_client(arrangement.client)
    arrangement = _lock_draft(arrangement)
    arrangement.client = client
    if client.status not in (Client.Status.INTAKE, Client.Status.IN_CARE):
        raise ValidationError(_("Only the arrangement of a client in intake or in care can be activated."))
    lines = selectors.arrangement_lines(arrangement)
    if not lines:
        raise ValidationError(_("Add at least one line before activating."))
    on_card = set(
        _active_on(MenuItem.objects.filter(organization=arrangement.organization,
                                           pk__in={line.menu_item_id for line in lines}), arrangement.valid_from)
        .values_list("pk", flat=True)
    )
    gone = sorted({line.menu_item.name for line in lines if line.menu_item_id not in on_card})
    if gone:
        raise ValidationError(_("No longer on the menu card on %(day)s: %(items)s. Replace these lines first.")
                              % {"day": arrangement.valid_from.strftime("%d-%m-%Y"), "items": ", ".join(gone)})
    previous = (
        Arrangement.objects.select_for_update()
        .filter(organization=arrangement.organization, client=client, status=Arrangement.Status.ACTIVE)
        .exclude(pk=arrangement.pk)
        .first()
    )
    if previous is not None and arrangement.valid_from <= previous.valid_from:
        raise ValidationError({"valid_from": _(
            "This version must start after the active version (version %(version)s, from %(day)s)."
        ) % {"version": previous.version, "day": previous.valid_from.strftime("%d-%m-%Y")}})
    summary, _tariff = selectors.arrangement_summary(arrangement, lines=lines)
    justification = (justification or "").strip()
    if summary.over_budget and not justification:
        raise ValidationError({"justification": _(
            "This arrangement costs € %(amount)s per day more than the tariff. Explain why this is justified."
        ) % {"amount": number_format(-summary.margin_per_day, 2)}})

    if previous is not None:
        previous.status = Arrangement.Status.ENDED
        previous.valid_to = arrangement.valid_from - timedelta(days=1)
        previous.full_clean(exclude=["organization", "client", "created_by", "activated_by"])
        previous.save(update_fields=["status", "valid_to"])
        record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk,
                      obj=previous, description=f"arrangement v{previous.version} ended {previous.valid_to.isoformat()} "
                                                f"(replaced by v{arrangement.version})")
    arrangement.status = Arrangement.Status.ACTIVE
    arrangement.over_budget_justification = justification
    arrangement.agreed_on = agreed_on
    arrangement.activated_by = acting.user
    arrangement.activated_at = timezone.now()
    arrangement.full_clean(exclude=["organization", "client", "created_by", "activated_by"])
    arrangement.save(update_fields=["status", "over_budget_justification", "agreed_on", "activated_by", "activated_at"])
    margin = "unknown" if summary.margin_per_day is None else str(summary.margin_per_day)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=arrangement,
                  description=f"arrangement v{arrangement.version} activated from {arrangement.valid_from.isoformat()}, "
                              f"cost/day {summary.cost_per_day}, margin/day {margin}"
                              + (" (over budget, justified)" if summary.over_budget else ""))
    schedule_recompute(client.organization_id, first=arrangement.valid_from, client_ids=[client.pk],
                       reason=f"arrangement v{arrangement.version} from {arrangement.valid_from.isoformat()}")
    return arrangement


def _line_view(line: ArrangementLine | None) -> dict[str, Any]:
    if line is None:
        return {"quantity": None, "delivered_by": None, "subcontractor": "", "cost_per_day": None}
    return {
        "quantity": line.quantity,
        "delivered_by": line.delivered_by,
        "subcontractor": line.subcontractor,
        "cost_per_day": line_cost_per_day(line).quantize(CENT),
    }


def arrangement_diff(old: Arrangement | None, new: Arrangement) -> list[dict[str, Any]]:
    """What changed from one version to the next, for the version page and the evaluation.

    Lines are matched on the menu item's code (a price change keeps the code), in order
    when a code appears more than once. One dict per added, removed or changed line:
    `change` ("added" / "removed" / "changed"), `code`, `name`, `old_*` and `new_*`
    quantity, delivered_by, subcontractor and cost_per_day; then a last dict with
    `change` = "cost_per_day" and `old`, `new`, `difference` for the whole version."""
    old_lines = selectors.arrangement_lines(old) if old is not None else []
    new_lines = selectors.arrangement_lines(new)
    by_code: dict[str, tuple[list, list]] = {}
    for line in old_lines:
        by_code.setdefault(line.menu_item.code, ([], []))[0].append(line)
    for line in new_lines:
        by_code.setdefault(line.menu_item.code, ([], []))[1].append(line)
    result: list[dict[str, Any]] = []
    for code, (before, after) in by_code.items():
        for i in range(max(len(before), len(after))):
            a = before[i] if i < len(before) else None
            b = after[i] if i < len(after) else None
            va, vb = _line_view(a), _line_view(b)
            if a is None:
                change = "added"
            elif b is None:
                change = "removed"
            elif va == vb:
                continue
            else:
                change = "changed"
            entry: dict[str, Any] = {"change": change, "code": code, "name": (b or a).menu_item.name}
            for key in ("quantity", "delivered_by", "subcontractor", "cost_per_day"):
                entry[f"old_{key}"] = va[key]
                entry[f"new_{key}"] = vb[key]
            result.append(entry)
    old_cost = summarise(old_lines, None).cost_per_day if old is not None else Decimal("0.00")
    new_cost = summarise(new_lines, None).cost_per_day
    result.append({"change": "cost_per_day", "old": old_cost, "new": new_cost, "difference": new_cost - old_cost})
    return result
