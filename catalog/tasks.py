"""Celery tasks: thin wrappers over catalog.projections.

Queues: ``live`` for the outbox (every edit), ``bulk`` for rebuilds, so a
tenant's rebuild never delays another tenant's live edits.
"""

from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from elastic_transport import TransportError

from catalog.projections import outbox
from catalog.projections.search_queue import search_sync_enabled
from catalog.search.index import IndexWriteFailed

TRANSIENT = (*outbox.TRANSIENT_ERRORS, ConnectionError)
# Elasticsearch unreachable or refusing: the queue keeps the entries, so retry the drain.
SEARCH_TRANSIENT = (*TRANSIENT, TransportError, IndexWriteFailed)
# Keep a task short: with a Redis broker an unacknowledged task is redelivered after
# the visibility timeout, and a long task delays the next wake-up.
TASK_BUDGET_SECONDS = 20.0


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=None, acks_late=True)
def project_pending_task() -> int:
    """Project pending events until none are left or the time budget is spent."""
    handled, deadline = 0, time.monotonic() + TASK_BUDGET_SECONDS
    while time.monotonic() < deadline:
        count = outbox.process_batch()
        if count == 0:
            return handled
        handled += count
        if search_sync_enabled():  # the read rows of this batch are committed: index them now
            sync_search_task.delay()
    project_pending_task.delay()  # more work: continue in a fresh task
    return handled


@shared_task(ignore_result=True)
def relay_outbox_task(older_than_seconds: float = 5.0, bulk_older_than_seconds: float = 60.0) -> bool:
    """Wake the projection when events wait too long (their wake-up was lost, e.g. broker down)."""
    from catalog.projections.bulk import stale_bulk_tenants

    woken = False
    if outbox.has_stale_pending(older_than=timedelta(seconds=older_than_seconds)):
        project_pending_task.delay()
        woken = True
    for tenant_id in stale_bulk_tenants(older_than=timedelta(seconds=bulk_older_than_seconds)):
        project_bulk_task.apply_async(args=[tenant_id], expires=bulk_older_than_seconds)
        woken = True
    return woken


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=None, acks_late=True)
def project_bulk_task(tenant_id: int) -> int:
    """Project a tenant's bulk-import events in large chunks (bulk queue)."""
    from catalog.projections.bulk import has_bulk, project_bulk

    handled = project_bulk(tenant_id=tenant_id, budget_seconds=TASK_BUDGET_SECONDS)
    if handled and search_sync_enabled():  # its read rows are committed: index them now
        sync_search_task.delay()
    if handled and has_bulk(tenant_id=tenant_id):
        project_bulk_task.apply_async(args=[tenant_id])  # more work: continue in a fresh task
    return handled


@shared_task(acks_late=True)
def run_import_job_task(job_id: int) -> str:
    """Run an uploaded import (bulk queue); return the job's final state."""
    from catalog.commands.import_jobs import import_job_run

    return import_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def purge_import_files_task() -> int:
    """Delete uploads and error reports of jobs that ended IMPORT_FILES_KEEP_DAYS ago (beat, hourly)."""
    from catalog.commands.import_jobs import import_files_purge

    return import_files_purge()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def rebuild_tenant_task(tenant_id: int) -> int:
    """Rebuild one tenant's read rows from the write side."""
    from catalog.projections.rebuild import rebuild_tenant

    return rebuild_tenant(tenant_id=tenant_id)


@shared_task(autoretry_for=SEARCH_TRANSIENT, retry_backoff=True, retry_backoff_max=60,
             retry_jitter=True, max_retries=None, acks_late=True)
def sync_search_task() -> int:
    """Send queued read-row changes to the search index until the queue is empty or time is up."""
    from catalog.projections import search

    handled = search.sync_until_empty(budget_seconds=TASK_BUDGET_SECONDS)
    # The budget ran out first: go on in a task of its own. A task that took nothing found
    # every entry claimed by another sync, which goes on itself (or the relay wakes one):
    # it must not re-queue itself, or it spins while the other works.
    if handled and search.has_queued():
        sync_search_task.delay()
    return handled


@shared_task(ignore_result=True)
def relay_search_task() -> bool:
    """Wake the search sync when changes wait (a lost wake-up, Elasticsearch back after an outage)."""
    from catalog.projections import search

    if search_sync_enabled() and search.has_queued():
        sync_search_task.delay()
        return True
    return False
