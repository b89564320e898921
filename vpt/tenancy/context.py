"""The active tenant id as a context variable (no model imports: logging reads it early)."""

from __future__ import annotations

import contextvars

current_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar("vpt_tenant", default=None)


def current_organization_id() -> int | None:
    """The organisation of the active tenant scope, or None."""
    return current_tenant.get()
