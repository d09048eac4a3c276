"""URLs of the benchmarks: the platform's, plus the naive baseline API under /baseline/."""

from django.urls import include, path

from config.urls import urlpatterns as platform_urlpatterns

urlpatterns = [
    *platform_urlpatterns,
    path("baseline/search/", include("bench.baseline_search")),
    path("baseline/", include("bench.baseline_api")),
]
