"""Products and their category links."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from catalog import errors
from catalog.models.base import EventSourcedModel, updated_by_index
from catalog.models.tenant import currency_validator

MIN_PRICE = Decimal("0.01")

# Fields whose changes are recorded in event payloads (before/after), in this order.
TRACKED_FIELDS = (
    "sku", "name", "description", "price", "sale_price", "currency", "stock_quantity",
    "is_active", "brand_id", "tags", "attributes", "translations",
)


def validate_tags(value: Any) -> None:
    """Check that tags are a list of short non-empty texts."""
    if not isinstance(value, list) or any(
        not isinstance(tag, str) or not tag.strip() or len(tag) > 50 for tag in value
    ):
        raise ValidationError(errors.TAGS_INVALID)


def validate_attributes(value: Any) -> None:
    """Check that attributes are a JSON object."""
    if not isinstance(value, dict):
        raise ValidationError(errors.ATTRIBUTES_NOT_OBJECT)


def validate_translations(value: Any) -> None:
    """Check translations: ``{locale: {"name": str, "description": str}}`` for known locales."""
    if not isinstance(value, dict):
        raise ValidationError(errors.TRANSLATION_SHAPE)
    allowed = settings.CATALOG_LOCALES
    for locale, text in value.items():
        if locale not in allowed:
            raise ValidationError(
                errors.TRANSLATION_LOCALE_UNKNOWN.format(locale=locale, allowed=", ".join(allowed))
            )
        if (
            not isinstance(text, dict)
            or not isinstance(text.get("name"), str)
            or not isinstance(text.get("description", ""), str)
            or set(text) - {"name", "description"}
        ):
            raise ValidationError(errors.TRANSLATION_SHAPE)
        if len(text["name"]) > 255:
            raise ValidationError(errors.TRANSLATION_NAME_TOO_LONG.format(locale=locale))


class Product(EventSourcedModel):
    """A sellable item of one tenant; the aggregate most events are about."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sku = models.CharField("SKU", max_length=50)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    price = models.DecimalField(
        max_digits=10, decimal_places=2,
        validators=[MinValueValidator(MIN_PRICE, errors.PRICE_NOT_POSITIVE)],
    )
    sale_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(MIN_PRICE, errors.SALE_PRICE_NOT_POSITIVE)],
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    stock_quantity = models.IntegerField(
        default=0, validators=[MinValueValidator(0, errors.STOCK_NEGATIVE)]
    )
    is_active = models.BooleanField(default=True)
    brand = models.ForeignKey(
        "catalog.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    categories = models.ManyToManyField(
        "catalog.Category", through="catalog.ProductCategory", blank=True, related_name="products"
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True,
                      validators=[validate_tags])
    attributes = models.JSONField(default=dict, blank=True, validators=[validate_attributes])
    translations = models.JSONField(default=dict, blank=True, validators=[validate_translations])
    # Set by an import that wrote this product or found it unchanged: the digest of that
    # file row (catalog.commands.imports.reader), and the stamp (what the row's names
    # resolved against, catalog.commands.imports.sql.STAMP_SQL) and the version it was
    # taken at. The next import skips a row with the same digest while both are current:
    # any other write bumps the version, a rename or move changes the stamp. While they
    # are current, another file's row that finds the product unchanged leaves the
    # fingerprint to the file that set it (a price feed between two full imports),
    # instead of rewriting it every time.
    import_fingerprint = models.UUIDField(null=True, blank=True, editable=False)
    import_stamp = models.UUIDField(null=True, blank=True, editable=False)
    import_version = models.IntegerField(null=True, blank=True, editable=False)  # no CHECK: instant to add

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="product_sku_unique_per_tenant"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=models.Q(sale_price__isnull=True)
                | models.Q(sale_price__gt=0, sale_price__lte=models.F("price")),
                name="product_sale_price_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(stock_quantity__gte=0), name="product_stock_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "name"], name="product_tenant_name"),
            models.Index(fields=["tenant", "brand"], name="product_tenant_brand"),
            models.Index(fields=["tenant", "-updated_at"], name="product_tenant_updated"),
            # Admin search is ILIKE on SKU and name (catalog.admin.search): trigram indexes serve it.
            GinIndex(fields=["sku"], name="product_sku_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["name"], name="product_name_trgm", opclasses=["gin_trgm_ops"]),
            updated_by_index("product_updated_by"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if (
            self.sale_price is not None and self.price is not None
            and isinstance(self.sale_price, Decimal) and isinstance(self.price, Decimal)
            and self.sale_price > self.price
        ):
            problems["sale_price"] = errors.SALE_PRICE_ABOVE_PRICE
        if self.brand_id is not None and self.tenant_id is not None:
            from catalog.models.taxonomy import Brand

            if not Brand.objects.for_tenant(self.tenant_id).filter(pk=self.brand_id).exists():
                problems["brand"] = errors.BRAND_OTHER_TENANT
        if self.tenant_id is not None and self.sku:
            same_sku = Product.objects.for_tenant(self.tenant_id).filter(sku=self.sku)
            if same_sku.exclude(pk=self.pk).exists():
                problems["sku"] = errors.SKU_DUPLICATE
        if problems:
            raise ValidationError(problems)

    @property
    def effective_price(self) -> Decimal:
        """Return the price a customer pays: the sale price when there is one."""
        return self.sale_price if self.sale_price is not None else self.price

    def tracked_state(self) -> dict[str, Any]:
        """Return the fields recorded in events, as JSON-ready values."""
        return {field: _jsonable(getattr(self, field)) for field in TRACKED_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class ProductCategory(models.Model):
    """A product's membership in a category (the many-to-many link table)."""

    # Indexed by the unique (product, category) and by (category, product), not on their own.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, db_index=False)
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, db_index=False)

    class Meta:
        db_table = "catalog_product_category"
        constraints = [
            models.UniqueConstraint(fields=["product", "category"], name="product_category_unique"),
        ]
        indexes = [models.Index(fields=["category", "product"], name="product_category_by_cat")]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.category_id}"
