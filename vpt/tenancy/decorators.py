from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from vpt.tenancy.roles import Perm


def requires(perm: Perm) -> Callable:
    """Login, an active membership and `perm` in the permission matrix; else 403.

    (Objects of another organisation are a different matter: the access_* selectors make
    them 404, whatever the role.)
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("no_membership")
            if not membership.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm
        return wrapped

    return decorator
