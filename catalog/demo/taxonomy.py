"""Create the planned categories and brands of a tenant, reusing those that exist.

Categories and brands are few, so they go through the ordinary commands: each
one is validated and records its CategoryCreated / BrandCreated event (and, for
categories, its materialized path) through the signal path, in the caller's
transaction.
"""

from __future__ import annotations

from django.utils.text import slugify

from catalog import commands
from catalog.demo.tree import CategorySpec, Key
from catalog.models import Brand, Category, Tenant


def ensure_categories(*, tenant: Tenant, specs: list[CategorySpec]) -> tuple[dict[Key, int], int]:
    """Return ``{key: category id}`` for every spec and how many were created.

    A category is reused when the tenant already has one with the same slug
    under the same parent, so seeding twice (``--append``) builds no second tree.
    """
    existing = {(c.parent_id, c.slug): c for c in Category.objects.for_tenant(tenant)}
    nodes: dict[Key, Category] = {}
    created = 0
    for spec in specs:  # parents come before their children
        parent = nodes[spec.key[:-1]] if len(spec.key) > 1 else None
        category = existing.get((parent.pk if parent else None, spec.slug))
        if category is None:
            category = commands.category_create(
                tenant=tenant, name=spec.name, parent=parent, slug=spec.slug, position=spec.position
            )
            created += 1
        nodes[spec.key] = category
    ids = {key: category.pk for key, category in nodes.items()}
    return ids, created


def ensure_brands(*, tenant: Tenant, names: list[str]) -> tuple[list[int], int]:
    """Return the ids of the named brands (in order) and how many were created."""
    existing = dict(Brand.objects.for_tenant(tenant).values_list("slug", "pk"))
    ids: list[int] = []
    created = 0
    for name in names:
        pk = existing.get(slugify(name))
        if pk is None:
            pk, created = commands.brand_create(tenant=tenant, name=name).pk, created + 1
        ids.append(pk)
    return ids, created
