from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from billing import cards, demo
        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Finance"), "billing:overview", Perm.MANAGE_FINANCE, order=590, provider_only=True))
        register_nav(NavItem(_("Declarations"), "billing:declarations", Perm.MANAGE_FINANCE, order=595,
                             provider_only=True))
        register_nav(NavItem(_("Exports"), "billing:exports", Perm.MANAGE_FINANCE, order=597, provider_only=True))
        register_nav(NavItem(_("Tariffs and contracts"), "billing:tariffs", Perm.MANAGE_FINANCE, order=600, provider_only=True))
        cards.register()
        demo.register()  # billing is the last app: its seeder runs after every other
