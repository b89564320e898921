"""Writes of the finance pages: a provider's contracts with the zorgkantoor and the agreed
amounts per prestatie, and the iWlz start/end-of-care notifications (AW35/AW39). Each
write is one transaction with its access-log entry."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import iwlz
from billing.models import CareNotification, DailyRun
from billing.recompute import schedule_recompute
from billing.selectors import nza_maximum
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Contract, ContractTariff, Membership, Organization
from vpt.wlz import codes

MIN_YEAR, MAX_YEAR = 2015, 2100  # VPT as a Wlz delivery form exists since 2015
MAX_RERUN_DAYS = 366  # a re-run covers at most a year (a leap year included)


def _check_terms(*, percentage: Decimal, production_agreement: Decimal, products: list[str]) -> None:
    errors = {}
    if not products:
        errors["products"] = _("Choose at least one contracted zorgprofiel.")
    elif set(products) - set(codes.zorgprofielen()):
        errors["products"] = _("Unknown zorgprofiel code.")
    if percentage is None or not Decimal("0") < percentage <= Decimal("100"):
        errors["percentage"] = _("The percentage of the NZa maximum must be more than 0 and at most 100.")
    if production_agreement is None or production_agreement < 0:
        errors["production_agreement"] = _("The production agreement cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_save(
    *,
    acting: Membership,
    percentage: Decimal,
    production_agreement: Decimal,
    products: list[str],
    note: str = "",
    contract: Contract | None = None,
    zorgkantoor: Organization | None = None,
    year: int | None = None,
    request: HttpRequest | None = None,
) -> Contract:
    """Create a contract (`contract` None: with `zorgkantoor` and `year`) or change the terms
    of an existing one (percentage, production agreement, contracted products, note; zorgkantoor and year stay).

    Rules (DOMAIN.md "Money"): the zorgkantoor contracts a provider at a percentage of the
    NZa maximum, so 0 < percentage ≤ 100; the counterparty is a zorgkantoor organisation;
    one contract per zorgkantoor and year.
    """
    organization = acting.organization
    if not organization.is_provider:
        raise ValidationError(_("Only a care provider records contracts with a zorgkantoor."))
    products = sorted(set(products or []))
    _check_terms(percentage=percentage, production_agreement=production_agreement, products=products)
    if contract is None:
        if zorgkantoor is None or zorgkantoor.kind != Organization.Kind.ZORGKANTOOR:
            raise ValidationError({"zorgkantoor": _("Choose a zorgkantoor organisation.")})
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError({"year": _("Enter a year between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}})
        if Contract.objects.filter(organization=organization, zorgkantoor=zorgkantoor, year=year).exists():
            raise ValidationError({"year": _("There is already a contract with %(zorgkantoor)s for %(year)s.")
                                   % {"zorgkantoor": zorgkantoor.name, "year": year}})
        contract = Contract(organization=organization, zorgkantoor=zorgkantoor, year=year, percentage=percentage,
                            production_agreement=production_agreement, products=products, note=note)
        contract.full_clean(exclude=["organization"])
        contract.save()
        record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=contract,
                      description=f"contract {zorgkantoor.name} {year}: {percentage} %")
        _contract_changed(contract)
        return contract

    if contract.organization_id != organization.pk:
        raise ValidationError(_("This contract belongs to another organisation."))
    contract.percentage, contract.production_agreement, contract.note = percentage, production_agreement, note
    contract.products = products
    contract.full_clean(exclude=["organization"])
    contract.save(update_fields=["percentage", "production_agreement", "products", "note"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=contract,
                  description=f"contract {contract.year}: {percentage} %, production {production_agreement}")
    _contract_changed(contract)
    return contract


@transaction.atomic
def contract_tariff_set(
    *, acting: Membership, contract: Contract, prestatiecode: str, amount: Decimal, request: HttpRequest | None = None
) -> ContractTariff:
    """Agree an amount per day for one prestatie, overriding the contract percentage.

    Rules: the prestatie is in the NZa table for the contract year; the amount is not
    negative and not above the NZa maximum (the NZa sets maximum tariffs).
    """
    if contract.organization_id != acting.organization_id:
        raise ValidationError(_("This contract belongs to another organisation."))
    prestatiecode = prestatiecode.strip()
    maximum = nza_maximum(prestatiecode=prestatiecode, year=contract.year)
    if maximum is None:
        raise ValidationError({"prestatiecode": _("%(code)s is not in the NZa tariff table for %(year)s.")
                               % {"code": prestatiecode, "year": contract.year}})
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if amount > maximum:
        raise ValidationError({"amount": _("The amount is above the NZa maximum of € %(max)s.") % {"max": maximum}})
    item = ContractTariff.objects.filter(organization=contract.organization, contract=contract,
                                         prestatiecode=prestatiecode).first()
    if item is None:
        item = ContractTariff(organization=contract.organization, contract=contract, prestatiecode=prestatiecode,
                              amount=amount)
        item.full_clean(exclude=["organization", "contract"])
        item.save()
        action = AccessLog.Action.CREATE
    else:
        item.amount = amount
        item.full_clean(exclude=["organization", "contract"])
        item.save(update_fields=["amount"])
        action = AccessLog.Action.UPDATE
    record_access(action=action, request=request, membership=acting, obj=item,
                  description=f"contract {contract.year} {prestatiecode}: € {amount}")
    _contract_changed(contract)
    return item


@transaction.atomic
def contract_tariff_remove(
    *, acting: Membership, contract: Contract, prestatiecode: str, request: HttpRequest | None = None
) -> None:
    """Remove an agreed amount: the prestatie falls back to the contract percentage."""
    if contract.organization_id != acting.organization_id:
        raise ValidationError(_("This contract belongs to another organisation."))
    item = ContractTariff.objects.filter(organization=contract.organization, contract=contract,
                                         prestatiecode=prestatiecode).first()
    if item is None:
        raise ValidationError(_("There is no agreed amount for %(code)s.") % {"code": prestatiecode})
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting, obj=item,
                  description=f"contract {contract.year} {prestatiecode}: agreed amount removed")
    item.delete()
    _contract_changed(contract)


def _contract_changed(contract: Contract) -> None:
    """The contracted tariff of every day of the contract year may have changed."""
    schedule_recompute(contract.organization_id, first=datetime.date(contract.year, 1, 1),
                       last=datetime.date(contract.year, 12, 31), reason=f"contract {contract.year} changed")


# --- iWlz start/end-of-care notifications (AW35/AW39) ----------------------------------

# Client.EndReason -> iWlz Mutatiecode (LDT_MutatieCode, basisschema.xsd of iWlz 2.2; the
# labels there are the only source, the iWlz functional rules were not available):
# - nursing_home: 17 "Overplaatsing (er is een melding aanvang zorg of ondersteuning)": the
#   client moves to a Wlz institution, which reports its own start of care (AW35);
# - deceased and other: 19 "Levering zorg of ondersteuning is beeindigd - toewijzing sluiten".
# iWlz 2.2 has no separate code for death.
END_REASON_TO_MUTATIECODE = {
    "nursing_home": "17",
    "deceased": "19",
    "other": "19",
}


def care_notification_record(
    *, acting: Membership, client: Client, kind: str, date: datetime.date, end_reason: str = "",
    request: HttpRequest | None = None,
) -> CareNotification:
    """Record that an AW35 (kind start) or AW39 (kind end, with the client's end reason)
    must be sent. Called by the client services that start and end care, in their
    transaction; the XML is built when it is exported."""
    reason = ""
    if kind == CareNotification.Kind.END:
        reason = END_REASON_TO_MUTATIECODE[end_reason]
    notification = CareNotification(organization=client.organization, client=client, kind=kind, date=date,
                                    reason=reason, created_by=acting.user)
    notification.full_clean(exclude=["organization", "client", "created_by", "sent_by"])
    notification.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk,
                  obj=notification, description=f"{notification.message_code} to send: {date.isoformat()}")
    return notification


def _checked_xml(notification: CareNotification) -> str:
    try:
        return iwlz.build(notification, today=timezone.localdate()).decode("utf-8")
    except iwlz.InvalidMessage as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def care_notification_export(
    *, acting: Membership, notification: CareNotification, request: HttpRequest | None = None
) -> str:
    """The notification's XML, validated against the iWlz XSD (ValidationError with the
    schema's errors otherwise). Until it is sent the XML is rebuilt from the current data
    and kept as the latest snapshot; once sent, the frozen snapshot is returned. Logged
    as an EXPORT (the XML carries the BSN)."""
    notification = CareNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.status == CareNotification.Status.TO_SEND:
        notification.xml = _checked_xml(notification)
        notification.save(update_fields=["xml"])
    record_access(action=AccessLog.Action.EXPORT, request=request, membership=acting,
                  client_id=notification.client_id, obj=notification,
                  description=f"{notification.message_code} XML {notification.reference}")
    return notification.xml


@transaction.atomic
def care_notification_mark_sent(
    *, acting: Membership, notification: CareNotification, request: HttpRequest | None = None
) -> CareNotification:
    """to_send -> sent: the XML is built and validated one last time and frozen."""
    notification = CareNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.organization_id != acting.organization_id:
        raise ValidationError(_("This notification belongs to another organisation."))
    if notification.status == CareNotification.Status.SENT:
        raise ValidationError(_("This notification has already been marked as sent."))
    notification.xml = _checked_xml(notification)
    notification.status = CareNotification.Status.SENT
    notification.sent_at = timezone.now()
    notification.sent_by = acting.user
    notification.save(update_fields=["xml", "status", "sent_at", "sent_by"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting,
                  client_id=notification.client_id, obj=notification,
                  description=f"{notification.message_code} {notification.reference} marked as sent")
    return notification


# --------------------------------------------------------------------------- the daily run


def request_rerun(organization: Organization, first: datetime.date, last: datetime.date, *, user) -> DailyRun:  # noqa: ANN001
    """Finance asks to compute a period again (e.g. after importing the official NZa table).
    Recorded at once, executed by the worker; days in submitted declarations are corrected,
    not edited."""
    from billing.recompute import enqueue_run

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    errors = {}
    if first is None or last is None:
        raise ValidationError(_("Give the first and the last day."))
    if last < first:
        errors["last"] = _("The last day lies before the first day.")
    elif last > yesterday:
        errors["last"] = _("The run computes days up to yesterday; choose %(day)s or earlier.") % {
            "day": yesterday.strftime("%d-%m-%Y")}
    elif (last - first).days + 1 > MAX_RERUN_DAYS:
        errors["first"] = _("Re-run at most %(days)s days at a time.") % {"days": MAX_RERUN_DAYS}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        run = DailyRun.objects.create(organization=organization, kind=DailyRun.Kind.RERUN, first_day=first,
                                      last_day=last, requested_by=user, reason=_("Requested by finance"))
        enqueue_run(run)
    return run
