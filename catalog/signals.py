"""Signal receivers that record an event for every change on the ordinary model path.

They only record that something changed (version bump + event row in the same
transaction); projection work happens elsewhere. Signals do not fire for
QuerySet.update(), bulk_create() or COPY: see catalog.events.record_events_bulk.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from catalog import membership
from catalog.events import Aggregate, EventRecord, EventType, record_event
from catalog.models import Brand, Category, Product, ProductCategory
from catalog.models.product import TRACKED_FIELDS, _jsonable

TRACKED = {
    Product: (Aggregate.PRODUCT, TRACKED_FIELDS),
    Category: (Aggregate.CATEGORY, ("name", "slug", "parent_id", "position")),
    Brand: (Aggregate.BRAND, ("name", "slug")),
}
EVENT_TYPES = {
    Product: (EventType.PRODUCT_CREATED, EventType.PRODUCT_UPDATED, EventType.PRODUCT_DELETED),
    Category: (EventType.CATEGORY_CREATED, EventType.CATEGORY_UPDATED, EventType.CATEGORY_DELETED),
    Brand: (EventType.BRAND_CREATED, EventType.BRAND_UPDATED, EventType.BRAND_DELETED),
}


def _state(instance: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _jsonable(_python_value(instance, name)) for name in fields}


def _python_value(instance: Model, attname: str) -> Any:
    value = getattr(instance, attname)
    field = instance._meta.get_field(attname.removesuffix("_id"))
    if value is None or field.is_relation:
        return value
    return field.to_python(value)


@receiver(pre_save, sender=Product)
@receiver(pre_save, sender=Category)
@receiver(pre_save, sender=Brand)
def prepare_change_event(sender: type[Model], instance: Any, raw: bool, using: str,
                         **kwargs: Any) -> None:
    """Compare with the stored row (locked), bump the version and remember the change."""
    if raw:
        return
    _, fields = TRACKED[sender]
    created, updated, _ = EVENT_TYPES[sender]
    old = None
    if not instance._state.adding:
        extra = ("path",) if sender is Category else ()
        old = (
            sender._base_manager.using(using).select_for_update()
            .filter(pk=instance.pk).values("version", *extra, *fields).first()
        )
    if old is None:
        instance.version = 1
        instance._change_event = (created, {"after": _state(instance, fields)})
        return
    after = _state(instance, fields)
    before = {name: _jsonable(old[name]) for name in fields}
    changes = {
        name: [before[name], after[name]]
        for name in fields
        if _python_value(instance, name) != old[name]
    }
    instance.version = old["version"] + (1 if changes else 0)
    instance._change_event = (updated, {"changes": changes}) if changes else None
    if sender is Category:
        instance._old_path = old["path"]


@receiver(post_save, sender=Product)
@receiver(post_save, sender=Category)
@receiver(post_save, sender=Brand)
def record_change_event(sender: type[Model], instance: Any, raw: bool, using: str,
                        **kwargs: Any) -> None:
    """Write the event prepared by prepare_change_event()."""
    if raw:
        return
    if sender is Category:
        _update_category_paths(instance, using=using)
    change = getattr(instance, "_change_event", None)
    instance._change_event = None
    if change is None:
        return
    event_type, payload = change
    aggregate, _ = TRACKED[sender]
    record_event(
        EventRecord(
            tenant_id=instance.tenant_id, aggregate_type=aggregate, aggregate_id=str(instance.pk),
            aggregate_version=instance.version, event_type=event_type, payload=payload,
            actor_id=instance.updated_by_id, actor_label=instance.actor_label,
        ),
        using=using,
    )


def _update_category_paths(category: Category, *, using: str) -> None:
    """Keep the materialized path of the category and of its whole subtree."""
    parent_path = "/"
    if category.parent_id is not None:
        parent_path = Category._base_manager.using(using).values_list("path", flat=True).get(
            pk=category.parent_id
        )
    new_path = f"{parent_path}{category.pk}/"
    old_path = getattr(category, "_old_path", "") or ""
    if new_path == old_path:
        return
    new_depth = new_path.count("/") - 2
    if not old_path:
        Category._base_manager.using(using).filter(pk=category.pk).update(
            path=new_path, depth=new_depth
        )
    else:
        # One set-based statement for the whole subtree, however deep.
        with connections[using].cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_category SET path = %s || substr(path, length(%s) + 1),"
                " depth = depth + %s WHERE tenant_id = %s AND path LIKE %s",
                [new_path, old_path, new_depth - (old_path.count("/") - 2),
                 category.tenant_id, old_path.replace("%", r"\%").replace("_", r"\_") + "%"],
            )
    category.path, category.depth, category._old_path = new_path, new_depth, new_path


@receiver(post_delete, sender=Product)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=Brand)
def record_delete_event(sender: type[Model], instance: Any, using: str, **kwargs: Any) -> None:
    """Record the deletion with the last state and the next version."""
    aggregate, fields = TRACKED[sender]
    _, _, deleted = EVENT_TYPES[sender]
    record_event(
        EventRecord(
            tenant_id=instance.tenant_id, aggregate_type=aggregate, aggregate_id=str(instance.pk),
            aggregate_version=instance.version + 1, event_type=deleted,
            payload={"before": _state(instance, fields)}, actor_id=instance.updated_by_id,
            actor_label=instance.actor_label,
        ),
        using=using,
    )


@receiver(pre_delete, sender=Category)
def record_category_removal_from_products(sender: type[Model], instance: Category, using: str,
                                          **kwargs: Any) -> None:
    """Deleting a category unlinks its products by cascade, without m2m signals: record it."""
    product_ids = list(
        ProductCategory.objects.using(using).filter(category_id=instance.pk)
        .values_list("product_id", flat=True)
    )
    if product_ids:
        membership.record_changes(
            tenant_id=instance.tenant_id, product_ids=product_ids,
            before=membership.category_ids_by_product(product_ids, using=using),
            removed_category_ids={instance.pk}, actor_id=instance.updated_by_id,
            actor_label=instance.actor_label, using=using,
        )


@receiver(m2m_changed, sender=ProductCategory)
def record_category_membership_change(sender: type[Model], instance: Any, action: str,
                                      reverse: bool, pk_set: set[Any] | None, using: str,
                                      **kwargs: Any) -> None:
    """Bump the version of every product whose categories changed and record the change."""
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        if reverse:
            product_ids = list(pk_set) if pk_set else list(
                instance.products.using(using).values_list("pk", flat=True)
            )
        else:
            product_ids = [instance.pk]
        instance._membership_before = membership.category_ids_by_product(product_ids, using=using)
        return
    before = getattr(instance, "_membership_before", None)
    instance._membership_before = None
    if not before:
        return
    if reverse:
        membership.record_changes(
            tenant_id=instance.tenant_id, product_ids=list(before), before=before,
            actor_id=instance.updated_by_id, actor_label=instance.actor_label, using=using,
        )
    else:
        membership.record_product_change(instance, before=before[instance.pk], using=using)
