from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Tariffs and contracts"), "billing:tariffs", Perm.MANAGE_FINANCE, order=600, provider_only=True))
