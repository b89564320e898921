from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Reports"), "reports:list", Perm.SUBMIT_REPORTS, order=598, provider_only=True))
        register_nav(NavItem(_("Review inbox"), "zk:inbox", Perm.REVIEW_REPORTS, order=100))
        register_nav(NavItem(_("Region"), "zk:region", Perm.REVIEW_REPORTS, order=110))
        register_nav(NavItem(_("Contracts"), "zk:contracts", Perm.REVIEW_REPORTS, order=120))

        from reports import cards, demo

        cards.register()
        demo.register()
