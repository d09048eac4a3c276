"""Seed a tenant with a realistic, deterministic B2B demo catalog."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from catalog.demo import SeedRefused, SeedResult, seed_demo


class Command(BaseCommand):
    help = (
        "Create a tenant (or reuse it) with a category tree, brands and PRODUCTS products of "
        "fasteners, tools, electrical, safety and plumbing articles, with their ProductCreated, "
        "CategoryCreated and BrandCreated events. The same --seed gives the same catalog. "
        "A tenant that already has products is refused unless --append, which numbers the new "
        "products after the tenant's highest PREFIX-n SKU and reuses its categories and brands. "
        "Products are committed in batches with their links and events: after an interruption the "
        "committed batches stay, and --append continues after them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug; created when missing")
        parser.add_argument("--products", type=int, required=True, help="number of products to add")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--name", help="tenant name when it is created (default from the slug)")
        parser.add_argument("--categories", type=int, default=200,
                            help="number of categories in the tree (default 200, at most 539)")
        parser.add_argument("--brands", type=int, default=50, help="number of brands (default 50)")
        parser.add_argument("--append", action="store_true",
                            help="add to a tenant that already has products")
        parser.add_argument("--sku-prefix", help="SKU prefix (default: first 3 letters of the slug)")
        parser.add_argument("--batch-size", type=int, default=100_000,
                            help="products per transaction, a multiple of 10000 (default 100000)")
        parser.add_argument("--workers", type=int, default=2,
                            help="database connections loading batches at once (default 2)")
        parser.add_argument("--keep-indexes", action="store_true",
                            help="keep the product trigram indexes during a load at least as large "
                                 "as the product table (default: drop them and build them after)")
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["no_progress"] and self.stdout.isatty()
        progress = Progress(
            TextColumn("[bold]seeding {task.fields[tenant]}"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
            TimeRemainingColumn(), transient=True, disable=not show,
        )
        task = progress.add_task("seed", total=options["products"], tenant=options["tenant"], rate="")

        def advance(rows: int) -> None:
            progress.advance(task, rows)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:,.0f} products/s" if speed else "")

        try:
            with progress:
                result = seed_demo(
                    tenant_slug=options["tenant"], products=options["products"], seed=options["seed"],
                    name=options["name"], categories=options["categories"], brands=options["brands"],
                    append=options["append"], sku_prefix=options["sku_prefix"],
                    batch_size=options["batch_size"], workers=options["workers"],
                    keep_indexes=options["keep_indexes"], on_progress=advance,
                )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(result))


def summary(result: SeedResult) -> str:
    """Return the report printed after a run."""
    load = result.load
    rows = load.products + load.links + load.events
    tenant = result.tenant
    return "\n".join([
        f"tenant      {tenant.slug} ({tenant.name}, id {tenant.pk}, "
        f"{'created' if result.tenant_created else 'reused'})",
        f"categories  {result.categories} ({result.categories_created} created)",
        f"brands      {result.brands} ({result.brands_created} created)",
        f"products    {load.products:,} ({result.first_sku} .. {result.last_sku})",
        f"links       {load.links:,} product-category links",
        f"events      {load.events:,} ProductCreated, "
        f"{result.categories_created + result.brands_created} CategoryCreated/BrandCreated",
        f"load        {load.workers} connection(s), foreign-key row triggers "
        f"{'replaced by one lock per batch' if load.row_triggers_skipped else 'on'}",
        f"indexes     {_indexes(result)}",
        f"elapsed     {result.seconds:.1f} s: {load.products / result.seconds:,.0f} products/s, "
        f"{rows / result.seconds:,.0f} rows/s (products + links + events)",
    ])


def _indexes(result: SeedResult) -> str:
    work = result.indexes
    if not work.dropped and not work.built:
        return "kept in place"
    dropped = f"dropped {', '.join(work.dropped)}; " if work.dropped else ""
    return f"{dropped}built {', '.join(work.built)} in {work.seconds:.1f} s"
