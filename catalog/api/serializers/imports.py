"""Import jobs as the API shows them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from catalog.commands.import_jobs import import_files_expire_at
from catalog.models import ImportJob, ImportJobState


class ImportCountsSerializer(serializers.Serializer):
    """What the import did so far (committed batches)."""

    rows = serializers.IntegerField()
    inserted = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    recognized = serializers.IntegerField(
        help_text="Of the unchanged rows, those skipped because their product held the row's "
                  "fingerprint (no checks, no comparison).")
    rejected = serializers.IntegerField()
    categories_created = serializers.ListField(child=serializers.CharField())
    brands_created = serializers.ListField(child=serializers.CharField())


class ImportProgressSerializer(serializers.Serializer):
    """How far the worker has read the file."""

    bytes_read = serializers.IntegerField()
    bytes_total = serializers.IntegerField()
    percent = serializers.FloatField()


class ImportJobSerializer(serializers.Serializer):
    """An import job: its state, progress, counts and the links to poll and to the error report."""

    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ImportJobState.choices)
    format = serializers.CharField()
    progress = ImportProgressSerializer()
    counts = ImportCountsSerializer()
    error = serializers.CharField(help_text="Why the job failed; empty otherwise.")
    url = serializers.URLField()
    errors_url = serializers.URLField(
        allow_null=True, help_text="The error report (CSV: row, column, value, reason) once the job"
        " ended; null again once it was deleted (files_expire_at).")
    files_expire_at = serializers.DateTimeField(
        allow_null=True, help_text="When the upload and its error report are deleted"
        " (IMPORT_FILES_KEEP_DAYS after the job ended); null while it runs.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


EMPTY_COUNTS = {"rows": 0, "inserted": 0, "updated": 0, "unchanged": 0, "recognized": 0, "rejected": 0,
                "categories_created": [], "brands_created": []}


def import_job_body(job: ImportJob, request: Any) -> dict[str, Any]:
    """Return the API representation of a job."""
    ended = job.state in {ImportJobState.SUCCEEDED, ImportJobState.FAILED}
    total = job.size_bytes
    return {
        "id": job.pk, "state": job.state, "format": job.file_format,
        "progress": {"bytes_read": job.bytes_read, "bytes_total": total,
                     "percent": round(100.0 * job.bytes_read / total, 1) if total else 100.0},
        "counts": {key: job.counts.get(key, default) for key, default in EMPTY_COUNTS.items()},
        "error": job.error,
        "url": request.build_absolute_uri(reverse("api:import-detail", args=[job.pk])),
        "errors_url": request.build_absolute_uri(reverse("api:import-errors", args=[job.pk]))
        if ended and job.report_path and job.files_purged_at is None else None,
        "files_expire_at": job.files_purged_at or import_files_expire_at(job),
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
    }
