"""Uploaded files and error reports are deleted IMPORT_FILES_KEEP_DAYS after their job ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from catalog.commands.import_jobs import import_files_purge
from catalog.models import ImportJob, ImportJobState, Tenant
from catalog.tasks import purge_import_files_task
from tests.catalog.api.conftest import client_for
from tests.catalog.projections.conftest import celery_worker, wait_for  # noqa: F401


def job_with_files(tenant: Tenant, folder: Path, name: str, *, state: str = ImportJobState.SUCCEEDED,
                   finished: datetime | None = None) -> ImportJob:
    upload, report = folder / f"{name}.csv", folder / f"{name}.errors.csv"
    upload.write_text("sku,name,price\nA,b,1\n")
    report.write_text("row,column,value,reason\n")
    return ImportJob.objects.create(tenant=tenant, state=state, file_format="csv",
                                    upload_path=str(upload), report_path=str(report),
                                    finished_at=finished)


def files_of(job: ImportJob) -> list[bool]:
    return [Path(job.upload_path).exists(), Path(job.report_path).exists()]


@pytest.mark.django_db(databases=["default", "read"])
def test_only_files_of_jobs_that_ended_longer_ago_than_the_retention_are_deleted(
        tenant, other_tenant, tmp_path):
    # given
    now = timezone.now()
    old = job_with_files(tenant, tmp_path, "old", finished=now - timedelta(days=8))
    old_failed = job_with_files(other_tenant, tmp_path, "old-failed", state=ImportJobState.FAILED,
                                finished=now - timedelta(days=30))
    recent = job_with_files(tenant, tmp_path, "recent", finished=now - timedelta(days=6))
    running = job_with_files(tenant, tmp_path, "running", state=ImportJobState.RUNNING)
    queued = job_with_files(tenant, tmp_path, "queued", state=ImportJobState.QUEUED)
    Path(old_failed.report_path).unlink()  # already gone: still counts as deleted
    # when
    with override_settings(IMPORT_FILES_KEEP_DAYS=7):
        purged = import_files_purge()
        again = import_files_purge()
    # then
    assert (purged, again) == (2, 0)
    assert files_of(old) == files_of(old_failed) == [False, False]
    assert files_of(recent) == files_of(running) == files_of(queued) == [True, True]
    marked = set(ImportJob.objects.filter(files_purged_at__isnull=False).values_list("pk", flat=True))
    assert marked == {old.pk, old_failed.pk}


@pytest.mark.django_db(databases=["default", "read"])
def test_a_deleted_report_answers_410_naming_the_retention_and_the_job_says_so(keys, tenant, tmp_path):
    # given
    now = timezone.now()
    old = job_with_files(tenant, tmp_path, "old", finished=now - timedelta(days=8))
    recent = job_with_files(tenant, tmp_path, "recent", finished=now - timedelta(days=1))
    api = client_for(keys.full)
    with override_settings(IMPORT_FILES_KEEP_DAYS=7):
        import_files_purge()
        # when
        old_body = api.get(f"/api/v1/commands/imports/{old.pk}/").json()
        recent_body = api.get(f"/api/v1/commands/imports/{recent.pk}/").json()
        gone = api.get(f"/api/v1/commands/imports/{old.pk}/errors/")
        kept = api.get(f"/api/v1/commands/imports/{recent.pk}/errors/")
    # then
    assert gone.status_code == 410, gone.content
    assert "IMPORT_FILES_KEEP_DAYS" in gone.json()["detail"]
    assert "7 days" in gone.json()["detail"]
    assert old_body["errors_url"] is None
    assert old_body["files_expire_at"] is not None
    assert recent_body["errors_url"].endswith(f"/imports/{recent.pk}/errors/")
    assert datetime.fromisoformat(recent_body["files_expire_at"].replace("Z", "+00:00")) == (
        recent.finished_at + timedelta(days=7))
    assert kept.status_code == 200
    # and another tenant gets 404, not the 410 that would tell the job exists
    assert client_for(keys.other).get(f"/api/v1/commands/imports/{old.pk}/errors/").status_code == 404


@pytest.mark.django_db(databases=["default", "read"], transaction=True)
def test_the_hourly_purge_runs_on_a_real_worker(celery_worker, tenant, tmp_path):  # noqa: F811
    # given: the beat schedule names the task, and a job ended past the worker's retention
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-import-files"]
    assert schedule["task"] == purge_import_files_task.name
    old = job_with_files(tenant, tmp_path, "old",
                         finished=timezone.now() - timedelta(days=settings.IMPORT_FILES_KEEP_DAYS + 1))
    # when
    purge_import_files_task.delay()
    # then
    wait_for(lambda: files_of(old) == [False, False], timeout=60, message="files deleted by the worker")
    wait_for(lambda: ImportJob.objects.filter(pk=old.pk, files_purged_at__isnull=False).exists(),
             timeout=10, message="job marked purged")
