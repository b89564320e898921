from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "vpt.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from vpt.tenancy import rls

        # Sent once per app after all migrations ran; filtering on this app makes the
        # row-level-security sync run once per `migrate`, for every tenant-owned table.
        post_migrate.connect(rls.sync_after_migrate, sender=self, dispatch_uid="vpt-rls-sync")
