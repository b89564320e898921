from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clients.models import Client, NetworkMember
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership

FIELDS = ("name", "relation", "phone", "email", "tasks", "availability", "hours_per_week",
          "is_contact_person", "consent_to_share", "note")


@transaction.atomic
def network_member_save(*, acting: Membership, client: Client, member: NetworkMember | None = None,
                        request: HttpRequest | None = None, **data: Any) -> NetworkMember:
    """Add or change someone in the client's network. One contact person per client: marking
    a new one unmarks the previous."""
    creating = member is None
    member = member or NetworkMember(organization=client.organization, client=client)
    for field in FIELDS:
        if field in data:
            setattr(member, field, data[field])
    member.full_clean(exclude=["organization", "client"])
    member.save()
    if member.is_contact_person:
        client.network.exclude(pk=member.pk).filter(is_contact_person=True).update(is_contact_person=False)
    record_access(action=AccessLog.Action.CREATE if creating else AccessLog.Action.UPDATE, request=request,
                  membership=acting, client_id=client.pk, obj=member, description=f"network: {member.name}")
    return member


def _kept_references(member: NetworkMember) -> list[str]:
    """What still names the member and is not deleted with it (SET_NULL / PROTECT
    relations of other apps, e.g. the task division of an arrangement), read through the
    reverse relations so this app imports none of them."""
    names: list[str] = []
    # include_hidden: the task division's foreign key has no reverse accessor (related_name "+").
    for rel in member._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if rel.on_delete is models.CASCADE:
            continue
        rows = rel.related_model._default_manager.filter(**{rel.field.name: member})
        names += [str(row) for row in rows[:10]]
    return names


@transaction.atomic
def network_member_delete(*, acting: Membership, member: NetworkMember, request: HttpRequest | None = None) -> None:
    """Remove someone from the client's network. Refused while a record that must name a
    person (a task agreement done by this network member) still names them: remove or
    reassign those tasks first."""
    try:
        with transaction.atomic():  # a savepoint: the refused delete leaves no trace
            record_access(action=AccessLog.Action.DELETE, request=request, membership=acting,
                          client_id=member.client_id, obj=member, description=f"network: {member.name} removed")
            member.delete()
    except IntegrityError as exc:
        tasks = _kept_references(member)
        raise ValidationError(
            _("%(name)s cannot be removed: they are named in the task division of an arrangement (%(tasks)s). "
              "Remove or reassign the tasks first.")
            % {"name": member.name, "tasks": ", ".join(dict.fromkeys(tasks)) or "?"},
            code="named_in_tasks",
        ) from exc
