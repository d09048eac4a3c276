"""The request body parser: JSON through orjson, with a size limit."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

MAX_BODY_BYTES = 64 * 1024
BODY_TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES} bytes."
BODY_MALFORMED = "The request body is not valid JSON: {error}."


class BodyTooLarge(APIException):
    """The body exceeds MAX_BODY_BYTES (413, with the body named like a field)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = {"body": [BODY_TOO_LARGE]}
    default_code = "body_too_large"


class OrjsonParser(BaseParser):
    """Parse JSON bodies up to MAX_BODY_BYTES; never read more than that from the stream.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply here: DRF reads the
    stream itself, so the limit is enforced while reading.
    """

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        raw = stream.read(MAX_BODY_BYTES + 1)
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParseError({"body": [BODY_MALFORMED.format(error=exc)]}) from exc
