from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from clients import cards, demo
        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Clients"), "clients:list", Perm.VIEW_CLIENTS, order=10, provider_only=True))
        cards.register()
        demo.register()
