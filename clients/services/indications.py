from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from billing.recompute import schedule_recompute
from clients.models import Client, WlzIndication
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership
from vpt.wlz import codes


def _fmt(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else _("open-ended")


def _overlapping(client: Client, valid_from: date, valid_to: date | None, exclude_pk: int | None = None):  # noqa: ANN202
    qs = client.indications.vpt().filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        qs = qs.filter(valid_from__lte=valid_to)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_for_update()


def _save(indication: WlzIndication, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            indication.save(update_fields=update_fields)
    except IntegrityError as exc:  # the PostgreSQL exclusion constraint: a concurrent writer
        raise ValidationError(_("This indication overlaps another VPT indication of this client.")) from exc


@transaction.atomic
def indication_create(
    *,
    acting: Membership,
    client: Client,
    zorgprofiel: str,
    valid_from: date,
    valid_to: date | None = None,
    leveringsvorm: str = codes.LEVERINGSVORM_VPT,
    with_behandeling: bool = False,
    ciz_reference: str = "",
    note: str = "",
    end_previous: bool = False,
    request: HttpRequest | None = None,
) -> WlzIndication:
    """Record a CIZ indication, with `with_behandeling` when the CIZ decision includes
    treatment (the VPT variant "met behandeling", a different tariff). Rule: two VPT
    indications of one client never overlap.
    With `end_previous`, an earlier VPT indication that runs into the new one is ended the
    day before the new one starts; one that starts on or after it is never changed."""
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    if zorgprofiel not in codes.zorgprofielen():
        raise ValidationError({"zorgprofiel": _("Unknown zorgprofiel.")})
    indication = WlzIndication(
        organization=client.organization, client=client, zorgprofiel=zorgprofiel, leveringsvorm=leveringsvorm,
        valid_from=valid_from, valid_to=valid_to, with_behandeling=bool(with_behandeling),
        ciz_reference=ciz_reference, note=note, created_by=acting.user,
    )
    if indication.is_vpt:
        for other in _overlapping(client, valid_from, valid_to):
            if end_previous and other.valid_from < valid_from:
                other.valid_to = valid_from - timedelta(days=1)
                _save(other, update_fields=["valid_to"])
                record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=client.pk,
                              obj=other, description=f"indication ended {other.valid_to.isoformat()} by a new indication")
            else:
                raise ValidationError(
                    _("This indication overlaps the VPT indication %(profile)s from %(start)s to %(end)s.")
                    % {"profile": other.zorgprofiel_short, "start": _fmt(other.valid_from), "end": _fmt(other.valid_to)}
                    + ("" if other.valid_from >= valid_from else " " + _("Tick 'end the previous indication' to end it the day before."))
                )
    indication.full_clean(exclude=["organization", "client", "created_by"])
    _save(indication)
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk,
                  obj=indication, description=f"indication {indication.zorgprofiel_short}"
                                                             + (" with behandeling" if indication.with_behandeling else "")
                                                             + f" from {valid_from.isoformat()}")
    if indication.is_vpt:  # an earlier indication ended by this one changes from valid_from too
        schedule_recompute(client.organization_id, first=valid_from, client_ids=[client.pk],
                           reason=f"indication {indication.zorgprofiel_short} from {valid_from.isoformat()}")
    return indication


@transaction.atomic
def indication_update(
    *, acting: Membership, indication: WlzIndication, valid_to: date | None, ciz_reference: str, note: str,
    request: HttpRequest | None = None,
) -> WlzIndication:
    """Change the end date, reference or note (profile and start are a new CIZ decision: a new
    indication). The end may not create an overlap or lie before the start."""
    if valid_to is not None and valid_to < indication.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    if indication.is_vpt:
        clash = _overlapping(indication.client, indication.valid_from, valid_to, exclude_pk=indication.pk).first()
        if clash is not None:
            raise ValidationError(
                _("This indication would overlap the VPT indication %(profile)s from %(start)s to %(end)s.")
                % {"profile": clash.zorgprofiel_short, "start": _fmt(clash.valid_from), "end": _fmt(clash.valid_to)}
            )
    old_valid_to = indication.valid_to
    indication.valid_to = valid_to
    indication.ciz_reference = ciz_reference
    indication.note = note
    indication.full_clean(exclude=["organization", "client", "created_by"])
    _save(indication, update_fields=["valid_to", "ciz_reference", "note"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=indication.client_id,
                  obj=indication, description=f"indication valid to {_fmt(valid_to)}")
    if indication.is_vpt and old_valid_to != valid_to:
        # The days between the old and the new end changed (None: open-ended).
        ends = [d for d in (old_valid_to, valid_to) if d is not None]
        first = min(ends) + timedelta(days=1) if ends else indication.valid_from
        schedule_recompute(indication.organization_id, first=first, client_ids=[indication.client_id],
                           last=None if None in (old_valid_to, valid_to) else max(ends),
                           reason=f"indication {indication.zorgprofiel_short} end changed")
    return indication
