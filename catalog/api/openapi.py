"""OpenAPI details drf-spectacular cannot infer: the API-key scheme and hand-parsed parameters."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from catalog.api.params import DEFAULT_ORDER, DEFAULT_PAGE_SIZE, MAX_CURSOR, MAX_ID, MAX_PAGE_SIZE
from catalog.read.selectors import SORT_COLUMNS


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describe ApiKeyAuthentication: a key in the X-API-Key header."""

    target_class = "catalog.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def _query(name: str, schema: dict[str, Any] | Any, description: str, **extra: Any) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description, **extra)


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
AMOUNT = {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$", "example": "19.90"}
PRINTABLE = {"type": "string", "minLength": 1, "pattern": r"^[^\x00-\x1f\x7f]+$"}
TEXT_50 = {**PRINTABLE, "maxLength": 50}

CURSOR = _query("cursor", {"type": "string", "minLength": 1, "maxLength": MAX_CURSOR},
                "The next_cursor of the previous page, unchanged (keep the other parameters too).")
PAGE_SIZE = _query("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                 "default": DEFAULT_PAGE_SIZE}, "Rows per page.")
LIST_PARAMETERS = [
    _query("category", ID, "Products in this category or any category below it."),
    _query("brand", ID, "Products of this brand."),
    _query("price_min", AMOUNT, "Effective price (sale price if set) at least this."),
    _query("price_max", AMOUNT, "Effective price at most this; not below price_min."),
    _query("availability", {"type": "string", "enum": ["in_stock", "out_of_stock"]},
           "in_stock: active with stock; out_of_stock: the others."),
    _query("tag", {"type": "array", "items": TEXT_50, "maxItems": 10},
           "Products carrying every given tag (repeat the parameter).", explode=True),
    OpenApiParameter(
        "attr", {"type": "object", "additionalProperties": {**PRINTABLE, "maxLength": 200},
                 "maxProperties": 10},
        OpenApiParameter.QUERY, style="deepObject", explode=True,
        description="Attribute equals, e.g. attr[material]=steel (attr.material=steel works too)."),
    _query("updated_since", OpenApiTypes.DATETIME, "Products changed at or after this time."),
    _query("sort", {"type": "string", "enum": list(SORT_COLUMNS), "default": "name"},
           "Sort field; ties are broken by id."),
    _query("order", {"type": "string", "enum": ["asc", "desc"]},
           "Direction; default: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_ORDER.items()) + "."),
    CURSOR,
    PAGE_SIZE,
    _query("include_total", {"type": "boolean", "default": False},
           "Also count every matching product (costs a COUNT: only ask when needed)."),
]
PRODUCT_ID = OpenApiParameter("product_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SKU = OpenApiParameter("sku", TEXT_50, OpenApiParameter.PATH, description="The SKU, URL-encoded.")
IF_NONE_MATCH = OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                                 description="An ETag from an earlier response: 304 if unchanged.")
IF_MATCH = OpenApiParameter(
    "If-Match", {"type": "string", "pattern": r'^(W/)?"?v?\d{1,9}(\.[0-9a-f]*)?"?$'},
    OpenApiParameter.HEADER,
    description='The version you expect the product at, e.g. "v3" or the ETag of a read: 409 if it moved on.')


class StaffSessionScheme(OpenApiAuthenticationExtension):
    """Describe StaffSessionAuthentication: the admin's session cookie (browsable API)."""

    target_class = "catalog.api.auth.StaffSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
