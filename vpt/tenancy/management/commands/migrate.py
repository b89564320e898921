"""`migrate` runs as the owner role when DATABASE_OWNER_URL is configured.

The application role owns nothing and cannot create tables; the owner alias exists only for
this command (and the row-level-security sync that follows it).
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        if options.get("database") == "default" and "owner" in settings.DATABASES:
            options["database"] = "owner"
        return super().handle(*args, **options)
