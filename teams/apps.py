from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from teams import cards, demo
        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Today"), "today:today", Perm.REGISTER_VISITS, order=5, provider_only=True))
        register_nav(NavItem(_("Capacity"), "capacity:overview", Perm.VIEW_CAPACITY, order=40, provider_only=True))
        register_nav(NavItem(_("Visits"), "visits:list", Perm.PLAN_VISITS, order=45, provider_only=True))
        register_nav(NavItem(_("Teams"), "teams:list", Perm.MANAGE_TEAMS, order=650, provider_only=True))
        cards.register()
        demo.register()
