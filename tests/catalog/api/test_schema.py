"""OpenAPI: the schema and docs are served, and the API keeps to the schema (schemathesis)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.models import ImportJob

pytestmark = pytest.mark.django_db(databases=["default", "read"])

MAX_EXAMPLES = 25


def test_the_schema_documents_every_endpoint_and_the_api_key(client):
    # when
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    # then
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/v1/products/", "/api/v1/products/{product_id}/", "/api/v1/products/by-sku/{sku}/",
        "/api/v1/categories/", "/api/v1/brands/", "/api/v1/stats/",
        "/api/v1/search/", "/api/v1/search/suggest",
        "/api/v1/commands/products/", "/api/v1/commands/products/{product_id}/",
        "/api/v1/commands/imports/", "/api/v1/commands/imports/{job_id}/",
        "/api/v1/commands/imports/{job_id}/errors/",
    }
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key"}
    listed = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"category", "brand", "price_min", "price_max", "availability", "tag", "attr",
            "updated_since", "sort", "order", "cursor", "page_size", "include_total"} <= listed


def test_the_docs_page_renders_with_local_assets(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in page.content
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


def _cases(operation, shop, job):  # type: ignore[no-untyped-def]
    """Yield (mode, path parameters) to fuzz an operation with: random ids, and real ones."""
    real = {"product_id": str(shop.products["D-1"].pk), "sku": "D-1", "job_id": str(job.pk)}
    names = {p.name for p in operation.path_parameters}
    negatable = any(len(part) for part in (operation.query, operation.path_parameters, operation.body))
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        if mode is GenerationMode.NEGATIVE and not negatable:
            continue
        yield mode, None
        if names and mode is GenerationMode.POSITIVE:
            yield mode, {name: real[name] for name in names}


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Return the WSGI application, keeping the test's database connections open as Client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_schema(shop, keys, wsgi_app):
    """Fuzz every operation with valid and invalid data: no 500s, no schema violations.

    Schemathesis' pytest plugin (lazy fixtures) does not run on pytest 9.2, so
    the Hypothesis tests are built here, per operation and generation mode.
    """
    # given
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    # A body over the documented size limit is refused (413) before its content is looked at:
    # that is a rejection of the invalid data too. (The import operations' schema components
    # shifted the generated examples onto a 70 KB PATCH body, which exposed this.)
    rejection = schema.config.checks.negative_data_rejection
    schema.config.checks.negative_data_rejection = type(rejection)(
        expected_statuses=[*rejection.expected_statuses, 413])
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, negative_data_rejection]
    operations = [result.ok() for result in schema.get_all_operations()]
    job = ImportJob.objects.create(tenant=shop.tenant, file_format="csv", upload_path="/nonexistent")
    assert len(operations) == 15
    for operation in operations:
        for mode, path_parameters in _cases(operation, shop, job):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case):  # type: ignore[no-untyped-def]
                # when / then
                case.call_and_validate(headers={"X-API-Key": keys.full}, checks=checks)

            try:
                check()
            except Unsatisfiable:
                # Nothing in this operation can be made invalid for the schema.
                assert mode is GenerationMode.NEGATIVE, operation.label
