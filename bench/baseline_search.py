"""The search a Django team would write first: DRF's SearchFilter (icontains) over the write models.

Mounted by bench/urls.py under ``/baseline/search/``. Matching is
``name/description/sku ICONTAINS`` per word (what ``SearchFilter`` does),
with ``PageNumberPagination`` (a COUNT per page) and, with ``facets=true``,
facet counts by ORM aggregation over the same queryset.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import path
from rest_framework import filters, generics
from rest_framework.request import Request
from rest_framework.response import Response

from bench.baseline_api import Pagination, ProductSerializer
from catalog.api.permissions import HasReadScope, tenant_id_of
from catalog.models import Product


class NaiveSearchView(generics.ListAPIView):
    """Search products of the caller's tenant with icontains; optional naive facets."""

    serializer_class = ProductSerializer
    pagination_class = Pagination
    permission_classes = [HasReadScope]
    throttle_scope = "read"
    filter_backends = [filters.SearchFilter]
    search_fields = ["name", "description", "sku"]

    def get_queryset(self) -> QuerySet[Product]:
        return (Product.objects.for_tenant(tenant_id_of(self.request))
                .select_related("brand").prefetch_related("categories").order_by("name", "id"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if request.query_params.get("facets") == "true":
            matches = self.filter_queryset(self.get_queryset()).order_by()
            response.data["facets"] = {
                "brands": list(matches.values("brand__name").annotate(n=Count("id"))
                               .order_by("-n")[:20]),
                "categories": list(matches.values("categories__name").annotate(n=Count("id"))
                                   .order_by("-n")[:20]),
                "price": matches.aggregate(
                    low=Count("id", filter=Q(price__lt=50)),
                    mid=Count("id", filter=Q(price__gte=50, price__lt=100)),
                    high=Count("id", filter=Q(price__gte=100))),
                "availability": matches.aggregate(
                    in_stock=Count("id", filter=Q(is_active=True, stock_quantity__gt=0))),
            }
        return response


urlpatterns = [path("", NaiveSearchView.as_view(), name="baseline-search")]
