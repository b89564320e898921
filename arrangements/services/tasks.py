"""Mantelzorg task division of an arrangement: who does what, and how often."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from arrangements.models import Arrangement, TaskAgreement
from clients.models import NetworkMember
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership


def _lock_draft(arrangement: Arrangement) -> Arrangement:
    """Lock the arrangement row and check it is still a draft: an active or ended version is
    the agreed history, so its task division is changed in a new version. The lock keeps an
    activation from running between the check and the write."""
    locked = (
        Arrangement.objects.select_for_update()
        .filter(organization=arrangement.organization_id, pk=arrangement.pk)
        .first()
    )
    if locked is None or locked.status != Arrangement.Status.DRAFT:
        raise ValidationError(
            _("The task division can only be changed in a draft arrangement; start a new version to change it."),
            code="not_a_draft",
        )
    return locked


def _check(arrangement: Arrangement, done_by: str, network_member: NetworkMember | None) -> NetworkMember | None:
    """A task done by the network names the member; the member is in this client's network.
    For the client or the team no member is kept."""
    if done_by == TaskAgreement.DoneBy.NETWORK:
        if network_member is None:
            raise ValidationError({"network_member": _("Name the network member who does this task.")})
    elif done_by in TaskAgreement.DoneBy.values:
        network_member = None
    if network_member is not None and (
        network_member.organization_id != arrangement.organization_id or network_member.client_id != arrangement.client_id
    ):
        raise ValidationError({"network_member": _("This person is not in the client's network.")})
    return network_member


def _describe(agreement: TaskAgreement) -> str:
    who = agreement.network_member.name if agreement.network_member_id else agreement.done_by
    return f"task division v{agreement.arrangement.version}: {agreement.task} ({who})"


@transaction.atomic
def task_add(
    *,
    acting: Membership,
    arrangement: Arrangement,
    task: str,
    done_by: str,
    network_member: NetworkMember | None = None,
    frequency: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> TaskAgreement:
    """Add a task to the division of a draft arrangement (DOMAIN.md, "Mantelzorg task
    division": family keep the tasks they want; the professionals keep the overview so no one
    is overasked). Rules: draft only; done by the network names a member of this client."""
    arrangement = _lock_draft(arrangement)
    agreement = TaskAgreement(
        organization_id=arrangement.organization_id,
        arrangement=arrangement,
        task=task,
        done_by=done_by,
        network_member=_check(arrangement, done_by, network_member),
        frequency=frequency,
        note=note,
    )
    agreement.full_clean(exclude=["organization", "arrangement", "network_member"])
    agreement.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting,
                  client_id=arrangement.client_id, obj=agreement, description=_describe(agreement))
    return agreement


@transaction.atomic
def task_update(
    *,
    acting: Membership,
    agreement: TaskAgreement,
    task: str,
    done_by: str,
    network_member: NetworkMember | None = None,
    frequency: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> TaskAgreement:
    """Change a task of a draft arrangement; the same rules as task_add."""
    arrangement = _lock_draft(agreement.arrangement)
    agreement.arrangement = arrangement
    agreement.task = task
    agreement.done_by = done_by
    agreement.network_member = _check(arrangement, done_by, network_member)
    agreement.frequency = frequency
    agreement.note = note
    agreement.full_clean(exclude=["organization", "arrangement", "network_member"])
    agreement.save(update_fields=["task", "done_by", "network_member", "frequency", "note"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting,
                  client_id=arrangement.client_id, obj=agreement, description=_describe(agreement))
    return agreement


@transaction.atomic
def task_remove(*, acting: Membership, agreement: TaskAgreement, request: HttpRequest | None = None) -> None:
    """Remove a task from the division of a draft arrangement."""
    arrangement = _lock_draft(agreement.arrangement)
    agreement.arrangement = arrangement
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting,
                  client_id=arrangement.client_id, obj=agreement, description=_describe(agreement) + " removed")
    agreement.delete()
