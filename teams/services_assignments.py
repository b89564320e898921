"""Writes that assign people to a client: the primary client coach.

(Fixed faces are in `teams.services`; this module is separate so the team pages and the
shared services can change independently.)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Perm, Role

COACH_ROLES = frozenset({Role.CLIENT_COACH, Role.TEAM_MANAGER})


def _name(membership: Membership | None) -> str:
    if membership is None:
        return "—"
    return membership.user.get_full_name() or membership.user.get_username()


@transaction.atomic
def client_coach_set(
    *, acting: Membership, client: Client, coach: Membership | None, request: HttpRequest | None = None,
) -> Client:
    """Set (or clear, with None) the client's primary client coach.

    Rule: the coach is an active client coach or team manager of the client's organisation
    and a member of the client's team, so the primary coach can see the client and belongs
    to the small fixed team around them (DOMAIN.md, "Teams"). Needs MANAGE_TEAMS.
    Setting the coach the client already has is a no-op (nothing is logged).
    """
    if not acting.has_perm(Perm.MANAGE_TEAMS) or acting.organization_id != client.organization_id:
        raise PermissionDenied
    if coach is not None and coach.pk == client.client_coach_id:
        return client
    if coach is None and client.client_coach_id is None:
        return client
    if coach is not None:
        if coach.organization_id != client.organization_id or not coach.is_active or coach.role not in COACH_ROLES:
            raise ValidationError({"coach": [_("Choose an active client coach or team manager of this organisation.")]})
        if not client.primary_team.members.filter(pk=coach.pk).exists():
            raise ValidationError({"coach": [
                _("%(name)s is not a member of team %(team)s.") % {"name": _name(coach), "team": client.primary_team}
            ]})
    previous = client.client_coach if client.client_coach_id else None
    client.client_coach = coach
    client.save(update_fields=["client_coach", "updated_at"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=client,
                  description=f"primary client coach: {_name(previous)} -> {_name(coach)}")
    return client
