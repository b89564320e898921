"""Writes of the teams app: teams, employees, fixed faces, rates and visits.

Every function takes the acting membership, checks the rules, writes in one transaction
and leaves an access-log entry where client data is touched. Rule violations raise
django.core.exceptions.ValidationError (per field where one is at fault); acting outside
one's rights raises PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from arrangements.models import Arrangement, ArrangementLine
from billing.recompute import schedule_recompute
from clients.models import Client
from teams.models import MAX_VISIT_MINUTES, Employee, FixedFace, LevelRate, Visit, VisitRevision
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Perm, Role

# --- teams and employees ------------------------------------------------------------------


@transaction.atomic
def team_save(
    *, acting: Membership, team: Team | None = None, name: str, district: str = "",
    manager: Membership | None = None, request: HttpRequest | None = None,
) -> Team:
    """Create or change a district team. The manager must be a team manager or admin of
    the organisation and becomes a member of the team (so they see its clients)."""
    org = acting.organization
    if manager is not None and (manager.organization_id != org.pk or manager.role not in (Role.TEAM_MANAGER, Role.ADMIN)):
        raise ValidationError({"manager": [_("Choose a team manager of this organisation.")]})
    name = name.strip()
    if Team.objects.filter(organization=org, name__iexact=name).exclude(pk=team.pk if team else None).exists():
        raise ValidationError({"name": [_("There is already a team with this name.")]})
    created = team is None
    team = team or Team(organization=org)
    old_manager = team.manager
    team.name, team.district, team.manager = name, district.strip(), manager
    team.save()
    if manager is not None:
        team.members.add(manager)
    if old_manager is not None and old_manager != manager:
        _release(team, old_manager)
    record_access(action=AccessLog.Action.CREATE if created else AccessLog.Action.UPDATE, request=request,
                  membership=acting, obj=team, description=f"team {team.name}")
    return team


def _release(team: Team, membership: Membership) -> None:
    """Take `membership` out of the team's members (it no longer sees the team's clients)
    unless it still manages the team or is an active employee of it."""
    if team.manager_id == membership.pk:
        return
    if Employee.objects.filter(organization=team.organization_id, team=team, membership=membership,
                               is_active=True).exists():
        return
    team.members.remove(membership)


def _validate_employee_membership(org_id: int, employee: Employee, membership: Membership | None) -> None:
    if membership is None:
        return
    if membership.organization_id != org_id:
        raise ValidationError({"membership": [_("Choose a user account of this organisation.")]})
    other = Employee.objects.filter(organization_id=org_id, membership=membership).exclude(pk=employee.pk).first()
    if other is not None:
        raise ValidationError({"membership": [_("This user account is already linked to %(name)s.") % {"name": other}]})


@transaction.atomic
def employee_save(
    *, acting: Membership, employee: Employee | None = None, request: HttpRequest | None = None, **fields: Any,
) -> Employee:
    """Create or change an employee. Fields: first_name, last_name, team, role,
    function_level, contract_hours, hourly_cost, membership, is_active.

    A linked membership becomes a member of the employee's team; moving the employee to
    another team moves the membership along (unless it manages the old team)."""
    org = acting.organization
    created = employee is None
    employee = employee or Employee(organization=org)
    team = fields.get("team", employee.team if not created else None)
    if team is None or team.organization_id != org.pk:
        raise ValidationError({"team": [_("Choose a team of this organisation.")]})
    old_team_id = None if created else employee.team_id
    old_membership = None if created else employee.membership
    _validate_employee_membership(org.pk, employee, fields.get("membership", employee.membership if not created else None))
    for name, value in fields.items():
        setattr(employee, name, value)
    employee.full_clean(exclude=["organization"])
    employee.save()
    membership = employee.membership
    if membership is not None and employee.is_active:
        team.members.add(membership)
    # The account's access follows the employee: a previous account, a previous team or
    # an employee who left no longer sees the team's clients (unless managing the team).
    if old_membership is not None and (
        old_membership != membership or old_team_id != team.pk or not employee.is_active
    ):
        old_team = Team.objects.filter(organization=org, pk=old_team_id).first()
        if old_team is not None:
            _release(old_team, old_membership)
    record_access(action=AccessLog.Action.CREATE if created else AccessLog.Action.UPDATE, request=request,
                  membership=acting, obj=employee, description=f"employee {employee.full_name} ({employee.team})")
    return employee


@transaction.atomic
def level_rates_save(*, acting: Membership, rates: dict[int, Decimal | None], request: HttpRequest | None = None) -> None:
    """Set the organisation's cost per hour per function level (None removes a rate)."""
    org = acting.organization
    for level, amount in rates.items():
        if amount is None:
            LevelRate.objects.filter(organization=org, function_level=level).delete()
        elif amount < 0:
            raise ValidationError({f"level_{level}": [_("A rate cannot be negative.")]})
        else:
            LevelRate.objects.update_or_create(organization=org, function_level=level,
                                               defaults={"cost_per_hour": amount})
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, object_type="teams.levelrate",
                  description="rates per function level")


# --- fixed faces ---------------------------------------------------------------------------

MAX_FIXED_FACES = 6


@transaction.atomic
def fixed_face_add(
    *, acting: Membership, client: Client, employee: Employee, since: dt.date | None = None,
    request: HttpRequest | None = None,
) -> FixedFace:
    if employee.organization_id != client.organization_id or not employee.is_active:
        raise ValidationError({"employee": [_("Choose an active employee of this organisation.")]})
    if FixedFace.objects.filter(client=client, employee=employee).exists():
        raise ValidationError({"employee": [_("%(name)s is already one of the fixed faces.") % {"name": employee}]})
    if FixedFace.objects.filter(client=client).count() >= MAX_FIXED_FACES:
        raise ValidationError(
            {"employee": [_("A client has at most %(n)d fixed faces: a small group they know.") % {"n": MAX_FIXED_FACES}]}
        )
    face = FixedFace.objects.create(organization=client.organization, client=client, employee=employee,
                                    since=since or timezone.localdate())
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=face,
                  description=f"fixed face added: {employee}")
    return face


@transaction.atomic
def fixed_face_remove(*, acting: Membership, face: FixedFace, request: HttpRequest | None = None) -> None:
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=face.client_id,
                  obj=face, description=f"fixed face removed: {face.employee}")
    face.delete()


# --- visits --------------------------------------------------------------------------------

VISIT_FIELDS = ("employee_id", "date", "start", "duration_minutes", "activities", "note", "status")


def can_act_for(acting: Membership, employee: Employee) -> bool:
    """Planners (PLAN_VISITS) act for every employee; others only for themselves."""
    if acting.has_perm(Perm.PLAN_VISITS):
        return True
    return acting.has_perm(Perm.REGISTER_VISITS) and employee.membership_id == acting.pk


def arrangement_activity_codes(client: Client, day: dt.date) -> dict[str, str]:
    """The elements of the client's arrangement in force on `day` ({code: name}): what a
    visit's activities are chosen from. Draft versions are not in force."""
    lines = (
        ArrangementLine.objects.filter(
            organization=client.organization, arrangement__client=client,
            arrangement__status__in=(Arrangement.Status.ACTIVE, Arrangement.Status.ENDED),
            arrangement__valid_from__lte=day,
        )
        .filter(Q(arrangement__valid_to__isnull=True) | Q(arrangement__valid_to__gte=day))
        .select_related("menu_item")
        .order_by("menu_item__kind", "pk")
    )
    return {line.menu_item.code: line.menu_item.name for line in lines}


def _validate_visit(visit: Visit, *, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    client = visit.client
    if visit.duration_minutes is None or visit.duration_minutes < 1:
        errors.setdefault("duration_minutes", []).append(_("The duration must be at least one minute."))
    elif visit.duration_minutes > MAX_VISIT_MINUTES:
        errors.setdefault("duration_minutes", []).append(
            _("A visit lasts at most %(h)d hours.") % {"h": MAX_VISIT_MINUTES // 60})
    if visit.status == Visit.Status.DELIVERED and visit.date and visit.start and visit.starts_at > now.replace(tzinfo=None):
            errors.setdefault("date", []).append(_("A delivered visit cannot start in the future."))
    in_care = (
        client.status != Client.Status.INTAKE and client.care_start is not None and visit.date is not None
        and client.care_start <= visit.date and (client.care_end is None or visit.date <= client.care_end)
    )
    if visit.date and not in_care:
        errors.setdefault("date", []).append(_("The client is not in VPT care on this date."))
    if not visit.employee.is_active:
        errors.setdefault("employee", []).append(_("This employee is no longer active."))
    if not isinstance(visit.activities, list) or not all(isinstance(a, str) for a in visit.activities):
        errors.setdefault("activities", []).append(_("Activities are a list of element codes."))
    elif visit.activities and visit.date:
        allowed = arrangement_activity_codes(client, visit.date)
        unknown = sorted(set(visit.activities) - set(allowed))
        if unknown:
            errors.setdefault("activities", []).append(
                _("Not part of the client's arrangement on this date: %(codes)s.") % {"codes": ", ".join(unknown)})
    if errors:
        raise ValidationError(errors)
    overlapping = _overlapping(visit)
    if overlapping is not None:
        raise ValidationError({"start": [
            _("%(employee)s already has a visit to %(client)s from %(start)s to %(end)s.") % {
                "employee": visit.employee, "client": overlapping.client,
                "start": overlapping.starts_at.strftime("%H:%M"), "end": overlapping.ends_at.strftime("%H:%M"),
            }
        ]})


def _overlapping(visit: Visit) -> Visit | None:
    """Another non-cancelled visit of the same employee that overlaps this one. Call with
    the employee row locked, so two requests cannot both pass. A visit lasts at most 12
    hours, so only the day before (running past midnight into this one) and the day after
    (this one running into it) can hold an overlapping visit besides the day itself."""
    if visit.status == Visit.Status.CANCELLED:
        return None
    candidates = (
        Visit.objects.filter(organization=visit.organization, employee=visit.employee,
                             date__gte=visit.date - dt.timedelta(days=1), date__lte=visit.date + dt.timedelta(days=1))
        .exclude(status=Visit.Status.CANCELLED)
        .exclude(pk=visit.pk)
        .select_related("client")
    )
    for other in candidates:
        if other.starts_at < visit.ends_at and visit.starts_at < other.ends_at:
            return other
    return None


def _lock_employee(employee: Employee) -> None:
    Employee.objects.filter(organization=employee.organization, pk=employee.pk).select_for_update().first()


def _snapshot(visit: Visit) -> dict[str, Any]:
    return {
        "employee_id": visit.employee_id,
        "date": visit.date.isoformat() if visit.date else None,
        "start": visit.start.strftime("%H:%M") if visit.start else None,
        "duration_minutes": visit.duration_minutes,
        "activities": list(visit.activities or []),
        "note": visit.note,
        "status": visit.status,
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def _save_checked(visit: Visit) -> None:
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError as exc:  # a concurrent write: an overlapping visit, or the same external id
        if visit.external_id and Visit.objects.filter(
            organization=visit.organization, external_id=visit.external_id
        ).exclude(pk=visit.pk).exists():
            raise ValidationError({"external_id": [_("A visit with this external id already exists.")]}) from exc
        raise ValidationError({"start": [_("This employee already has a visit at this time.")]}) from exc


@transaction.atomic
def visit_create(
    *,
    acting: Membership,
    client: Client,
    employee: Employee,
    date: dt.date,
    start: dt.time,
    duration_minutes: int,
    delivered: bool,
    activities: list[str] | None = None,
    note: str = "",
    external_id: str = "",
    source: str = Visit.Source.WEB,
    request: HttpRequest | None = None,
) -> Visit:
    """Plan a visit, or register one as delivered (it has started: not in the future).

    Field staff register their own visits; planners plan and register for every employee
    of the organisation. Visits of one employee never overlap; activities come from the
    client's arrangement in force on the date; the client is in care on the date."""
    if employee.organization_id != acting.organization_id or client.organization_id != acting.organization_id:
        raise ValidationError({"employee": [_("Choose an employee of this organisation.")]})
    if not can_act_for(acting, employee):
        raise PermissionDenied(_("You can only register your own visits."))
    now = timezone.localtime()
    if not delivered and date < now.date():
        raise ValidationError({"date": [_("Plan a visit for today or later; register a past visit as delivered.")]})
    if external_id and Visit.objects.filter(organization=acting.organization, external_id=external_id).exists():
        raise ValidationError({"external_id": [_("A visit with this external id already exists.")]})
    _lock_employee(employee)
    visit = Visit(
        organization=acting.organization, client=client, employee=employee, date=date, start=start.replace(second=0, microsecond=0),
        duration_minutes=duration_minutes, planned_minutes=None if delivered else duration_minutes,
        status=Visit.Status.DELIVERED if delivered else Visit.Status.PLANNED,
        activities=list(dict.fromkeys(activities or [])), note=note.strip(), source=source, external_id=external_id,
        delivered_at=timezone.now() if delivered else None, created_by=acting.user,
    )
    _validate_visit(visit, now=now)
    _save_checked(visit)
    VisitRevision.objects.create(organization=visit.organization, visit=visit, changed_by=acting.user,
                                 action="created", changes=_diff({}, _snapshot(visit)))
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk, obj=visit,
                  description=f"visit {visit.status} {visit.date:%Y-%m-%d} {visit.start:%H:%M} {duration_minutes} min")
    _recompute_costs(visit, visit.date)
    return visit


@transaction.atomic
def visit_update(
    *,
    acting: Membership,
    visit: Visit,
    reason: str = "",
    confirm: bool = False,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Visit:
    """Change a visit, or confirm a planned one as delivered (`confirm=True`, with its real
    duration). Changes: employee, date, start, duration_minutes, activities, note.

    On the visit's own day (and before it) anyone allowed to act for the employee may
    change it; afterwards only with a reason. Every change is kept as a revision."""
    allowed = {"employee", "date", "start", "duration_minutes", "activities", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"visit_update cannot change {sorted(unknown)}")
    if not can_act_for(acting, visit.employee) or (
        "employee" in changes and not can_act_for(acting, changes["employee"])
    ):
        raise PermissionDenied(_("You can only change your own visits."))
    if visit.status == Visit.Status.CANCELLED:
        raise ValidationError(_("A cancelled visit cannot be changed."))
    if confirm and visit.status != Visit.Status.PLANNED:
        raise ValidationError(_("Only a planned visit can be confirmed as delivered."))
    now = timezone.localtime()
    # Late: the visit was on an earlier day, or is being moved onto one.
    is_late = now.date() > min(visit.date, changes.get("date") or visit.date)
    reason = reason.strip()
    if is_late and not reason:
        raise ValidationError({"reason": [_("This visit was on an earlier day: give a reason for the change.")]})
    employee = changes.get("employee", visit.employee)
    if employee.organization_id != visit.organization_id:
        raise ValidationError({"employee": [_("Choose an employee of this organisation.")]})
    _lock_employee(employee)
    before = _snapshot(visit)
    for name, value in changes.items():
        if name == "activities":
            value = list(dict.fromkeys(value or []))
        elif name == "note":
            value = (value or "").strip()
        elif name == "start":
            value = value.replace(second=0, microsecond=0)
        setattr(visit, name, value)
    if confirm:
        visit.status = Visit.Status.DELIVERED
        visit.delivered_at = timezone.now()
        if visit.planned_minutes is None:
            visit.planned_minutes = before["duration_minutes"]
    if visit.status == Visit.Status.PLANNED and visit.date < now.date() and "date" in changes:
        raise ValidationError({"date": [_("A planned visit cannot be moved into the past; confirm it as delivered.")]})
    _validate_visit(visit, now=now)
    diff = _diff(before, _snapshot(visit))
    if not diff:
        return visit
    _save_checked(visit)
    VisitRevision.objects.create(organization=visit.organization, visit=visit, changed_by=acting.user,
                                 action="confirmed" if confirm else "changed", reason=reason, is_late=is_late,
                                 changes=diff)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=visit.client_id,
                  obj=visit, description=("visit confirmed" if confirm else "visit changed")
                  + f" ({', '.join(sorted(diff))})" + (" late, with reason" if is_late else ""))
    _recompute_costs(visit, dt.date.fromisoformat(before["date"]), visit.date)
    return visit


@transaction.atomic
def visit_cancel(*, acting: Membership, visit: Visit, reason: str = "", request: HttpRequest | None = None) -> Visit:
    """Cancel a visit (kept, with its history; frees the employee's time). After the
    visit's day only with a reason."""
    if not can_act_for(acting, visit.employee):
        raise PermissionDenied(_("You can only change your own visits."))
    if visit.status == Visit.Status.CANCELLED:
        return visit
    is_late = timezone.localdate() > visit.date
    reason = reason.strip()
    if is_late and not reason:
        raise ValidationError({"reason": [_("This visit was on an earlier day: give a reason for the change.")]})
    before = _snapshot(visit)
    visit.status = Visit.Status.CANCELLED
    visit.save(update_fields=["status", "updated_at"])
    VisitRevision.objects.create(organization=visit.organization, visit=visit, changed_by=acting.user,
                                 action="cancelled", reason=reason, is_late=is_late,
                                 changes=_diff(before, _snapshot(visit)))
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=visit.client_id,
                  obj=visit, description="visit cancelled")
    _recompute_costs(visit, visit.date)
    return visit


def _recompute_costs(visit: Visit, *days: dt.date) -> None:
    """A delivered visit is realised cost on its day's budget: a change to a day the daily
    run already computed is recomputed (billing.recompute ignores days not yet computed)."""
    if min(days) < timezone.localdate():
        schedule_recompute(visit.organization_id, first=min(days), last=max(days), client_ids=[visit.client_id],
                           reason=f"visit {visit.date:%Y-%m-%d} changed")
