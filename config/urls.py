"""URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import catalog.api.openapi  # noqa: F401  (registers the API-key scheme with drf-spectacular)
from catalog.api.views import operations

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("catalog.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", operations.health, name="health"),
    path("health/live", operations.live, name="health-live"),
    path("metrics", operations.prometheus_metrics, name="metrics"),
]
