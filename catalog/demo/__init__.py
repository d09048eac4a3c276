"""A realistic, deterministic B2B demo catalog: ``python manage.py seed_demo``."""

from catalog.demo.service import SeedRefused, SeedResult, seed_demo

__all__ = ["SeedRefused", "SeedResult", "seed_demo"]
