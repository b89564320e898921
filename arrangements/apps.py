from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrangements"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Budget"), "budget:overview", Perm.VIEW_BUDGETS, order=30, provider_only=True))
        register_nav(NavItem(_("Menu card"), "menu:list", Perm.MANAGE_ARRANGEMENTS, order=700, provider_only=True))
        from arrangements import cards; cards.register()  # noqa: E702, I001
        from arrangements import demo; demo.register()  # noqa: E702, I001
