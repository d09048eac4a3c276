"""Endpoints for operators and orchestrators: liveness, readiness with details, metrics.

Plain Django views outside the API: no API key, no throttling, no tenant. They
show no catalog data; expose them on the internal network only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from catalog.operations import metrics
from catalog.operations.health import platform_health


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """Answer 200 while the process serves requests (touches no service)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Answer each service's probe and the projection lag; 503 when a required service fails."""
    state = platform_health()
    return JsonResponse(state.as_dict(), status=503 if state.status == "down" else 200)


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Answer the platform's metrics in Prometheus' text format."""
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
