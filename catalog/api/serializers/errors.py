"""The shape of error responses, for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error that concerns the request as a whole (401, 403, 404, 429)."""

    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """The product is at another version than the one given in If-Match."""

    detail = serializers.CharField()
    expected_version = serializers.IntegerField()
    current_version = serializers.IntegerField()


FIELD_ERRORS = {
    "type": "object",
    "description": "Messages per parameter or field, e.g. {\"price_min\": [\"Must be ...\"]}.",
    "additionalProperties": {},
}

BAD_REQUEST = OpenApiResponse(FIELD_ERRORS, description="A parameter or field is invalid.")
UNAUTHORIZED = OpenApiResponse(ErrorSerializer, description="No API key, or an invalid one.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="The key lacks the scope.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object in your tenant.")
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After.")
NOT_MODIFIED = OpenApiResponse(description="The ETag in If-None-Match is still current.")
CONFLICT = OpenApiResponse(ConflictSerializer, description="If-Match names an older version.")
TOO_LARGE = OpenApiResponse(FIELD_ERRORS, description="The body is larger than 64 KiB.")

COMMON = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED}
