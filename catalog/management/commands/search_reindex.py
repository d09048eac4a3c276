"""Rebuild the search index from the read table: a new index and an alias swap, or one tenant in place."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.management.progress import rows_progress
from catalog.models import Tenant
from catalog.projections import search
from catalog.read.models import ProductView
from catalog.search import index


class Command(BaseCommand):
    help = (
        "Build a new Elasticsearch index from the read table and swap the search alias to it "
        "atomically (searches and writes go on meanwhile), or rewrite one tenant in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="rewrite only this tenant's documents, in place")
        parser.add_argument("--if-missing", action="store_true",
                            help="build only when the search alias does not exist yet, or its "
                                 "index was built for another mapping version (an upgrade)")
        parser.add_argument("--keep-old", action="store_true",
                            help="keep the previous index after the swap (for a rollback)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ELASTICSEARCH_URL:
            raise CommandError("ELASTICSEARCH_URL is not set: search runs on PostgreSQL, "
                               "which needs no index.")
        live = index.indices_of(index.search_alias())
        if options["if_missing"] and live and not index.outdated(live):
            self.stdout.write(f"{index.search_alias()} exists: nothing to do.")
            return
        started = time.monotonic()
        with rows_progress(disable=options["no_progress"]) as progress:
            if options["tenant"]:
                tenant = Tenant.objects.filter(slug=options["tenant"]).first()
                if tenant is None:
                    raise CommandError(f"tenant: no tenant {options['tenant']!r}.")
                task = progress.add_task(tenant.slug,
                                         total=ProductView.objects.for_tenant(tenant.pk).count())
                try:
                    documents, removed = search.reindex_tenant(
                        tenant_id=tenant.pk, progress=lambda n: progress.advance(task, n))
                except index.IndexOutdated as exc:
                    raise CommandError(str(exc)) from exc
                summary = f"{tenant.slug}: {documents} documents rewritten, {removed} removed"
            else:
                task = progress.add_task("all tenants", total=ProductView.objects.count())
                result = search.reindex_all(progress=lambda n: progress.advance(task, n),
                                            keep_old=options["keep_old"])
                documents = result.documents
                summary = (f"{index.search_alias()} -> {result.index}: {documents} documents"
                           + (f"; previous: {', '.join(result.removed)}"
                              + (" (kept)" if options["keep_old"] else " (deleted)")
                              if result.removed else ""))
        elapsed = time.monotonic() - started
        rate = documents / elapsed if elapsed else 0
        self.stdout.write(f"{summary} in {elapsed:.1f}s ({rate:,.0f} docs/s)")
