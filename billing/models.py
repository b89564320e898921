"""Finance records of billing. So far: the iWlz start/end-of-care notifications (AW35/AW39)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vpt.tenancy.models import TenantModel
from vpt.wlz import codes


def new_reference() -> str:
    """12 characters: the maximum of iWlz BerichtIdentificatie/Identificatie."""
    return uuid.uuid4().hex[:12].upper()


class CareNotification(TenantModel):
    """A provider -> zorgkantoor notification of the start (AW35) or end (AW39) of care,
    recorded from the client file's events (billing.services) and exported as iWlz XML
    (billing.iwlz). The XML is regenerated on every export until the notification is
    marked sent; from then on `xml` is the frozen copy of what was sent."""

    class Kind(models.TextChoices):
        START = "start", _("Start of care (AW35)")
        END = "end", _("End of care (AW39)")

    class Status(models.TextChoices):
        TO_SEND = "to_send", _("To send")
        SENT = "sent", _("Sent")

    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="care_notifications")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    # iWlz Mutatiecode (LDT_MutatieCode in basisschema.xsd) for an end of care; blank for a start.
    reason = models.CharField(_("reason"), max_length=2, blank=True, choices=codes.mutatie_code_choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.TO_SEND)
    reference = models.CharField(_("reference"), max_length=12, default=new_reference, editable=False)
    xml = models.TextField(_("message"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("iWlz notification")
        verbose_name_plural = _("iWlz notifications")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "reference"], name="care_notification_unique_reference"),
            models.CheckConstraint(name="care_notification_end_has_reason",
                                   condition=Q(kind="start", reason="") | (Q(kind="end") & ~Q(reason=""))),
            models.CheckConstraint(name="care_notification_sent_has_xml",
                                   condition=Q(status="to_send") | (Q(sent_at__isnull=False) & ~Q(xml=""))),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "kind"], name="care_notif_org_status_kind"),
            models.Index(fields=["organization", "client"], name="care_notif_org_client"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d-%m-%Y} ({self.reference})"

    @property
    def message_code(self) -> str:
        return "AW35" if self.kind == self.Kind.START else "AW39"
