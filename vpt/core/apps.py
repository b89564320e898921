from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vpt.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Dashboard"), "core:dashboard", Perm.VIEW_DASHBOARD, order=0))
        register_nav(NavItem(_("Members"), "tenancy:member_list", Perm.VIEW_MEMBERS, order=800))

        from vpt.core import cards

        cards.register()
