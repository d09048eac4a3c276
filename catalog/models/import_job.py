"""Import jobs: an uploaded product file, imported by a worker, with its counts and error report."""

from django.db import models

from catalog.models.base import TenantQuerySet


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One upload of a tenant's integration; the worker fills in progress and counts as it runs.

    The files live under ``settings.IMPORT_DIR``; the row keeps their absolute
    paths so a worker with other settings still finds them.
    """

    tenant = models.ForeignKey("catalog.Tenant", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=ImportJobState.choices,
                             default=ImportJobState.QUEUED)
    file_format = models.CharField(max_length=5)
    upload_path = models.CharField(max_length=1024)
    report_path = models.CharField(max_length=1024, blank=True, default="")
    size_bytes = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the upload and its error report were deleted (IMPORT_FILES_KEEP_DAYS after the end).
    files_purged_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "-id"], name="importjob_tenant_recent"),
            # The purge's work: ended jobs whose files are still on disk, oldest first.
            models.Index(fields=["finished_at"], name="importjob_files_to_purge",
                         condition=models.Q(files_purged_at__isnull=True, finished_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.state})"
