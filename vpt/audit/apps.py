from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vpt.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Access log"), "audit:log", Perm.VIEW_AUDIT_LOG, order=900))
