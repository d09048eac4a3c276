"""The reader parses the next batch while the database merges the current one."""

from __future__ import annotations

import threading

import pytest

from catalog import errors
from catalog.commands.imports import ImportFailed
from catalog.commands.imports.service import _read_ahead
from catalog.models import Product
from tests.catalog.imports.conftest import csv_bytes, failing_insert, run_import


def _row(sku: str) -> list[str]:
    return [sku, f"Item {sku}", "5.00", "", "1", "", "", "", ""]


def test_the_report_keeps_file_order_when_rejections_fall_around_batch_boundaries(tenant):
    # given: reader rejections (wrong field count) and SQL rejections (bad price) in every batch
    data = csv_bytes([_row("A-1"), ["short"], _row("A-2"), [*_row("A-3")[:2], "x", *_row("A-3")[3:]],
                      _row("A-4"), ["short"], ["short"], _row("A-5")])
    # when
    run = run_import(tenant, data, batch_size=2)
    # then: rows in the order of the file, and every row counted once
    assert [int(r["row"]) for r in run.report] == [3, 5, 7, 8]
    assert run.reasons()[5] == ("price", errors.IMPORT_NOT_AMOUNT)
    assert (run.result.rows, run.result.inserted, run.result.rejected) == (8, 4, 4)
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == [
        "A-1", "A-2", "A-4", "A-5"]


def test_a_file_of_rejected_rows_only_reports_them_all(tenant):
    run = run_import(tenant, csv_bytes([["short"], ["short"], ["short"]]), batch_size=2)
    assert [int(r["row"]) for r in run.report] == [2, 3, 4]
    assert (run.result.rows, run.result.rejected, run.result.inserted) == (3, 3, 0)


def test_an_error_of_the_reader_reaches_the_importer_after_the_batches_before_it():
    # given
    def batches():
        yield [], [("first",)]
        raise OSError("upload stream broke")

    # when
    seen = []
    with pytest.raises(OSError, match="upload stream broke"):
        for item in _read_ahead(batches()):
            seen.append(item)
    # then
    assert seen == [([], [("first",)])]


def test_stopping_early_ends_the_reader_thread():
    # given: a reader with far more batches than the consumer takes
    produced = []

    def batches():
        for n in range(1000):
            produced.append(n)
            yield [], [(n,)]

    # when
    ahead = _read_ahead(batches())
    assert next(ahead) == ([], [(0,)])
    ahead.close()
    # then: the thread is gone and read at most a couple of batches ahead
    assert not [t for t in threading.enumerate() if t.name == "import-reader"]
    assert len(produced) <= 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_batch_stops_the_reader_and_the_batches_before_it_stay(tenant, workers):
    # given: a database error in batch 2 of 3, and a rejected row in batch 3
    rows = [_row("F-1"), _row("F-2"), _row("F-3"), _row("F-4"), ["short"], _row("F-5")]
    # when
    with failing_insert("F-3"), pytest.raises(ImportFailed) as failure:
        run_import(tenant, csv_bytes(rows), batch_size=2, workers=workers)
    # then: batch 1 is committed, batch 2 is not; batch 3 was merged beside batch 2 or never
    assert "Batch starting at row 4 failed" in str(failure.value)
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]
    skus = sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True))
    assert skus in (["F-1", "F-2"], ["F-1", "F-2", "F-5"])
    if workers == 1:
        assert skus == ["F-1", "F-2"]
    # and the result and the report say exactly what was committed
    result = failure.value.result
    assert result.inserted == len(skus)
    assert result.rejected == (1 if "F-5" in skus else 0)
    # and the same file again completes it
    again = run_import(tenant, csv_bytes(rows), batch_size=2, workers=workers)
    assert again.result.inserted == 5 - len(skus)
    assert Product.objects.for_tenant(tenant).count() == 5


def test_the_reader_waits_for_a_token_of_the_budget_before_each_batch():
    # given: a budget of two batches, and a consumer that keeps every batch it takes
    produced = []

    def batches():
        for n in range(10):
            produced.append(n)
            yield [], [(n,)]

    budget = threading.Semaphore(2)
    ahead = _read_ahead(batches(), budget)
    # when
    taken = [next(ahead), next(ahead)]
    stalled = not budget.acquire(timeout=0.5)  # no token left: the reader holds both
    # then: the reader read the two batches and no third one
    assert taken == [([], [(0,)]), ([], [(1,)])]
    assert stalled
    assert produced == [0, 1]
    # and when the consumer drops a batch, the reader goes on by one
    budget.release()
    assert next(ahead) == ([], [(2,)])
    ahead.close()
    assert not [t for t in threading.enumerate() if t.name == "import-reader"]
