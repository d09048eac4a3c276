"""Seed a tenant with a realistic, deterministic B2B demo catalog."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import router, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from catalog.demo.indexes import IndexWork, product_rows, trigram_indexes_off
from catalog.demo.loader import LoadResult, Progress, load_products
from catalog.demo.plan import MAX_PRODUCT_NUMBER, build_plan
from catalog.demo.rows import CHUNK_ROWS
from catalog.demo.taxonomy import ensure_brands, ensure_categories
from catalog.demo.tree import (
    CountOutOfRange,
    plan_brand_departments,
    plan_brands,
    plan_categories,
)
from catalog.demo.variants import build_variants, families
from catalog.demo.vocabulary import COLLECTIONS_DEPARTMENT
from catalog.models import Product, Tenant

TENANT_NOT_EMPTY = (
    "Tenant {slug!r} already has {count} products; pass --append to add more after {prefix}-{last:06d}."
)
PRODUCTS_OUT_OF_RANGE = "--products must be between 1 and {high}."
CATEGORIES_OUT_OF_RANGE = "--categories must be between {low} and {high}."
BRANDS_OUT_OF_RANGE = "--brands must be between {low} and {high}."
TENANT_SLUG_INVALID = "--tenant must be a slug of letters, digits, hyphens or underscores, e.g. acme."
SKU_PREFIX_INVALID = "--sku-prefix must be 1 to 10 capital letters or digits, e.g. ACM."
BATCH_SIZE_INVALID = "--batch-size must be a positive multiple of {chunk}."


class SeedRefused(Exception):
    """The arguments or the tenant's state do not allow seeding; nothing was written."""


@dataclass(frozen=True)
class SeedResult:
    """What a seed run found and wrote."""

    tenant: Tenant
    tenant_created: bool
    first_sku: str
    last_sku: str
    categories: int
    categories_created: int
    brands: int
    brands_created: int
    load: LoadResult
    indexes: IndexWork
    seconds: float


def default_sku_prefix(slug: str) -> str:
    """Return the SKU prefix of a tenant slug: its first three letters or digits, upper-cased."""
    return (re.sub(r"[^A-Za-z0-9]", "", slug)[:3] or "DEM").upper()


def last_product_number(tenant: Tenant, prefix: str) -> int:
    """Return the highest number of the tenant's ``PREFIX-<digits>`` SKUs (0 if none)."""
    highest = (
        Product.objects.for_tenant(tenant).filter(sku__regex=rf"^{re.escape(prefix)}-[0-9]{{1,10}}$")
        .annotate(number=Cast(Substr("sku", len(prefix) + 2), output_field=BigIntegerField()))
        .aggregate(highest=Max("number"))["highest"]
    )
    return int(highest or 0)


def _check(tenant_slug: str, products: int, sku_prefix: str, batch_size: int) -> None:
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,63}", tenant_slug):
        raise SeedRefused(TENANT_SLUG_INVALID)
    if not 1 <= products <= MAX_PRODUCT_NUMBER:
        raise SeedRefused(PRODUCTS_OUT_OF_RANGE.format(high=MAX_PRODUCT_NUMBER))
    if not re.fullmatch(r"[A-Z0-9]{1,10}", sku_prefix):
        raise SeedRefused(SKU_PREFIX_INVALID)
    if batch_size < 1 or batch_size % CHUNK_ROWS:
        raise SeedRefused(BATCH_SIZE_INVALID.format(chunk=CHUNK_ROWS))


def seed_demo(
    *, tenant_slug: str, products: int, seed: int = 42, name: str | None = None,
    categories: int = 200, brands: int = 50, append: bool = False, sku_prefix: str | None = None,
    batch_size: int = 100_000, workers: int = 2, keep_indexes: bool = False,
    on_progress: Progress | None = None,
) -> SeedResult:
    """Create the tenant if missing, its category tree and brands, then ``products`` products.

    A tenant that already has products is refused unless ``append``: then
    numbering continues after its highest ``PREFIX-n`` SKU. Categories and
    brands of earlier runs are reused. Products are committed in batches of
    ``batch_size`` with their category links and ProductCreated events. A load
    at least as large as the product table drops the trigram indexes and builds
    them after (see ``catalog.demo.indexes``) unless ``keep_indexes``.
    """
    started = time.monotonic()
    prefix = sku_prefix or default_sku_prefix(tenant_slug)
    _check(tenant_slug, products, prefix, batch_size)
    refs = families()
    variants = build_variants(refs, locales=settings.CATALOG_LOCALES)
    try:
        category_specs = plan_categories(variants, refs, count=categories)
    except CountOutOfRange as exc:
        raise SeedRefused(CATEGORIES_OUT_OF_RANGE.format(low=exc.low, high=exc.high)) from exc
    try:
        brand_names = plan_brands(count=brands, seed=seed)
    except CountOutOfRange as exc:
        raise SeedRefused(BRANDS_OUT_OF_RANGE.format(low=exc.low, high=exc.high)) from exc

    using = router.db_for_write(Product)
    with transaction.atomic(using=using):
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        tenant_created = tenant is None
        if tenant is None:
            tenant = Tenant(slug=tenant_slug, name=name or tenant_slug.replace("-", " ").title())
            tenant.full_clean()
            tenant.save()
        existing = Product.objects.for_tenant(tenant).count()
        last = last_product_number(tenant, prefix) if existing else 0
        if existing and not append:
            raise SeedRefused(
                TENANT_NOT_EMPTY.format(slug=tenant_slug, count=existing, prefix=prefix, last=last)
            )
        if last + products > MAX_PRODUCT_NUMBER:
            raise SeedRefused(PRODUCTS_OUT_OF_RANGE.format(high=MAX_PRODUCT_NUMBER - last))
        category_ids, categories_created = ensure_categories(tenant=tenant, specs=category_specs)
        brand_ids, brands_created = ensure_brands(tenant=tenant, names=brand_names)

    plan = build_plan(
        tenant_id=tenant.pk, tenant_slug=tenant.slug, currency=tenant.default_currency, seed=seed,
        sku_prefix=prefix, stamp=timezone.now().isoformat(), variants=variants, refs=refs,
        categories=category_ids,
        collections=[pk for key, pk in category_ids.items()
                     if len(key) == 2 and key[0] == COLLECTIONS_DEPARTMENT],
        brand_ids=brand_ids, brand_departments=plan_brand_departments(brands=brands, seed=seed),
    )
    drop = not keep_indexes and products >= product_rows(using=using)
    with trigram_indexes_off(using=using, drop=drop) as indexes:
        load = load_products(
            plan, first=last + 1, count=products, batch_size=batch_size, workers=workers, using=using,
            on_progress=on_progress or (lambda rows: None),
        )
    return SeedResult(
        tenant=tenant, tenant_created=tenant_created,
        first_sku=f"{prefix}-{last + 1:06d}", last_sku=f"{prefix}-{last + products:06d}",
        categories=len(category_ids), categories_created=categories_created,
        brands=len(brand_ids), brands_created=brands_created, load=load, indexes=indexes,
        seconds=time.monotonic() - started,
    )
