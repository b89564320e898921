import logging

from vpt.tenancy.context import current_organization_id


class TenantFilter(logging.Filter):
    """Adds the active tenant (organisation id, or '-') to every log record.

    Django logs 4xx/5xx responses after the middleware chain has finished, outside the
    tenant scope; those records carry the request, whose organisation is used instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        organization_id = current_organization_id()
        if organization_id is None:
            organization = getattr(getattr(record, "request", None), "organization", None)
            organization_id = getattr(organization, "pk", None)
        record.organization_id = organization_id or "-"
        return True
