"""Map domain errors to HTTP: field errors 400, missing 404, version conflicts 409."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from catalog.errors import VersionConflict

# Model field names in validation errors -> the names API clients send.
API_FIELD_NAMES = {"brand": "brand_id", "categories": "category_ids",
                   NON_FIELD_ERRORS: "non_field_errors"}


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """Return ``{api_field: [messages]}`` for a Django ValidationError."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": list(error.messages)}
    return {API_FIELD_NAMES.get(name, name): messages
            for name, messages in error.message_dict.items()}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors into DRF responses; every error response is marked not cacheable."""
    if isinstance(exc, VersionConflict):
        response: Response | None = Response(
            {"detail": str(exc), "expected_version": exc.expected, "current_version": exc.actual},
            status=status.HTTP_409_CONFLICT,
        )
    else:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(field_errors(exc))
        elif isinstance(exc, ObjectDoesNotExist):
            exc = NotFound()
        response = drf_exception_handler(exc, context)
    if response is not None:
        response["Cache-Control"] = "no-store"
    return response
