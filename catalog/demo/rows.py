"""Generate the products of one chunk as COPY text, and their ProductCreated events.

Product number ``n`` lives in chunk ``(n - 1) // CHUNK_ROWS`` and is drawn from
``random.Random(f"{seed}:{chunk}")`` in a fixed order, so a product depends
only on the seed and its number: not on batch size, thread scheduling or
whether it was loaded in one run or appended later.

This is the hot loop of a million-product load: a line is the per-product
fields formatted as ASCII text, followed by the variant's pre-encoded rest
(``CatalogPlan.row_ends``), which is why the COPY column order below puts the
per-product columns first.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from catalog.demo.plan import CatalogPlan
from catalog.events import Aggregate, EventRecord, EventType, RawJSON

CHUNK_ROWS = 10_000
PIECE_ROWS = 2_000  # products per write to COPY (about 2 MB)
INACTIVE_SHARE = 0.03
SALE_SHARE = 0.2
OUT_OF_STOCK_SHARE = 0.08
ONE_COLLECTION_SHARE = 0.14
TWO_COLLECTIONS_SHARE = 0.06

PRODUCT_COLUMNS = (
    "id", "sku", "price", "sale_price", "stock_quantity", "is_active", "brand_id",  # per product
    "tags", "tenant_id", "version", "created_at", "updated_at", "updated_by_id", "currency",
    "name", "description", "attributes", "translations",  # per variant: CatalogPlan.row_ends
)
LINK_COLUMNS = ("product_id", "category_id")
NULL = "\\N"

# What the ProductCreated event of a product needs, as a plain tuple (cheap to build):
# (id, sku, variant index, price, sale price or None, stock, is_active, brand id).
ProductRow = tuple[str, str, int, str, "str | None", int, bool, int]


class Chunk(NamedTuple):
    """The COPY text of the category links of some products, and the rows for their events."""

    links: bytes
    rows: list[ProductRow]
    link_count: int


def chunk_ranges(first: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """Split product numbers ``first <= n < stop`` into ``(chunk, start offset, stop offset)``."""
    n = first
    while n < stop:
        chunk = (n - 1) // CHUNK_ROWS
        chunk_stop = min(stop, (chunk + 1) * CHUNK_ROWS + 1)
        yield chunk, n - 1 - chunk * CHUNK_ROWS, chunk_stop - 1 - chunk * CHUNK_ROWS
        n = chunk_stop


def generate_chunk(
    plan: CatalogPlan, chunk: int, start: int, stop: int, *, write: Callable[[bytes], Any],
) -> Chunk:
    """Generate the products at offsets ``start <= i < stop`` of ``chunk``.

    Their COPY text goes to ``write`` every PIECE_ROWS products, so the server
    parses one piece while the next is generated. Offsets before ``start`` are
    drawn and dropped: every product consumes the same random numbers however
    the range is cut. A product id is the plan's ``id_prefix``, the product
    number and 32 random bits.
    """
    rng = random.Random(f"{plan.seed}:{chunk}")
    rand, bits = rng.random, rng.getrandbits
    variants, slots, family_variants = plan.variants, plan.family_slots, plan.family_variants
    family_brands, variant_categories = plan.family_brands, plan.variant_categories
    collections, row_ends, id_prefix, sku_prefix = (
        plan.collection_ids, plan.row_ends, plan.id_prefix, plan.sku_prefix
    )
    products: list[bytes] = []
    links: list[str] = []
    rows: list[ProductRow] = []
    for offset in range(stop):
        number = chunk * CHUNK_ROWS + offset + 1
        family = slots[int(rand() * len(slots))]
        choices = family_variants[family]
        variant = choices[int(rand() * len(choices))]
        brands = family_brands[family]
        brand = brands[int(rand() * len(brands))]
        price = int(variants[variant].base_cents * (0.85 + 0.3 * rand())) or 1
        on_sale = rand() < SALE_SHARE
        sale = max(1, int(price * (0.7 + 0.25 * rand()))) if on_sale else 0
        stock = 0 if rand() < OUT_OF_STOCK_SHARE else int(2000 * rand() ** 3) + 1
        active = rand() >= INACTIVE_SHARE
        listing, first_collection, second_collection = rand(), rand(), rand()
        low_bits = bits(32)
        if offset < start:
            continue
        high = 0x80000000 | number  # RFC 9562 variant bits, then the 30-bit product number
        product_id = f"{id_prefix}{high >> 16:04x}-{high & 0xFFFF:04x}{low_bits:08x}"
        sku = f"{sku_prefix}-{number:06d}"
        price_text = f"{price // 100}.{price % 100:02d}"
        sale_text = f"{sale // 100}.{sale % 100:02d}" if on_sale else None
        products.append(
            f"{product_id}\t{sku}\t{price_text}\t{sale_text or NULL}\t{stock}\t"
            f"{'t' if active else 'f'}\t{brand}\t".encode()
        )
        products.append(row_ends[variant][on_sale])
        links.append(f"{product_id}\t{variant_categories[variant]}\n")
        if collections and listing < ONE_COLLECTION_SHARE + TWO_COLLECTIONS_SHARE:
            first = int(first_collection * len(collections))
            links.append(f"{product_id}\t{collections[first]}\n")
            if listing < TWO_COLLECTIONS_SHARE and len(collections) > 1:
                second = (first + 1 + int(second_collection * (len(collections) - 1))) % len(collections)
                links.append(f"{product_id}\t{collections[second]}\n")
        rows.append((product_id, sku, variant, price_text, sale_text, stock, active, brand))
        if len(products) >= 2 * PIECE_ROWS:
            write(b"".join(products))
            products.clear()
    write(b"".join(products))
    return Chunk("".join(links).encode(), rows, len(links))


def created_events(plan: CatalogPlan, rows: list[ProductRow]) -> Iterator[EventRecord]:
    """Yield the ProductCreated event of each row, with the payload the signal path records.

    The payload is assembled as JSON text from per-variant pieces encoded once:
    ``json.dumps`` of a dict per product would cost more than generating the product.
    """
    variants, tenant_id = plan.variants, plan.tenant_id
    currency = json.dumps(plan.currency)
    pieces: dict[tuple[int, bool], tuple[str, str]] = {}
    for product_id, sku, index, price, sale_price, stock, active, brand in rows:
        key = (index, sale_price is not None)
        piece = pieces.get(key)
        if piece is None:
            variant = variants[index]
            head = json.dumps({"name": variant.name, "description": variant.description},
                              separators=(",", ":"), ensure_ascii=False)[1:-1]
            tail = json.dumps({
                "tags": variant.sale_tags if key[1] else variant.tags,
                "attributes": variant.attributes, "translations": variant.translations,
            }, separators=(",", ":"), ensure_ascii=False)[1:-1]
            piece = pieces[key] = (head, tail)
        sale = "null" if sale_price is None else f'"{sale_price}"'
        yield EventRecord(
            tenant_id, Aggregate.PRODUCT, product_id, 1, EventType.PRODUCT_CREATED,
            RawJSON(
                f'{{"after":{{"sku":{json.dumps(sku)},{piece[0]},"price":"{price}",'
                f'"sale_price":{sale},"currency":{currency},"stock_quantity":{stock},'
                f'"is_active":{"true" if active else "false"},"brand_id":{brand},{piece[1]}}}}}'
            ),
        )
