"""Bulk import of product files (CSV, JSON Lines): see ``service`` for the flow and ``sql`` for the rules."""

from catalog.commands.imports.reader import ImportRefused, detect_format
from catalog.commands.imports.service import ImportFailed, ImportResult, import_products

__all__ = ["ImportFailed", "ImportRefused", "ImportResult", "detect_format", "import_products"]
