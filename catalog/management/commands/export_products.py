"""Export a tenant's products from the read side as CSV or JSON Lines (re-importable)."""

from __future__ import annotations

import gzip
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Tenant
from catalog.read.export import export_products


class Command(BaseCommand):
    help = ("Export a tenant's products from the read table in the import format; "
            "import_products of the file into the same tenant changes nothing. "
            "An --output ending in .gz is gzipped.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--format", choices=["csv", "jsonl"], required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"--tenant: no tenant {options['tenant']!r}.")
        output = options["output"]
        if output is None:
            out: Any = sys.stdout.buffer
        elif output.endswith(".gz"):
            out = gzip.open(output, "wb")  # noqa: SIM115 (closed below, also for stdout)
        else:
            out = open(output, "wb")  # noqa: SIM115
        try:
            written = export_products(tenant_id=tenant.pk, file_format=options["format"],
                                      write=out.write)
        finally:
            if output is not None:
                out.close()
        if output is not None:
            self.stderr.write(f"{written:,} bytes written to {output}")
