from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
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


def only_for(kind: str) -> Callable:
    """Pages of one kind of organisation (provider or zorgkantoor). A member of the other
    kind gets 404, as for any object that is not theirs — checked before `requires`, so a
    provider admin never learns a zorgkantoor page exists (nor the reverse)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
            organization = getattr(request, "organization", None)
            if request.user.is_authenticated and organization is not None and organization.kind != kind:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
