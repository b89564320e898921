"""Evaluations of the care plan (the arrangement) with the client and their network."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from arrangements.models import Arrangement, Evaluation
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership


def active_arrangement(client: Client) -> Arrangement | None:
    """The client's active arrangement (the agreed plan in force), latest version first."""
    return (
        Arrangement.objects.filter(organization=client.organization, client=client, status=Arrangement.Status.ACTIVE)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def evaluation_record(
    *,
    acting: Membership,
    client: Client,
    held_on: date,
    participants: str,
    conclusions: str,
    outcome: str,
    new_arrangement: Arrangement | None = None,
    request: HttpRequest | None = None,
) -> Evaluation:
    """Record an evaluation of the client's care plan (arrangements.careplan: every
    `evaluate_every_months` after the agreement or the last evaluation).

    Rules: the evaluated plan is the client's active arrangement, so there must be one; the
    evaluation has been held (held_on not in the future); the outcome "new version" names
    the new arrangement version, which belongs to the same client and is newer than the
    evaluated one; "no change" names none.
    """
    evaluated = active_arrangement(client)
    if evaluated is None:
        raise ValidationError(
            _("There is no active arrangement to evaluate. Agree and activate an arrangement first."),
            code="no_active_arrangement",
        )
    errors: dict[str, list[str]] = {}
    if held_on > timezone.localdate():
        errors.setdefault("held_on", []).append(_("An evaluation is recorded after it was held: the date cannot be in the future."))
    if outcome == Evaluation.Outcome.NEW_VERSION:
        if new_arrangement is None:
            errors.setdefault("new_arrangement", []).append(_("Choose the new version of the arrangement."))
        elif (
            new_arrangement.organization_id != client.organization_id
            or new_arrangement.client_id != client.pk
            or new_arrangement.version <= evaluated.version
        ):
            errors.setdefault("new_arrangement", []).append(
                _("The new version must be a newer arrangement of this client.")
            )
    elif new_arrangement is not None:
        errors.setdefault("new_arrangement", []).append(_("Only the outcome 'new version' names a new arrangement."))
    if errors:
        raise ValidationError(errors)
    evaluation = Evaluation(
        organization=client.organization,
        client=client,
        arrangement=evaluated,
        held_on=held_on,
        participants=participants,
        conclusions=conclusions,
        outcome=outcome,
        new_arrangement=new_arrangement,
        recorded_by=acting.user,
    )
    evaluation.full_clean(exclude=["organization", "client", "arrangement", "new_arrangement", "recorded_by"])
    evaluation.save()
    record_access(
        action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk, obj=evaluation,
        description=f"care plan evaluation {held_on.isoformat()} of v{evaluated.version}: {outcome}",
    )
    return evaluation
