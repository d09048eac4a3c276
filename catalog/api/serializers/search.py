"""The shape of search responses, for the OpenAPI schema (views render dicts directly)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.api.serializers.read import PRICE, ProductSerializer


class FacetValueSerializer(serializers.Serializer):
    """A category or brand and how many matches it has under the other active filters."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField()


class PriceFacetSerializer(serializers.Serializer):
    """A price bucket: effective price from ``from`` (inclusive) to ``to`` (exclusive)."""

    key = serializers.CharField(help_text='E.g. "50-100"; "*" marks an open end.')
    to = serializers.DecimalField(**PRICE, allow_null=True)
    count = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DecimalField(**PRICE, allow_null=True)  # a Python keyword
        return fields


class AvailabilityFacetSerializer(serializers.Serializer):
    """How many matches are in stock, and how many are not."""

    key = serializers.ChoiceField(choices=["in_stock", "out_of_stock"])
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    """Facet counts; each facet applies every active filter except its own.

    ``categories`` are the children of the chosen category (the roots without
    one) that have matches, most matches first.
    """

    categories = FacetValueSerializer(many=True)
    brands = FacetValueSerializer(many=True, help_text="The 20 brands with the most matches.")
    price = PriceFacetSerializer(many=True)
    availability = AvailabilityFacetSerializer(many=True)


class SearchPageSerializer(serializers.Serializer):
    """A page of search results in rank order: read rows with the version each reflects."""

    results = ProductSerializer(many=True)
    count = serializers.IntegerField(help_text="How many products match.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    backend = serializers.ChoiceField(choices=["elasticsearch", "postgres"])
    facets = FacetsSerializer(required=False, help_text="Left out with facets=false.")


class SuggestionSerializer(serializers.Serializer):
    """A product whose name or SKU completes the typed prefix."""

    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()


class SuggestionListSerializer(serializers.Serializer):
    """Completions of the prefix, best first."""

    results = SuggestionSerializer(many=True)
    backend = serializers.ChoiceField(choices=["elasticsearch", "postgres"])
