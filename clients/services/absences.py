from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from billing.recompute import schedule_recompute
from clients import absence_rules
from clients.models import Absence, Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership

FIELDS = ("kind", "left_on", "returned_on", "zorgkantoor_consent", "extension_granted_on", "note")


def _describe(absence: Absence) -> str:
    returned = absence.returned_on.isoformat() if absence.returned_on else "open"
    return f"absence {absence.kind} {absence.left_on.isoformat()}..{returned}"


@transaction.atomic
def absence_save(
    *, acting: Membership, client: Client, absence: Absence | None = None, request: HttpRequest | None = None,
    **data: Any,
) -> tuple[Absence, list[str]]:
    """Record or change a stay away from home and return the warnings to show.

    Rules (clients.absence_rules; limits in vpt/wlz/data/absence_rules.toml): absence days run
    from the day after leaving to the day before returning; no overlap with the client's other
    absences; holiday at most 42 days per calendar year and more than 14 in a row only with
    the zorgkantoor's consent; admission at most 91 days in a row unless an extension was
    granted within those 91 days (NZa information card on absence in long-term care); respite
    stays at most 156 nights per calendar year, a warning above 3 nights in a week (VGZ
    zorgkantoor); a warning when the absence starts within the first 14 days of VPT (NZa).
    Any error refuses the whole save.
    """
    # Lock the client row so two writers cannot add overlapping absences at once, and the
    # client's absences so the yearly counts cannot change under us.
    Client.objects.select_for_update().filter(organization=client.organization, pk=client.pk).first()
    others_qs = Absence.objects.filter(organization=client.organization, client=client).select_for_update()
    if absence is not None:
        others_qs = others_qs.exclude(pk=absence.pk)
    others = list(others_qs)

    creating = absence is None
    before = None if creating else _affected_days(absence)
    absence = absence or Absence(organization=client.organization, client=client)
    for field in FIELDS:
        if field in data:
            setattr(absence, field, data[field])

    errors: dict[str, list[str]] = {}
    try:
        absence.clean_fields(exclude=["organization", "client"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    warnings: list[str] = []
    if absence.left_on and absence.kind and "left_on" not in errors and "returned_on" not in errors:
        rule_errors, rule_warnings = absence_rules.check_absence(
            absence, others, care_start=client.care_start, today=timezone.localdate()
        )
        for message in rule_errors:
            errors.setdefault(message.field or NON_FIELD_ERRORS, []).append(str(message))
        warnings = [str(w) for w in rule_warnings]
    if errors:
        raise ValidationError(errors)

    absence.full_clean(exclude=["organization", "client"])
    if creating:
        absence.save()
    else:
        absence.save(update_fields=list(FIELDS))
    record_access(action=AccessLog.Action.CREATE if creating else AccessLog.Action.UPDATE, request=request,
                  membership=acting, client_id=client.pk, obj=absence, description=_describe(absence))
    _recompute(absence, before, _affected_days(absence))
    return absence, warnings


@transaction.atomic
def absence_delete(*, acting: Membership, absence: Absence, request: HttpRequest | None = None) -> None:
    """Remove a wrongly recorded absence. The access log keeps what was removed."""
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting, client_id=absence.client_id,
                  obj=absence, description=f"{_describe(absence)} removed")
    _recompute(absence, _affected_days(absence), None)
    absence.delete()


def _affected_days(absence: Absence) -> tuple[date, date | None]:
    """The days whose tariff an absence can change: its absence days, and for a holiday the
    rest of the calendar year (the yearly count). None as the end: up to today."""
    first = absence.left_on + timedelta(days=1)
    if absence.returned_on is None:
        return first, None
    last = absence.returned_on - timedelta(days=1)
    if absence.kind == Absence.Kind.HOLIDAY:
        last = date(last.year, 12, 31)
    return first, last


def _recompute(absence: Absence, before: tuple[date, date | None] | None, after: tuple[date, date | None] | None) -> None:
    ranges = [r for r in (before, after) if r is not None]
    last = None if any(r[1] is None for r in ranges) else max(r[1] for r in ranges)
    schedule_recompute(absence.organization_id, first=min(r[0] for r in ranges), last=last,
                       client_ids=[absence.client_id], reason=_describe(absence))
