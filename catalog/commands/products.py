"""Product use-cases, shared by the admin, the command API and imports."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from catalog import errors
from catalog.commands.actor import Actor, actor_id, actor_label
from catalog.events import Aggregate, EventRecord, EventType, record_events_bulk
from catalog.models import Category, Product, Tenant
from catalog.models.product import TRACKED_FIELDS, _jsonable

EDITABLE_FIELDS = frozenset(
    {"sku", "name", "description", "price", "sale_price", "currency", "stock_quantity",
     "is_active", "brand_id", "tags", "attributes", "translations"}
)


def _check_fields(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - EDITABLE_FIELDS - {"category_ids"})
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, errors.UNKNOWN_FIELD))


def _check_categories(tenant: Tenant, category_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(category_ids))
    found = set(Category.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [cid for cid in ids if cid not in found]
    if missing:
        raise ValidationError(
            {"categories": errors.CATEGORY_OTHER_TENANT.format(ids=", ".join(map(str, missing)))}
        )
    return ids


def _save(product: Product) -> None:
    product.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as exc:
        if "product_sku_unique_per_tenant" in str(exc):
            raise ValidationError({"sku": errors.SKU_DUPLICATE}) from exc
        raise


@transaction.atomic
def product_create(
    *, tenant: Tenant, actor: Actor = None, sku: str, name: str,
    price: Decimal | str, category_ids: Iterable[int] = (), **fields: Any,
) -> Product:
    """Create a product (version 1) and record ProductCreated (and its categories)."""
    _check_fields(fields)
    fields.setdefault("currency", tenant.default_currency)
    product = Product(tenant=tenant, sku=sku, name=name, price=price,
                      updated_by_id=actor_id(actor), **fields)
    product.actor_label = actor_label(actor)
    ids = _check_categories(tenant, category_ids)
    _save(product)
    if ids:
        product.categories.set(ids)
    return product


@transaction.atomic
def product_update(
    *, tenant: Tenant, product_id: UUID | str, actor: Actor = None,
    expected_version: int | None = None, **changes: Any,
) -> Product:
    """Change some fields of a product; raise Product.DoesNotExist for another tenant's id.

    ``category_ids`` replaces the product's categories. ``expected_version``
    enables optimistic concurrency (VersionConflict when the product moved on).
    """
    _check_fields(changes)
    product = Product.objects.for_tenant(tenant).select_for_update().get(pk=product_id)
    if expected_version is not None and product.version != expected_version:
        raise errors.VersionConflict(expected=expected_version, actual=product.version)
    category_ids = changes.pop("category_ids", None)
    for name, value in changes.items():
        setattr(product, name, value)
    product.updated_by_id = actor_id(actor)
    product.actor_label = actor_label(actor)
    ids = _check_categories(tenant, category_ids) if category_ids is not None else None
    _save(product)
    if ids is not None:
        product.categories.set(ids)
    return product


@transaction.atomic
def product_delete(
    *, tenant: Tenant, product_id: UUID | str, actor: Actor = None,
    expected_version: int | None = None,
) -> None:
    """Delete a product and record ProductDeleted."""
    product = Product.objects.for_tenant(tenant).select_for_update().get(pk=product_id)
    if expected_version is not None and product.version != expected_version:
        raise errors.VersionConflict(expected=expected_version, actual=product.version)
    product.updated_by_id = actor_id(actor)
    product.actor_label = actor_label(actor)
    product.delete()


@transaction.atomic
def products_bulk_update(
    *, tenant: Tenant, product_ids: Iterable[UUID | str], actor: Actor = None,
    **changes: Any,
) -> int:
    """Set the same fields on many products with one UPDATE and record their events in bulk.

    ``QuerySet.update()`` sends no signals; this is the path for mass edits
    (admin actions, price lists). Products already holding the values are left
    alone: no version bump, no event. Returns the number of changed products.
    """
    _check_fields(changes)
    changes.pop("category_ids", None)
    queryset = Product.objects.for_tenant(tenant).filter(pk__in=list(product_ids))
    fields = [name for name in TRACKED_FIELDS if name in changes]
    before = {row["pk"]: row for row in queryset.select_for_update().values("pk", *fields)}
    changed = [pk for pk, row in before.items()
               if any(row[name] != changes[name] for name in fields)]
    if not changed:
        return 0
    Product.objects.filter(pk__in=changed).update(
        **changes, version=F("version") + 1, updated_at=timezone.now(),
        updated_by_id=actor_id(actor),
    )
    versions = dict(Product.objects.filter(pk__in=changed).values_list("pk", "version"))
    return record_events_bulk(
        EventRecord(
            tenant_id=tenant.pk, aggregate_type=Aggregate.PRODUCT, aggregate_id=str(pk),
            aggregate_version=versions[pk], event_type=EventType.PRODUCT_UPDATED,
            payload={"changes": {
                name: [_jsonable(before[pk][name]), _jsonable(changes[name])]
                for name in fields if before[pk][name] != changes[name]
            }},
            actor_id=actor_id(actor), actor_label=actor_label(actor),
        )
        for pk in changed
    )
