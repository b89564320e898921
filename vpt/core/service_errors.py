"""Service errors at the API boundary: a service's Django ValidationError becomes DRF's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings


def call_service(fn: Callable[..., Any], **kwargs: Any) -> Any:  # noqa: ANN401
    """Run a service; its Django ValidationError becomes DRF's (a 400 with the messages,
    per field where the service names one, else under "non_field_errors")."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        raise serializers.ValidationError(detail) from exc
