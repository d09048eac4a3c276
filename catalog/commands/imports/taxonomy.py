"""Find the categories (by path of names) and brands (by name) an import names; create missing ones.

They are few, so they go through the ordinary commands: each new one is
validated and records its CategoryCreated / BrandCreated event in the batch's
transaction.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.utils.text import slugify

from catalog import commands
from catalog.fileformat import PATH_SEPARATOR
from catalog.models import Brand, Category, Tenant


def _slug(name: str) -> str:
    """Return the slug of a name; names without letters or digits get one from their digest."""
    return slugify(name)[:255] or "x-" + hashlib.blake2b(name.encode(), digest_size=6).hexdigest()


class TaxonomyResolver:
    """Map category paths and brand names of one tenant to ids, creating what is missing."""

    def __init__(self, *, tenant: Tenant, actor: AbstractBaseUser | None = None) -> None:
        self.tenant, self.actor = tenant, actor
        self.by_name: dict[tuple[int | None, str], int] = {}
        self.by_slug: dict[tuple[int | None, str], int] = {}
        # The oldest of equal names wins, so a new category never takes over another's rows.
        for pk, parent_id, name, slug in Category.objects.for_tenant(tenant).order_by("pk").values_list(
                "pk", "parent_id", "name", "slug"):
            self.by_name.setdefault((parent_id, name), pk)
            self.by_slug.setdefault((parent_id, slug), pk)
        self.brands = dict(Brand.objects.for_tenant(tenant).values_list("slug", "pk"))
        self.created_categories: list[str] = []
        self.created_brands: list[str] = []

    def brand_ids(self, names: list[str]) -> list[int]:
        """Return the id of each brand name (matched by slug), creating missing brands."""
        ids = []
        for name in names:
            slug = _slug(name)
            pk = self.brands.get(slug)
            if pk is None:
                pk = commands.brand_create(tenant=self.tenant, name=name, slug=slug, actor=self.actor).pk
                self.brands[slug] = pk
                self.created_brands.append(name)
            ids.append(pk)
        return ids

    def category_ids(self, paths: list[str]) -> list[int]:
        """Return the id of the last category of each path, creating missing categories on the way."""
        return [self._category(path.split(PATH_SEPARATOR)) for path in paths]

    def _category(self, names: list[str]) -> int:
        parent: int | None = None
        for depth, name in enumerate(names, 1):
            slug = _slug(name)
            pk = self.by_name.get((parent, name)) or self.by_slug.get((parent, slug))
            if pk is None:
                parent_obj = Category.objects.for_tenant(self.tenant).get(pk=parent) if parent else None
                pk = commands.category_create(tenant=self.tenant, name=name, parent=parent_obj,
                                              slug=slug, actor=self.actor).pk
                self.by_name[(parent, name)] = self.by_slug[(parent, slug)] = pk
                self.created_categories.append(PATH_SEPARATOR.join(names[:depth]))
            parent = pk
        assert parent is not None, "A category path has at least one name (checked in SQL)."
        return parent
