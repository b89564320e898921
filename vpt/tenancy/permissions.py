"""DRF permission for tenant APIs (kept free of rest_framework.views imports: DRF loads it
from its settings)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from vpt.tenancy.roles import Perm


class IsTenantMember(BasePermission):
    """Authenticated, with an active membership whose role may use this endpoint
    (`required_perm` on the view, default Perm.USE_API).

    The tenant scope is opened by TenantMiddleware for every request, the API included;
    object lookups go through the access_* selectors (404 for other tenants).
    """

    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        membership = getattr(request._request, "membership", None)
        if not request.user.is_authenticated or membership is None:
            return False
        return membership.has_perm(getattr(view, "required_perm", Perm.USE_API))
