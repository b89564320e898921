from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from vpt.core.forms import add_errors  # noqa: F401 (re-exported for sibling views)


def require_provider(request: HttpRequest) -> None:
    """Tariffs and contracts are the provider's finance pages; a zorgkantoor (whose admin
    also holds MANAGE_FINANCE) reviews contracts elsewhere."""
    if not request.organization.is_provider:
        raise PermissionDenied

