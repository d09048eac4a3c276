"""The pure parts of the generator: ranges, the tree plan, texts and COPY escaping."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.demo.loader import batch_ranges
from catalog.demo.rows import CHUNK_ROWS, chunk_ranges
from catalog.demo.tree import CountOutOfRange, plan_brands, plan_categories
from catalog.demo.variants import build_variants, copy_array, copy_json, copy_text, families


@pytest.fixture(scope="module")
def vocabulary():
    refs = families()
    return refs, build_variants(refs, locales=("en", "de"))


def test_batches_are_cut_at_multiples_of_the_batch_size():
    assert batch_ranges(1, 250_000, 100_000) == [(1, 100_001), (100_001, 200_001), (200_001, 250_001)]
    assert batch_ranges(95_001, 10_000, 100_000) == [(95_001, 100_001), (100_001, 105_001)]


def test_chunk_ranges_cover_the_numbers_once_in_order():
    ranges = list(chunk_ranges(9_999, 30_003))
    assert ranges[0] == (0, 9_998, CHUNK_ROWS)
    assert ranges[-1] == (3, 0, 2)
    covered = [chunk * CHUNK_ROWS + offset + 1 for chunk, start, stop in ranges
               for offset in range(start, stop)]
    assert covered == list(range(9_999, 30_003))


@pytest.mark.parametrize("count", [8, 60, 200, 539])
def test_the_category_plan_has_the_exact_count_with_parents_first(vocabulary, count):
    refs, variants = vocabulary
    specs = plan_categories(variants, refs, count=count)
    assert len(specs) == count
    seen = set()
    for spec in specs:
        assert len(spec.key) == 1 or spec.key[:-1] in seen
        seen.add(spec.key)
    assert len({(spec.key[:-1], spec.slug) for spec in specs}) == count


def test_the_category_plan_refuses_what_the_vocabulary_cannot_make(vocabulary):
    refs, variants = vocabulary
    with pytest.raises(CountOutOfRange) as caught:
        plan_categories(variants, refs, count=540)
    assert (caught.value.low, caught.value.high) == (8, 539)


def test_brand_names_are_distinct_and_drawn_by_the_seed():
    names = plan_brands(count=956, seed=1)
    assert len(set(names)) == 956
    assert plan_brands(count=20, seed=1) == names[:20]
    assert plan_brands(count=20, seed=2) != names[:20]


def test_variants_read_like_b2b_articles_in_english_and_german(vocabulary):
    _, variants = vocabulary
    bolt = next(v for v in variants if v.name.startswith("Stainless steel A2 hex bolt M8 x 40"))
    assert bolt.name == "Stainless steel A2 hex bolt M8 x 40, DIN 933, 50 pcs"
    assert bolt.translations["de"]["name"] == "Sechskantschraube M8 x 40, Edelstahl A2, DIN 933, 50 Stück"
    assert bolt.attributes == {"material": "stainless steel A2", "finish": "plain", "standard": "DIN 933",
                               "thread_size": "M8", "length_mm": 40, "pack_size": 50}
    assert len({v.name for v in variants}) == len(variants)
    assert all(0 < len(v.name) <= 255 and v.base_cents > 0 for v in variants)


def test_translations_keep_only_the_allowed_locales():
    variants = build_variants(families()[:1], locales=("en", "fr"))
    assert {locale for v in variants for locale in v.translations} == {"en"}


@pytest.mark.django_db
def test_copy_escaping_survives_a_round_trip_through_postgresql():
    # given: values with every character COPY's text format or JSON treats specially
    tricky = 'Fitting 1/2" \\ back\tslash\nnew line, Größe ü'
    line = (f"{copy_text(tricky)}\t{copy_json({'name': tricky})}\t"
            f"{copy_array([tricky, 'plain'])}\n").encode()
    # when
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE escaped (t text, j jsonb, a text[])")
        with cursor.cursor.copy("COPY escaped FROM STDIN") as copy:
            copy.write(line)
        cursor.execute("SELECT t, j ->> 'name', a FROM escaped")
        # then
        assert cursor.fetchone() == (tricky, tricky, [tricky, "plain"])
