"""The shape of the demo category tree and the brand list, planned without the database.

The full tree is every prefix of every variant's chain: department > group >
family > material (when a family comes in several) > thread size (for threaded
articles), plus a "Collections" department for cross-listing. A smaller tree is
cut breadth-first, splitting the nodes that hold most products first, so a
product lands in a leaf unless the last split was cut short.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from django.utils.text import slugify

from catalog.demo.variants import FamilyRef, Variant
from catalog.demo.vocabulary import (
    BRAND_ENDINGS,
    BRAND_FORMS,
    BRAND_STEMS,
    COLLECTIONS,
    COLLECTIONS_DEPARTMENT,
    DEPARTMENTS,
    MATERIALS,
)

Key = tuple[str, ...]
COLLECTION_SHARE = 0.3  # share of products cross-listed in a collection (orders its split)


class CountOutOfRange(ValueError):
    """A requested number of categories or brands the vocabulary cannot make."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        super().__init__(f"between {low} and {high}")


@dataclass(frozen=True)
class CategorySpec:
    """A planned category: its chain of names from the root, slug and position among siblings."""

    key: Key
    slug: str
    position: int

    @property
    def name(self) -> str:
        """Return the category's own name."""
        return self.key[-1]


def category_slug(name: str) -> str:
    """Slugify a category name, keeping inch sizes apart (``1/2"`` -> ``1-2-inch``)."""
    return slugify(name.replace("/", "-").replace('"', "-inch"))


def variant_chain(variant: Variant, refs: list[FamilyRef]) -> Key:
    """Return the deepest category chain the variant belongs to."""
    ref = refs[variant.family_index]
    chain: list[str] = [ref.department, ref.group, ref.family.plural]
    if len(ref.family.materials) > 1:
        material = MATERIALS[variant.material].en
        chain.append(material[0].upper() + material[1:])
    thread = variant.attributes.get("thread_size")
    if thread is not None:
        chain.append(str(thread))
    return tuple(chain)


def variant_shares(variants: list[Variant], refs: list[FamilyRef]) -> list[float]:
    """Return each variant's expected share of products (family weight over its variants)."""
    per_family: dict[int, int] = defaultdict(int)
    for variant in variants:
        per_family[variant.family_index] += 1
    total = sum(ref.family.weight for ref in refs)
    return [refs[v.family_index].family.weight / total / per_family[v.family_index] for v in variants]


def plan_categories(variants: list[Variant], refs: list[FamilyRef], *, count: int) -> list[CategorySpec]:
    """Return ``count`` categories, parents before children (CountOutOfRange otherwise)."""
    children: dict[Key, list[Key]] = defaultdict(list)
    mass: dict[Key, float] = defaultdict(float)
    roots = [(department,) for department in DEPARTMENTS] + [(COLLECTIONS_DEPARTMENT,)]
    for variant, share in zip(variants, variant_shares(variants, refs), strict=True):
        chain = variant_chain(variant, refs)
        for depth in range(1, len(chain) + 1):
            key = chain[:depth]
            mass[key] += share
            if depth > 1 and key not in children[chain[: depth - 1]]:
                children[chain[: depth - 1]].append(key)
    children[roots[-1]] = [(COLLECTIONS_DEPARTMENT, name) for name in COLLECTIONS]
    mass[roots[-1]] = COLLECTION_SHARE
    largest = len(roots) + sum(len(keys) for keys in children.values())
    if not len(roots) <= count <= largest:
        raise CountOutOfRange(len(roots), largest)
    planned = list(roots)
    level = roots
    while len(planned) < count and level:
        next_level: list[Key] = []
        for parent in sorted(level, key=lambda key: -mass[key]):
            next_level.extend(children[parent][: count - len(planned) - len(next_level)])
        planned.extend(next_level)
        level = next_level
    positions = {key: index for keys in [roots, *children.values()] for index, key in enumerate(keys)}
    return [CategorySpec(key, category_slug(key[-1]), positions[key]) for key in planned]


def plan_brands(*, count: int, seed: int) -> list[str]:
    """Return ``count`` distinct brand names drawn by the seed (CountOutOfRange otherwise)."""
    stems = [f"{stem}{ending}" for stem in BRAND_STEMS for ending in BRAND_ENDINGS
             if stem.lower() != ending]
    random.Random(f"{seed}:brands").shuffle(stems)
    names = [f"{stem}{form}" for form in BRAND_FORMS for stem in stems]
    if not 1 <= count <= len(names):
        raise CountOutOfRange(1, len(names))
    return names[:count]


def plan_brand_departments(*, brands: int, seed: int) -> list[list[str]]:
    """Return the departments each brand sells in (1 to 3; every department has a brand)."""
    departments = list(DEPARTMENTS)
    rng = random.Random(f"{seed}:brand-departments")
    plan: list[list[str]] = []
    for index in range(brands):
        chosen = rng.sample(departments, k=rng.randint(1, 3))
        if index < len(departments):
            chosen = [departments[index], *(d for d in chosen if d != departments[index])]
        plan.append(chosen)
    return plan
