from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

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


@transaction.atomic
def network_member_delete(*, acting: Membership, member: NetworkMember, request: HttpRequest | None = None) -> None:
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting, client_id=member.client_id,
                  obj=member, description=f"network: {member.name} removed")
    member.delete()
