import logging

from vpt.tenancy.context import current_organization_id


class TenantFilter(logging.Filter):
    """Adds the active tenant (organisation id, or '-') to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.organization_id = current_organization_id() or "-"
        return True
