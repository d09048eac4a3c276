"""Routes of the API, version 1: reads under /api/v1/, commands under /api/v1/commands/.

Commands have their own prefix so a deployment can send them to writer
processes and everything else to readers that only need the read side.
"""

from django.urls import path, re_path

from catalog.api.views.commands import ProductCommandView, ProductCreateView
from catalog.api.views.imports import ImportCreateView, ImportDetailView, ImportErrorsView
from catalog.api.views.products import ProductBySkuView, ProductDetailView, ProductListView
from catalog.api.views.search import SearchView, SuggestView
from catalog.api.views.taxonomy import BrandListView, CategoryTreeView, StatsView

app_name = "api"

urlpatterns = [
    path("products/", ProductListView.as_view(), name="product-list"),
    re_path(r"^products/by-sku/(?P<sku>[\s\S]+?)/?$", ProductBySkuView.as_view(),
            name="product-by-sku"),
    path("products/<str:product_id>/", ProductDetailView.as_view(), name="product-detail"),
    path("categories/", CategoryTreeView.as_view(), name="category-tree"),
    path("brands/", BrandListView.as_view(), name="brand-list"),
    path("stats/", StatsView.as_view(), name="stats"),
    path("search/", SearchView.as_view(), name="search"),
    path("search/suggest", SuggestView.as_view(), name="search-suggest"),
    path("commands/products/", ProductCreateView.as_view(), name="product-create"),
    path("commands/products/<str:product_id>/", ProductCommandView.as_view(), name="product-command"),
    path("commands/imports/", ImportCreateView.as_view(), name="import-create"),
    path("commands/imports/<str:job_id>/", ImportDetailView.as_view(), name="import-detail"),
    path("commands/imports/<str:job_id>/errors/", ImportErrorsView.as_view(), name="import-errors"),
]
