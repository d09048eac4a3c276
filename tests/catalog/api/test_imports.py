"""The import endpoints: upload, job lifecycle with a real worker, error report, tenant isolation."""

from __future__ import annotations

import csv
import gzip
import io

import pytest
from django.test import override_settings

from catalog.models import ImportJob, Product
from tests.catalog.api.conftest import client_for
from tests.catalog.imports.conftest import csv_bytes, jsonl_bytes
from tests.catalog.projections.conftest import celery_worker, wait_for  # noqa: F401

URL = "/api/v1/commands/imports/"
ROWS = [["U-1", "Drill", "10.00", "", "3", "Bosch", "Tools > Drills", "", ""],
        ["U-2", "Saw", "oops", "", "", "", "", "", ""],
        ["U-3", "Apron", "4.50", "", "", "", "", "", ""]]


def upload(client, body: bytes, content_type: str = "text/csv", query: str = ""):  # type: ignore[no-untyped-def]
    return client.post(URL + query, data=body, content_type=content_type)


def job_state(client, url: str) -> dict:  # type: ignore[no-untyped-def]
    return client.get(url).json()


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_an_upload_is_imported_by_a_worker_and_reports_its_rejected_rows(
        celery_worker, keys, other_tenant, tmp_path):  # noqa: F811
    # given
    api, other = client_for(keys.full), client_for(keys.other)
    with override_settings(IMPORT_DIR=tmp_path):
        # when
        response = upload(api, csv_bytes(ROWS))
    # then
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] in {"queued", "running", "succeeded"}
    assert body["format"] == "csv"
    assert response["Location"] == body["url"]
    done = wait_for(lambda: (job := job_state(api, body["url"]))["state"] in {"succeeded", "failed"}
                    and job, timeout=60, message="job finished")
    assert done["state"] == "succeeded", done
    assert done["counts"]["inserted"] == 2
    assert done["counts"]["rejected"] == 1
    assert done["counts"]["brands_created"] == ["Bosch"]
    assert done["progress"]["percent"] == 100.0
    assert done["started_at"] is not None
    assert done["finished_at"] is not None
    report = api.get(done["errors_url"])
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1][:3] == ["3", "price", "oops"]
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["U-1", "U-3"]
    # and another tenant cannot see the job or its report
    assert other.get(body["url"]).status_code == 404
    assert other.get(done["errors_url"]).status_code == 404
    # and the same file again: its imported rows are recognized by their fingerprints
    with override_settings(IMPORT_DIR=tmp_path):
        again = upload(api, csv_bytes(ROWS)).json()
    done = wait_for(lambda: (job := job_state(api, again["url"]))["state"] in {"succeeded", "failed"}
                    and job, timeout=60, message="second job finished")
    counts = done["counts"]
    assert (counts["inserted"], counts["unchanged"], counts["recognized"], counts["rejected"]) == (
        0, 2, 2, 1)


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_a_job_with_a_bad_header_fails_with_the_reason(celery_worker, keys, tmp_path):  # noqa: F811
    api = client_for(keys.full)
    with override_settings(IMPORT_DIR=tmp_path):
        body = upload(api, gzip.compress(b"sku,naem,price\nA,b,1\n"), "application/gzip",
                      "?file_format=csv").json()
    done = wait_for(lambda: (job := job_state(api, body["url"]))["state"] in {"succeeded", "failed"}
                    and job, timeout=60, message="job finished")
    assert done["state"] == "failed"
    assert done["error"].startswith("Unknown column(s) 'naem'")


@pytest.mark.django_db(databases=["default", "read"])
def test_the_upload_is_stored_and_queued_as_a_job_of_the_callers_tenant(keys, tenant, tmp_path):
    # when
    with override_settings(IMPORT_DIR=tmp_path):
        response = upload(client_for(keys.full), jsonl_bytes([{"sku": "J", "name": "n", "price": 1}]),
                          "application/x-ndjson")
    # then
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.tenant_id, job.state, job.file_format) == (tenant.pk, "queued", "jsonl")
    assert str(tmp_path) in job.upload_path
    assert response.json()["errors_url"] is None
    assert client_for(keys.full).get(response.json()["url"] + "errors/").status_code == 404


@pytest.mark.django_db(databases=["default", "read"])
@pytest.mark.parametrize(("body", "content_type", "query", "status", "field"), [
    (b"sku,name,price\n", "application/json", "", 415, "detail"),
    (b"sku,name,price\n", "application/gzip", "", 400, "file_format"),
    (b"sku,name,price\n", "text/csv", "?file_format=xlsx", 400, "file_format"),
    (b"sku,name,price\n", "text/csv", "?colour=red", 400, "colour"),
    (b"", "text/csv", "", 400, "body"),
])
def test_bad_uploads_get_a_clear_error(keys, tmp_path, body, content_type, query, status, field):
    with override_settings(IMPORT_DIR=tmp_path):
        response = upload(client_for(keys.full), body, content_type, query)
    assert response.status_code == status, response.content
    assert field in response.json()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(databases=["default", "read"])
def test_an_upload_over_the_size_limit_is_refused(keys, tmp_path):
    with override_settings(IMPORT_DIR=tmp_path, IMPORT_MAX_BYTES=10):
        response = upload(client_for(keys.full), csv_bytes(ROWS))
    assert response.status_code == 413
    assert not ImportJob.objects.exists()
    assert not list(tmp_path.rglob("*.csv"))


@pytest.mark.django_db(databases=["default", "read"])
def test_uploading_needs_the_write_scope(keys, tmp_path):
    with override_settings(IMPORT_DIR=tmp_path):
        assert upload(client_for(keys.read_only), csv_bytes(ROWS)).status_code == 403
        assert upload(client_for(None), csv_bytes(ROWS)).status_code == 401
