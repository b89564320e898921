from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from billing import services as billing_services
from billing.models import CareNotification
from billing.recompute import schedule_recompute
from clients.models import Client, bsn_lookup_hash
from clients.selectors import current_indication, latest_assessment, visible_teams
from clients.validation import clean_bsn, clean_postcode
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core import crypto
from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Role

CLIENT_FIELDS = (
    "first_name", "name_prefix", "last_name", "date_of_birth", "id_document_type", "street",
    "house_number", "house_number_suffix", "postcode", "city", "district", "phone", "gp_name",
    "gp_phone", "primary_team", "client_coach",
)


def _check_team_and_coach(*, acting: Membership, data: dict[str, Any]) -> None:
    team = data.get("primary_team")
    if team is None or not visible_teams(acting).filter(pk=team.pk).exists():
        raise ValidationError({"primary_team": _("Choose one of your own teams.")})
    coach = data.get("client_coach")
    if coach is not None:
        if coach.organization_id != acting.organization_id or coach.role not in (Role.CLIENT_COACH, Role.TEAM_MANAGER):
            raise ValidationError({"client_coach": _("The client coach must be a client coach of this organisation.")})
        if not team.members.filter(pk=coach.pk).exists():
            raise ValidationError({"client_coach": _("The client coach must be a member of the client's team.")})


def _check_bsn_unique(*, organization_id: int, bsn: str, exclude_pk: int | None = None) -> None:
    qs = Client.objects.filter(organization_id=organization_id, bsn_hash=bsn_lookup_hash(bsn))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationError({"bsn": _("A client with this BSN already exists in this organisation.")})


@transaction.atomic
def client_create(
    *, acting: Membership, bsn: str, id_document_number: str = "", request: HttpRequest | None = None, **data: Any
) -> Client:
    """Register a client at intake. Rules: a valid BSN (elfproef), unique within the
    organisation; a Dutch postcode; one of the acting member's teams; the coach in that team."""
    bsn = clean_bsn(bsn)
    data["postcode"] = clean_postcode(data.get("postcode", ""))
    _check_team_and_coach(acting=acting, data=data)
    _check_bsn_unique(organization_id=acting.organization_id, bsn=bsn)
    client = Client(organization=acting.organization, **{k: v for k, v in data.items() if k in CLIENT_FIELDS})
    client.set_bsn(bsn)
    if id_document_number:
        client.id_document_number_encrypted = crypto.encrypt(id_document_number.strip())
    client.full_clean(exclude=["organization", "bsn_encrypted", "bsn_hash", "bsn_last4"])
    client.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk, obj=client,
                  description="client registered at intake")
    return client


@transaction.atomic
def client_update(*, acting: Membership, client: Client, request: HttpRequest | None = None, bsn: str = "",
                  id_document_number: str = "", **data: Any) -> Client:
    """Change personal details; a new BSN is validated and must stay unique."""
    data["postcode"] = clean_postcode(data.get("postcode", client.postcode))
    _check_team_and_coach(acting=acting, data={"primary_team": client.primary_team, **data})
    changed = []
    for field in CLIENT_FIELDS:
        if field in data and getattr(client, field) != data[field]:
            setattr(client, field, data[field])
            changed.append(field)
    if bsn:
        bsn = clean_bsn(bsn)
        if bsn_lookup_hash(bsn) != client.bsn_hash:
            _check_bsn_unique(organization_id=client.organization_id, bsn=bsn, exclude_pk=client.pk)
            client.set_bsn(bsn)
            changed += ["bsn_encrypted", "bsn_hash", "bsn_last4"]
    if id_document_number:
        client.id_document_number_encrypted = crypto.encrypt(id_document_number.strip())
        changed.append("id_document_number_encrypted")
    if not changed:
        return client
    client.full_clean(exclude=["organization", "bsn_encrypted", "bsn_hash", "bsn_last4"])
    client.save(update_fields=[*changed, "updated_at"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=client,
                  description="changed: " + ", ".join(f for f in changed if not f.startswith("bsn_") and not f.endswith("_encrypted")) + (" bsn" if "bsn_hash" in changed else ""))
    return client


def client_reveal_bsn(*, acting: Membership, client: Client, request: HttpRequest | None = None) -> str:
    """Show the BSN in full: an explicit action, always logged (NEN 7513 'reveal')."""
    record_access(action=AccessLog.Action.REVEAL, request=request, membership=acting, client_id=client.pk,
                  obj=client, description="BSN shown in full")
    return client.reveal_bsn()


def record_client_view(*, request: HttpRequest, client: Client, what: str) -> None:
    record_access(action=AccessLog.Action.VIEW, request=request, client_id=client.pk, obj=client, description=what)


@transaction.atomic
def client_start_care(*, acting: Membership, client: Client, start: date, request: HttpRequest | None = None) -> Client:
    """Intake -> in care. Rules: the latest eligibility assessment is positive, and a VPT
    indication covers the start date."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != Client.Status.INTAKE:
        raise ValidationError(_("Only a client in intake can start care."))
    assessment = latest_assessment(client)
    if assessment is None or not assessment.is_positive:
        raise ValidationError(
            _("Care can only start after an eligibility assessment with a positive decision (suitable, or suitable with conditions).")
        )
    if current_indication(client, start) is None:
        raise ValidationError(_("There is no VPT indication that covers %(day)s.") % {"day": start.strftime("%d-%m-%Y")})
    client.status = Client.Status.IN_CARE
    client.care_start = start
    client.full_clean(exclude=["organization", "bsn_encrypted", "bsn_hash", "bsn_last4"])
    client.save(update_fields=["status", "care_start", "updated_at"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=client,
                  description=f"care started {start.isoformat()}")
    billing_services.care_notification_record(acting=acting, client=client, kind=CareNotification.Kind.START,
                                              date=start, request=request)
    schedule_recompute(client.organization_id, first=start, client_ids=[client.pk], reason=f"care started {start.isoformat()}")
    return client


@transaction.atomic
def client_end_care(*, acting: Membership, client: Client, end: date, reason: str, note: str = "",
                    request: HttpRequest | None = None) -> Client:
    """In care -> ended, with a date (not before the start) and a reason."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != Client.Status.IN_CARE:
        raise ValidationError(_("Only a client in care can end care."))
    if reason not in Client.EndReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if end < client.care_start:
        raise ValidationError({"end": _("Care cannot end before it started (%(start)s).") % {"start": client.care_start.strftime("%d-%m-%Y")}})
    client.status = Client.Status.ENDED
    client.care_end = end
    client.end_reason = reason
    client.end_note = note
    client.full_clean(exclude=["organization", "bsn_encrypted", "bsn_hash", "bsn_last4"])
    client.save(update_fields=["status", "care_end", "end_reason", "end_note", "updated_at"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk, obj=client,
                  description=f"care ended {end.isoformat()} ({reason})")
    billing_services.care_notification_record(acting=acting, client=client, kind=CareNotification.Kind.END,
                                              date=end, end_reason=reason, request=request)
    schedule_recompute(client.organization_id, first=end + timedelta(days=1), client_ids=[client.pk],
                       reason=f"care ended {end.isoformat()}")
    return client
