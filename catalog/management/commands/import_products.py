"""Import products from a CSV or JSON Lines file (optionally gzipped) into a tenant."""

from __future__ import annotations

import sys
from argparse import RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.commands.imports import ImportFailed, ImportRefused, ImportResult, import_products
from catalog.fileformat import column_help
from catalog.management.progress import bytes_progress
from catalog.models import Tenant

RULES = """\
Rules:
  The header names the columns, in any order; sku, name and price are required, unknown
  columns refuse the whole file. A column the file leaves out keeps the stored value
  (new products get the default); an empty cell clears the value.
  An existing SKU updates its product, a new one creates it; a product whose values
  are all the same is left alone (no new version, no event).
  A rejected row is written to the error report (row, column, value, reason) and the
  others are imported. Rows are rejected for: invalid UTF-8, NUL characters, broken
  quoting, a wrong number of fields, a bad amount, count or boolean, a value over its
  length, sale_price above price, invalid JSON, and a SKU that an earlier row of the
  file already has (the first row with a SKU wins; later ones are rejected).
  Every batch (--batch-size rows) is one transaction: a failing batch is rolled back
  whole and the import stops; the batches before it are committed (one being merged
  beside it on another connection may be too), and importing the same file again
  continues safely. --workers connections merge batches side by side while the file
  is read ahead; imports into one tenant run one after the other.
  Row numbers are line numbers of the file (the header is line 1).
"""


class Command(BaseCommand):
    help = "Import products (upsert by SKU) from a CSV or JSON Lines file, optionally gzipped."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = f"Columns:\n{column_help()}\n\n{RULES}"
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (.csv) or JSON Lines (.jsonl) file, .gz allowed; - for stdin")
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--format", choices=["csv", "jsonl"],
                            help="file format (default: from the file name)")
        parser.add_argument("--errors", help="error report CSV (default: FILE.errors.csv)")
        parser.add_argument("--batch-size", type=int, default=50_000,
                            help="rows per transaction (default 50000)")
        parser.add_argument("--workers", type=int, default=settings.IMPORT_WORKERS,
                            help="connections merging batches side by side "
                                 f"(default IMPORT_WORKERS, {settings.IMPORT_WORKERS})")
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"--tenant: no tenant {options['tenant']!r}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if options["workers"] < 1:
            raise CommandError("--workers must be 1 or more.")
        name = options["file"]
        from_stdin = name == "-"
        if not from_stdin and not Path(name).is_file():
            raise CommandError(f"file: {name!r} does not exist.")
        report_path = Path(options["errors"] or (
            "import.errors.csv" if from_stdin else f"{name.removesuffix('.gz')}.errors.csv"))
        size = None if from_stdin else Path(name).stat().st_size
        show = not options["no_progress"] and sys.stdout.isatty()
        with bytes_progress(disable=not show) as progress:
            task = progress.add_task(f"importing into {tenant.slug}", total=size, rows=0)

            def advance(result: ImportResult, bytes_read: int) -> None:
                progress.update(task, completed=bytes_read, rows=result.rows)

            source = sys.stdin.buffer if from_stdin else open(name, "rb")  # noqa: SIM115
            try:
                with report_path.open("w", newline="", encoding="utf-8") as report:
                    result = import_products(
                        tenant=tenant, source=source, name=name, file_format=options["format"],
                        error_report=report, batch_size=options["batch_size"], on_progress=advance,
                        workers=options["workers"])
            except ImportRefused as exc:
                report_path.unlink(missing_ok=True)
                raise CommandError(str(exc)) from exc
            except ImportFailed as exc:
                self.stdout.write(summary(exc.result, report_path))
                raise CommandError(str(exc)) from exc
            finally:
                if not from_stdin:
                    source.close()
        self.stdout.write(summary(result, report_path))


def summary(result: ImportResult, report_path: Path) -> str:
    """Return the report printed after an import."""
    lines = [
        f"rows        {result.rows:,} in {result.batches} batch(es)",
        f"inserted    {result.inserted:,}",
        f"updated     {result.updated:,}",
        f"unchanged   {result.unchanged:,}"
        + (f" ({result.recognized:,} by their fingerprint)" if result.recognized else ""),
        f"rejected    {result.rejected:,}" + (f" (see {report_path})" if result.rejected else ""),
        f"categories  {len(result.categories_created)} created"
        + "".join(f"\n  + {path}" for path in result.categories_created[:20])
        + ("\n  …" if len(result.categories_created) > 20 else ""),
        f"brands      {len(result.brands_created)} created"
        + "".join(f"\n  + {name}" for name in result.brands_created[:20])
        + ("\n  …" if len(result.brands_created) > 20 else ""),
        f"elapsed     {result.seconds:.1f} s, {result.rows_per_second:,.0f} rows/s",
    ]
    return "\n".join(lines)
