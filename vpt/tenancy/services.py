from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Role


@transaction.atomic
def membership_update(
    *,
    acting: Membership,
    membership: Membership,
    role: str,
    is_active: bool,
    request: HttpRequest | None = None,
) -> Membership:
    """Change a member's role or deactivate them.

    Rules: the role must exist for this kind of organisation, and the organisation keeps at
    least one active admin (nobody can lock everyone out, also not themselves).
    """
    if membership.organization_id != acting.organization_id:
        raise ValidationError(_("This member belongs to another organisation."))
    if role not in Membership.roles_for_kind(membership.organization.kind):
        raise ValidationError({"role": _("This role does not exist in this kind of organisation.")})
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (
        role != Role.ADMIN or not is_active
    )
    if loses_admin:
        other_admins = (
            Membership.objects.select_for_update()
            .filter(organization=membership.organization, role=Role.ADMIN, is_active=True)
            .exclude(pk=membership.pk)
        )
        if not other_admins.exists():
            raise ValidationError(_("The organisation must keep at least one active admin."))
    changes = []
    if membership.role != role:
        changes.append(f"role {membership.role} -> {role}")
    if membership.is_active != is_active:
        changes.append(f"active {membership.is_active} -> {is_active}")
    if not changes:
        return membership
    membership.role = role
    membership.is_active = is_active
    membership.full_clean()
    membership.save(update_fields=["role", "is_active"])
    record_access(
        action=AccessLog.Action.UPDATE,
        request=request,
        membership=acting,
        obj=membership,
        description=f"{membership.user.get_username()}: " + ", ".join(changes),
    )
    return membership

