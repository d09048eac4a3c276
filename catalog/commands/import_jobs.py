"""Import jobs: store an uploaded product file, run it on the bulk queue, record the outcome."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.commands.imports import ImportFailed, ImportRefused, ImportResult, import_products
from catalog.models import ImportJob, ImportJobState, Tenant

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
PURGE_CHUNK = 500  # jobs whose files one purge query claims
# A running job whose row has not moved for this long lost its worker: a redelivery may take it.
STALE_AFTER = timedelta(minutes=5)


class UploadTooLarge(Exception):
    """The upload is larger than settings.IMPORT_MAX_BYTES."""


def import_job_create(*, tenant: Tenant, body: IO[bytes], file_format: str) -> ImportJob:
    """Store the uploaded file under IMPORT_DIR and queue its import after commit."""
    limit = settings.IMPORT_MAX_BYTES
    folder = Path(settings.IMPORT_DIR) / str(tenant.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.{file_format}"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := body.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    job = ImportJob.objects.create(tenant=tenant, file_format=file_format, upload_path=str(path),
                                   report_path=str(path.with_suffix(".errors.csv")), size_bytes=size)
    transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    from catalog.tasks import run_import_job_task

    run_import_job_task.apply_async(args=[job_id], retry=False)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    return bool(ImportJob.objects.filter(pk=job_id).filter(
        Q(state=ImportJobState.QUEUED)
        | Q(state=ImportJobState.RUNNING, updated_at__lt=now - STALE_AFTER)
    ).update(state=ImportJobState.RUNNING, started_at=now, updated_at=now, error=""))


def _finish(job_id: int, *, state: str, result: ImportResult, error: str = "") -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(state=state, counts=result.as_dict(), error=error,
                                               finished_at=now, updated_at=now)


def import_job_run(*, job_id: int) -> str:
    """Run a queued job with the same import as the command; return its final state.

    A job another worker runs is left alone; one that is already finished is
    not run again (a redelivered task).
    """
    if not _claim(job_id):
        return str(ImportJob.objects.filter(pk=job_id).values_list("state", flat=True).first())
    job = ImportJob.objects.select_related("tenant").get(pk=job_id)

    def progress(result: ImportResult, bytes_read: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(bytes_read=bytes_read, counts=result.as_dict(),
                                                   updated_at=timezone.now())

    try:
        with open(job.upload_path, "rb") as source, open(job.report_path, "w", newline="",
                                                          encoding="utf-8") as report:
            result = import_products(tenant=job.tenant, source=source, file_format=job.file_format,
                                     error_report=report, on_progress=progress)
    except ImportRefused as exc:
        _finish(job_id, state=ImportJobState.FAILED, result=ImportResult(), error=str(exc))
        return ImportJobState.FAILED
    except ImportFailed as exc:
        _finish(job_id, state=ImportJobState.FAILED, result=exc.result, error=str(exc))
        return ImportJobState.FAILED
    _finish(job_id, state=ImportJobState.SUCCEEDED, result=result)
    return ImportJobState.SUCCEEDED


def import_files_expire_at(job: ImportJob) -> datetime | None:
    """Return when an ended job's files are due for deletion (None while it runs)."""
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=settings.IMPORT_FILES_KEEP_DAYS)


def import_files_purge(*, now: datetime | None = None) -> int:
    """Delete the upload and error report of jobs that ended IMPORT_FILES_KEEP_DAYS ago; return jobs.

    Queued and running jobs keep their files whatever their age. A job is marked
    before its files go, so a report is never served half-deleted; a file that is
    already gone (deleted by hand, another worker) counts as deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_FILES_KEEP_DAYS)
    purged = 0
    while True:
        with transaction.atomic():
            jobs = list(ImportJob.objects.select_for_update(skip_locked=True)
                        .filter(files_purged_at__isnull=True, finished_at__lt=cutoff)
                        .order_by("finished_at").values_list("pk", "upload_path", "report_path")
                        [:PURGE_CHUNK])
            if not jobs:
                return purged
            ImportJob.objects.filter(pk__in=[pk for pk, _, _ in jobs]).update(
                files_purged_at=timezone.now())
        for job_id, *paths in jobs:
            for path in filter(None, paths):
                try:
                    Path(path).unlink(missing_ok=True)
                except OSError:
                    logger.warning("import %s: could not delete %s", job_id, path, exc_info=True)
        purged += len(jobs)
