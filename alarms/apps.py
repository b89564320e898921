from django.apps import AppConfig


class AlarmsConfig(AppConfig):
    name = "alarms"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from alarms import cards, demo
        from vpt.tenancy.navigation import NavItem, register_nav
        from vpt.tenancy.roles import Perm

        register_nav(NavItem(_("Alarms"), "alarms:inbox", Perm.HANDLE_ALARMS, order=6, provider_only=True))
        register_nav(NavItem(_("Alarm reports"), "alarm_reports:month", Perm.VIEW_ALARM_REPORTS, order=47,
                             provider_only=True))
        register_nav(NavItem(_("Alarm setup"), "alarm_setup:index", Perm.MANAGE_ALARM_SETUP, order=660,
                             provider_only=True))
        cards.register()
        demo.register()
