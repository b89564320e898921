"""What the provider's, the zorgkantoor's and the PDF views of reports share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from vpt.tenancy.decorators import only_for
from vpt.tenancy.models import Organization

provider_only = only_for(Organization.Kind.PROVIDER)
zorgkantoor_only = only_for(Organization.Kind.ZORGKANTOOR)


def requested_version(request: HttpRequest) -> int | None:
    """The version asked for with ?v=N (None: the latest); anything but a number is 404."""
    raw = request.GET.get("v", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        raise Http404
    return int(raw)


def error_message(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def run_action(request: HttpRequest, form: forms.Form | None, action: Callable[[dict], Any],
               success: str | Callable[[Any], str]) -> Any:  # noqa: ANN401 (the service's result)
    """The POST actions of the report pages: validate `form` (if any), run the service with
    its cleaned data, and tell the user the outcome as a message. Returns the service's
    result, or None when the form or the service refused (nothing was changed)."""
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return None
    try:
        result = action(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        error_message(request, exc)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result
