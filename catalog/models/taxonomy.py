"""Categories (a tree per tenant) and brands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from catalog import errors
from catalog.models.base import EventSourcedModel, updated_by_index


class Category(EventSourcedModel):
    """A node of the tenant's category tree.

    ``path`` is the materialized path of ids (``/3/17/42/``): descendants are a
    prefix match on an indexed column, so deep trees of thousands of nodes need
    no recursive queries. It is kept by ``catalog.signals`` when the parent changes.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    position = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=1024, default="", editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "parent", "slug"], name="category_slug_unique_per_parent",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "path"], name="category_tenant_path",
                         opclasses=["", "text_pattern_ops"]),
            models.Index(fields=["tenant", "parent", "position"], name="category_tenant_parent"),
            updated_by_index("category_updated_by"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        parent = self.parent
        if parent.tenant_id != self.tenant_id:
            raise ValidationError({"parent": errors.CATEGORY_PARENT_OTHER_TENANT})
        if self.pk is not None and (parent.pk == self.pk or f"/{self.pk}/" in parent.path):
            raise ValidationError({"parent": errors.CATEGORY_PARENT_CYCLE})
        siblings = Category.objects.for_tenant(self.tenant_id).filter(
            parent_id=self.parent_id, slug=self.slug
        )
        if self.slug and siblings.exclude(pk=self.pk).exists():
            raise ValidationError({"slug": errors.CATEGORY_SLUG_DUPLICATE})

    def descendants(self) -> models.QuerySet[Category]:
        """Return this category and every category below it."""
        return Category.objects.for_tenant(self.tenant_id).filter(path__startswith=self.path)


class Brand(EventSourcedModel):
    """A manufacturer or label products are sold under."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="brand_slug_unique_per_tenant"),
        ]
        indexes = [updated_by_index("brand_updated_by")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.tenant_id and self.slug:
            same = Brand.objects.for_tenant(self.tenant_id).filter(slug=self.slug)
            if same.exclude(pk=self.pk).exists():
                raise ValidationError({"name": errors.BRAND_DUPLICATE})
