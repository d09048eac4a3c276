"""Every article the vocabulary can describe, with its texts pre-rendered for COPY.

A variant is one family in one material, size and pack: its names, descriptions,
attributes, translations and tags are rendered (and escaped) once here, so the
per-product loop only picks a variant and formats numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from catalog.demo.sizes import Size, sizes_of
from catalog.demo.vocabulary import DEPARTMENTS, MATERIALS, Family, Material

SALE_TAG = "sale"


@dataclass(frozen=True, slots=True)
class FamilyRef:
    """Where a family sits in the tree: department, group and family names."""

    department: str
    group: str
    family: Family


@dataclass(frozen=True, slots=True)
class Variant:
    """One sellable article shape; ``*_copy`` fields are escaped for COPY's text format."""

    family_index: int
    material: str
    name: str
    description: str
    base_cents: float
    tags: list[str]
    sale_tags: list[str]
    attributes: dict[str, Any]
    translations: dict[str, dict[str, str]]
    name_copy: str
    description_copy: str
    tags_copy: str
    sale_tags_copy: str
    attributes_copy: str
    translations_copy: str


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_json(value: Any) -> str:
    """Render a value as compact JSON, escaped for COPY's text format."""
    return copy_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def copy_array(values: Iterable[str]) -> str:
    """Render a text[] literal (every element quoted), escaped for COPY's text format."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return copy_text("{" + ",".join(quoted) + "}")


def families() -> list[FamilyRef]:
    """Return every family with its department and group, in vocabulary order."""
    return [
        FamilyRef(department, group, family)
        for department, groups in DEPARTMENTS.items()
        for group, members in groups.items()
        for family in members
    ]


def _texts(ref: FamilyRef, material: Material, size: Size, pack: int) -> dict[str, dict[str, str]]:
    family = ref.family
    standard_en = f", {family.standard}" if family.standard else ""
    pack_en = f", {pack} pcs" if pack > 1 else ""
    pack_de = f", {pack} Stück" if pack > 1 else ""
    made_en = f" Made to {family.standard}." if family.standard else ""
    made_de = f" Gefertigt nach {family.standard}." if family.standard else ""
    sold_en = f" Pack of {pack}." if pack > 1 else " Sold individually."
    sold_de = f" Packung mit {pack} Stück." if pack > 1 else " Einzeln verpackt."
    noun_en = family.en[0].upper() + family.en[1:]
    name_en = f"{material.en} {family.en} {size.en}{standard_en}{pack_en}"
    return {
        "en": {
            "name": name_en[0].upper() + name_en[1:],
            "description": f"{noun_en} {size.en} made of {material.en}, {material.finish_en}, "
                           f"{family.use_en}.{made_en}{sold_en}",
        },
        "de": {
            "name": f"{family.de} {size.de}, {material.de}{standard_en}{pack_de}",
            "description": f"{family.de} {size.de} aus {material.de}, {material.finish_de}, "
                           f"{family.use_de}.{made_de}{sold_de}",
        },
    }


def _variant(index: int, ref: FamilyRef, material_key: str, size: Size, pack: int,
             locales: tuple[str, ...]) -> Variant:
    family, material = ref.family, MATERIALS[material_key]
    texts = _texts(ref, material, size, pack)
    translations = {locale: texts[locale] for locale in texts if locale in locales}
    attributes: dict[str, Any] = {"material": material.en, "finish": material.finish_en}
    if family.standard:
        attributes["standard"] = family.standard
    attributes.update(size.attributes)
    attributes["pack_size"] = pack
    tags = list(dict.fromkeys(
        [slugify(ref.department), slugify(family.plural), material.tag]
        + ([slugify(family.standard)] if family.standard else [])
    ))
    sale_tags = [*tags, SALE_TAG]
    base = family.base_cents * material.price_factor * size.price_factor * pack ** 0.92
    return Variant(
        family_index=index, material=material_key,
        name=texts["en"]["name"], description=texts["en"]["description"],
        base_cents=max(base, 5.0), tags=tags, sale_tags=sale_tags,
        attributes=attributes, translations=translations,
        name_copy=copy_text(texts["en"]["name"]),
        description_copy=copy_text(texts["en"]["description"]),
        tags_copy=copy_array(tags), sale_tags_copy=copy_array(sale_tags),
        attributes_copy=copy_json(attributes), translations_copy=copy_json(translations),
    )


def build_variants(refs: list[FamilyRef], *, locales: Iterable[str]) -> list[Variant]:
    """Return every (family, material, size, pack) article, in a fixed order.

    ``locales`` limits the translations to the locales the deployment allows
    (``settings.CATALOG_LOCALES``), so every product passes validation.
    """
    allowed = tuple(locales)
    return [
        _variant(index, ref, material_key, size, pack, allowed)
        for index, ref in enumerate(refs)
        for material_key in ref.family.materials
        for size in sizes_of(ref.family.sizes)
        for pack in ref.family.packs
    ]
