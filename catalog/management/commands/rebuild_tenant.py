"""Rebuild read rows of one tenant (or all) from the write side, with a progress bar."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.management.progress import rows_progress
from catalog.models import Tenant
from catalog.projections.rebuild import cold_load, product_count, rebuild_tenant


class Command(BaseCommand):
    help = "Rebuild a tenant's read table (ProductView) from the write side; safe during edits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="tenant slug")
        parser.add_argument("--all", action="store_true", help="rebuild every tenant")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--workers", type=int, default=2,
                            help="batches projected side by side (one connection pair each)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] == bool(options["slug"]):
            raise CommandError("Give either a tenant slug or --all.")
        tenants = Tenant.objects.all() if options["all"] else Tenant.objects.filter(slug=options["slug"])
        if not tenants.exists():
            raise CommandError(f"slug: no tenant {options['slug']!r}.")
        started = time.monotonic()
        # One decision for all the tenants: --all into an empty read database is one cold load.
        with cold_load(list(tenants.values_list("pk", flat=True))) as indexes:
            if indexes.dropped:
                self.stdout.write(f"Cold load: dropped {_indexes(len(indexes.dropped))} until the"
                                  " rows are in.")
            with rows_progress(disable=options["no_progress"]) as progress:
                for tenant in tenants:
                    task_started = time.monotonic()
                    task = progress.add_task(tenant.slug, total=product_count(tenant_id=tenant.pk))
                    rows = rebuild_tenant(tenant_id=tenant.pk, batch_size=options["batch_size"],
                                          workers=options["workers"],
                                          progress=lambda n, task=task: progress.advance(task, n))
                    elapsed = time.monotonic() - task_started
                    self.stdout.write(f"{tenant.slug}: {rows} rows in {elapsed:.1f}s "
                                      f"({rows / elapsed if elapsed else 0:,.0f} rows/s)")
        if indexes.built:
            self.stdout.write(f"Built {_indexes(len(indexes.built))} in {indexes.seconds:.1f}s"
                              f" ({', '.join(indexes.built)}); {time.monotonic() - started:.1f}s in all.")


def _indexes(count: int) -> str:
    return f"{count} read index" if count == 1 else f"{count} read indexes"
