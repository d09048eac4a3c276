"""Command requests (types and shapes) and their results.

Business rules (positive prices, unique SKU, the brand and categories of the
tenant, ...) are the command layer's: its errors come back with its stable
messages, mapped to field names by catalog.api.errors.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.api.params import MAX_ID
from catalog.errors import UNKNOWN_FIELD

NUL_FORBIDDEN = "Null characters are not allowed."


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def no_nul(value: Any) -> None:
    """Reject null characters anywhere in a JSON value (PostgreSQL cannot store them)."""
    if _has_nul(value):
        raise serializers.ValidationError(NUL_FORBIDDEN)


def _price(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True, **options)


class ProductWriteSerializer(serializers.Serializer):
    """A product as a client sends it (create and replace; PATCH takes any subset)."""

    sku = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                        max_length=20_000, default="")
    price = _price()
    sale_price = _price(required=False, allow_null=True, default=None)
    currency = serializers.CharField(required=False, max_length=3,
                                     help_text="ISO 4217; the tenant's default currency if omitted.")
    stock_quantity = serializers.IntegerField(required=False, default=0, min_value=-(2**31),
                                              max_value=2**31 - 1)
    is_active = serializers.BooleanField(required=False, default=True)
    brand_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                        max_value=MAX_ID)
    category_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list,
        max_length=1000)
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False,
        default=list, max_length=100)
    attributes = serializers.DictField(required=False, default=dict, validators=[no_nul])
    translations = serializers.DictField(required=False, default=dict, validators=[no_nul],
                                         help_text='E.g. {"de": {"name": "...", "description": "..."}}.')

    def to_internal_value(self, data: Any) -> Any:
        """Reject fields the API does not know, by name."""
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown})
        return super().to_internal_value(data)


class ConsistencySerializer(serializers.Serializer):
    """How to see the change on the read side, which is eventually consistent."""

    model = serializers.CharField(help_text='Always "eventual": reads lag behind commands.')
    version = serializers.IntegerField(help_text="Reads show the change from this version on.")
    read_url = serializers.URLField()
    hint = serializers.CharField()


class CommandResultSerializer(serializers.Serializer):
    """The product a command wrote and the version it is at now."""

    id = serializers.UUIDField()
    sku = serializers.CharField()
    version = serializers.IntegerField()
    consistency = ConsistencySerializer()
