"""Category and brand use-cases."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from catalog.commands.actor import Actor, actor_id, actor_label
from catalog.models import Brand, Category, Tenant


@transaction.atomic
def category_create(
    *, tenant: Tenant, name: str, parent: Category | None = None, slug: str = "",
    position: int = 0, actor: Actor = None,
) -> Category:
    """Create a category under ``parent`` (or at the root) and record CategoryCreated."""
    category = Category(tenant=tenant, name=name, parent=parent, slug=slug or slugify(name),
                        position=position, updated_by_id=actor_id(actor))
    category.actor_label = actor_label(actor)
    category.full_clean(validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_update(
    *, tenant: Tenant, category_id: int, actor: Actor = None, **changes: Any,
) -> Category:
    """Rename, move or reorder a category and record CategoryUpdated."""
    category = Category.objects.for_tenant(tenant).select_for_update().get(pk=category_id)
    for name, value in changes.items():
        setattr(category, name, value)
    category.updated_by_id = actor_id(actor)
    category.actor_label = actor_label(actor)
    category.full_clean(validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_delete(
    *, tenant: Tenant, category_id: int, actor: Actor = None,
) -> None:
    """Delete a leaf category; its products lose it (recorded as ProductCategoriesChanged)."""
    category = Category.objects.for_tenant(tenant).get(pk=category_id)
    category.updated_by_id = actor_id(actor)
    category.actor_label = actor_label(actor)
    category.delete()


@transaction.atomic
def brand_create(
    *, tenant: Tenant, name: str, slug: str = "", actor: Actor = None,
) -> Brand:
    """Create a brand and record BrandCreated."""
    brand = Brand(tenant=tenant, name=name, slug=slug or slugify(name),
                  updated_by_id=actor_id(actor))
    brand.actor_label = actor_label(actor)
    brand.full_clean(validate_constraints=False)
    brand.save()
    return brand


@transaction.atomic
def brand_update(
    *, tenant: Tenant, brand_id: int, actor: Actor = None, **changes: Any,
) -> Brand:
    """Rename a brand and record BrandUpdated."""
    brand = Brand.objects.for_tenant(tenant).select_for_update().get(pk=brand_id)
    for name, value in changes.items():
        setattr(brand, name, value)
    brand.updated_by_id = actor_id(actor)
    brand.actor_label = actor_label(actor)
    brand.full_clean(validate_constraints=False)
    brand.save()
    return brand


@transaction.atomic
def brand_delete(*, tenant: Tenant, brand_id: int, actor: Actor = None) -> None:
    """Delete a brand no product uses (ProtectedError otherwise) and record BrandDeleted."""
    brand = Brand.objects.for_tenant(tenant).get(pk=brand_id)
    brand.updated_by_id = actor_id(actor)
    brand.actor_label = actor_label(actor)
    brand.delete()
