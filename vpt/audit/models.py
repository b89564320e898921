"""The access log (NEN 7513): who did what with which client record, when, from where.

Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses
UPDATE and DELETE for every role (the application role also has the rights revoked).
Retention: at least 5 years (Stcrt. 2019-38007); removal is an operations task outside
the application.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from vpt.tenancy.models import TenantModel
from vpt.tenancy.roles import Role


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003
        raise PermissionError("The access log is append-only")

    def delete(self):
        raise PermissionError("The access log is append-only")


class AccessLog(TenantModel):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")  # a record or page with client data was shown
        SEARCH = "search", _("Searched")  # a search over client records
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")  # CSV/XLSX/XML left the system
        PRINT = "print", _("Printed")  # a PDF was produced
        REVEAL = "reveal", _("Revealed")  # a masked value (BSN) was shown in full
        EMERGENCY = "emergency", _("Emergency access")  # break-the-glass

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # Snapshots: the log must still say who it was after the account changes or goes.
    username = models.CharField(_("user name"), max_length=150)
    role = models.CharField(_("role"), max_length=20)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    client_id = models.BigIntegerField(_("client"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = ScopedManager(_manager_class=models.Manager.from_queryset(AccessLogQuerySet), organization="organization")

    # The application role may insert and read, never change or remove.
    APP_ROLE_REVOKE = ("UPDATE", "DELETE", "TRUNCATE")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["organization", "-at"], name="accesslog_org_at"),
            models.Index(fields=["organization", "client_id", "-at"], name="accesslog_org_client_at"),
            models.Index(fields=["organization", "user", "-at"], name="accesslog_org_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"

    def get_role_display(self) -> str:
        # `role` is a snapshot, not a choices field: an old entry keeps a role name that
        # may since have been renamed or removed.
        return str(dict(Role.choices).get(self.role, self.role))

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        # Not business logic: the table's invariant (append-only), as the trigger on PG.
        if self.pk is not None:
            raise PermissionError("The access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise PermissionError("The access log is append-only")
