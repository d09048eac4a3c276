"""JSON in and out with orjson: a response body is rendered once, and cached bodies not at all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import BaseRenderer

OPTIONS = orjson.OPT_UTC_Z


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(data: Any) -> bytes:
    """Render ``data`` as JSON (decimals as strings, datetimes in UTC with Z)."""
    try:
        return orjson.dumps(data, default=_default, option=OPTIONS)
    except TypeError:  # e.g. DRF's list errors keyed by int: rare, and slower to allow
        return orjson.dumps(data, default=_default, option=OPTIONS | orjson.OPT_NON_STR_KEYS)


class OrjsonRenderer(BaseRenderer):
    """Render JSON with orjson; ``orjson.Fragment`` data (a cached body) is passed through."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        if data is None:
            return b""
        return dump_json(data)
