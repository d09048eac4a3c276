"""Product command endpoints: create, replace, update and delete through catalog.commands.

They write the write side only; the read endpoints show a change once it is
projected, which the response says (the version to wait for).
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import commands
from catalog.api import openapi
from catalog.api.keys import ApiPrincipal
from catalog.api.params import check_query, parse_uuid
from catalog.api.permissions import HasWriteScope, tenant_id_of
from catalog.api.serializers.commands import CommandResultSerializer, ProductWriteSerializer
from catalog.api.serializers.errors import COMMON, CONFLICT, NOT_FOUND, TOO_LARGE
from catalog.commands.actor import Actor, ServiceActor
from catalog.models import Product, Tenant

IF_MATCH = re.compile(r'^(?:W/)?"?v?(\d{1,9})(?:\.[0-9a-f]*)?"?$')
IF_MATCH_INVALID = 'Must be the version you expect, e.g. "v3", or an ETag of this product.'
HINT = ("Reads are eventually consistent: the read endpoints show this change once the product's "
        "version there is {version} or higher.")
WRITE_RESPONSES = {413: TOO_LARGE, **COMMON}


def expected_version(request: Request) -> int | None:
    """Return the version If-Match asks for (None without the header), or raise a 400 naming it."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = IF_MATCH.match(header.strip())
    if match is None:
        raise ValidationError({"If-Match": [IF_MATCH_INVALID]})
    return int(match[1])


def _actor(request: Request) -> Actor:
    """Return the staff user of a session, or the API key as a service actor named by its prefix."""
    if getattr(request.user, "pk", None) is not None:
        return request.user
    principal = request.auth
    if isinstance(principal, ApiPrincipal) and principal.key_prefix:
        return ServiceActor(label=f"api-key:{principal.key_prefix}")
    return None


def _valid(request: Request, *, partial: bool = False) -> dict[str, Any]:
    check_query(request.query_params)
    serializer = ProductWriteSerializer(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _result(request: Request, product: Product, code: int) -> Response:
    read_url = request.build_absolute_uri(reverse("api:product-detail", args=[product.pk]))
    body = {"id": product.pk, "sku": product.sku, "version": product.version, "consistency": {
        "model": "eventual", "version": product.version, "read_url": read_url,
        "hint": HINT.format(version=product.version)}}
    headers = {"Cache-Control": "no-store"}
    if code == status.HTTP_201_CREATED:
        headers["Location"] = read_url
    return Response(body, status=code, headers=headers)


class CommandView(APIView):
    """A command endpoint: write scope and write throttle."""

    permission_classes = [HasWriteScope]
    throttle_scope = "write"

    def tenant(self, request: Request) -> Tenant:
        """Return the caller's tenant (commands write the write side, which needs the row)."""
        return Tenant.objects.get(pk=tenant_id_of(request))


class ProductCreateView(CommandView):
    """Create products."""

    @extend_schema(
        tags=["commands"], operation_id="product_commands_create", request=ProductWriteSerializer,
        responses={201: CommandResultSerializer, **WRITE_RESPONSES})
    def post(self, request: Request) -> Response:
        """Create a product (version 1, or more once its categories are linked)."""
        data = _valid(request)
        product = commands.product_create(tenant=self.tenant(request), actor=_actor(request), **data)
        return _result(request, product, status.HTTP_201_CREATED)


class ProductCommandView(CommandView):
    """Replace, update or delete one product of the tenant."""

    def _update(self, request: Request, product_id: str, *, partial: bool) -> Response:
        uuid = parse_uuid(product_id)
        data = _valid(request, partial=partial)
        version = expected_version(request)
        tenant = self.tenant(request)
        if not partial:
            data.setdefault("currency", tenant.default_currency)
        product = commands.product_update(tenant=tenant, product_id=uuid, actor=_actor(request),
                                          expected_version=version, **data)
        return _result(request, product, status.HTTP_200_OK)

    @extend_schema(
        tags=["commands"], operation_id="product_commands_replace", request=ProductWriteSerializer,
        parameters=[openapi.PRODUCT_ID, openapi.IF_MATCH],
        responses={200: CommandResultSerializer, 404: NOT_FOUND, 409: CONFLICT,
                   **WRITE_RESPONSES})
    def put(self, request: Request, product_id: str) -> Response:
        """Replace a product: fields left out get their defaults (no categories, no tags, ...)."""
        return self._update(request, product_id, partial=False)

    @extend_schema(
        tags=["commands"], operation_id="product_commands_update", request=ProductWriteSerializer,
        parameters=[openapi.PRODUCT_ID, openapi.IF_MATCH],
        responses={200: CommandResultSerializer, 404: NOT_FOUND, 409: CONFLICT,
                   **WRITE_RESPONSES})
    def patch(self, request: Request, product_id: str) -> Response:
        """Change the given fields of a product; category_ids replaces its categories."""
        return self._update(request, product_id, partial=True)

    @extend_schema(
        tags=["commands"], operation_id="product_commands_delete", request=None,
        parameters=[openapi.PRODUCT_ID, openapi.IF_MATCH],
        responses={204: OpenApiResponse(description="Deleted."), 404: NOT_FOUND,
                   409: CONFLICT, **COMMON})
    def delete(self, request: Request, product_id: str) -> Response:
        """Delete a product."""
        check_query(request.query_params)
        uuid = parse_uuid(product_id)
        commands.product_delete(tenant=self.tenant(request), product_id=uuid,
                                actor=_actor(request), expected_version=expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"Cache-Control": "no-store"})
