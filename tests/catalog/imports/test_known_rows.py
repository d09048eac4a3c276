"""The reader skips, unparsed, the rows (CSV or JSON Lines) whose products hold their fingerprint.

The unit tests give the reader a fake check (which lines it calls known) and read
what comes out: pure logic. The others import for real, outside a transaction,
so the reader checks on a connection of its own.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import Future

import pytest

from catalog import errors
from catalog.commands.imports import ImportFailed
from catalog.commands.imports import reader as reader_module
from catalog.commands.imports.reader import KnownRow, Rejection, product_rows
from catalog.models import Event, Product
from tests.catalog.imports.conftest import (
    HEADER,
    csv_bytes,
    event_count,
    failing_insert,
    jsonl_bytes,
    run_import,
    state,
)
from tests.catalog.imports.test_merge import ROWS


def _read(data: bytes, known_skus: set[str], file_format: str = "csv",
          ) -> tuple[list[object], list[list[tuple[int, str, str]]]]:
    asked: list[list[tuple[int, str, str]]] = []

    def known(keys: list[tuple[int, str, str]]) -> Future[set[int]]:
        asked.append(keys)
        future: Future[set[int]] = Future()
        future.set_result({row for row, sku, _ in keys if sku in known_skus})
        return future

    return list(product_rows(io.BytesIO(data), file_format, known)), asked


def _plain(data: bytes, file_format: str = "csv") -> list[object]:
    return list(product_rows(io.BytesIO(data), file_format))


def test_known_lines_come_out_unparsed_with_the_digest_the_parser_gives():
    data = b"sku,name,price\nA,Alpha,1.00\nB,\"Beta, big\",2.00\nC,Gamma,3.00\n"
    rows, asked = _read(data, {"A", "C"})
    plain = _plain(data)
    # then: every line was offered with its SKU, and A and C came out known
    assert [(row, sku) for row, sku, _ in asked[0]] == [(2, "A"), (3, "B"), (4, "C")]
    assert [type(row) is KnownRow for row in rows] == [True, False, True]
    assert rows[1] == plain[1]
    # and a known row has the number, SKU and digest the parsed row has, and parses to it
    for known_row, parsed in ((rows[0], plain[0]), (rows[2], plain[2])):
        assert (known_row[0], known_row[1], known_row[-1]) == (parsed[0], parsed[1], parsed[-1])
        assert product_rows(io.BytesIO(data), "csv").parse_known(known_row) == parsed


def test_a_line_inside_a_multi_line_row_is_never_taken_for_a_row():
    # given: row 2 opens a quoted cell over three lines; its last line, on its own, reads
    # like a row with SKU "C" that the check calls known
    data = b'sku,name,price\nA,"first\nC,Gamma,3.00\nend",1.00\nC,Gamma,3.00\n'
    rows, _ = _read(data, {"C"})
    # then: the multi-line row is parsed whole; only the line that starts a row is skipped
    assert rows[0] == _plain(data)[0]
    assert rows[0][:4] == (2, "A", "first\nC,Gamma,3.00\nend", "1.00")
    assert type(rows[1]) is KnownRow
    assert rows[1][0] == 5


def test_rows_after_a_multi_line_row_across_a_chunk_end_keep_their_numbers(monkeypatch):
    # given: chunks of about two lines, and a quoted cell that runs over the chunk's end
    monkeypatch.setattr(reader_module, "KNOWN_CHUNK_BYTES", 20)
    data = b'sku,name,price\nA,Alpha,1.00\nB,"one\ntwo\nthree",2.00\nC,Gamma,3.00\nD,Delta,x\n'
    rows, asked = _read(data, {"A", "C"})
    plain = _plain(data)
    # then
    assert len(asked) > 1
    assert [row[0] for row in rows] == [row[0] for row in plain] == [2, 3, 6, 7]
    assert [type(row) is KnownRow for row in rows] == [True, False, True, False]
    assert rows[1] == plain[1]
    assert rows[3] == plain[3]


def test_lines_the_check_cannot_read_go_to_the_parser():
    # given: a quoted SKU, a SKU that is not the first column, a broken quote, a short row
    quoted = b'sku,name,price\n"A",Alpha,1.00\n'
    later = b'name,sku,price\nAlpha,A,1.00\n"Be, ta",B,2.00\n'
    broken = b'sku,name,price\nA,"Alpha,1.00\nB,Beta,2.00\n'
    # then: the quoted SKU is not offered; the second column is, unless a quoted cell comes first
    assert _read(quoted, {"A"})[1] == []
    rows, asked = _read(later, {"A", "B"})
    assert [sku for _, sku, _ in asked[0]] == ["A"]
    assert [type(row) is KnownRow for row in rows] == [True, False]
    assert rows[1][:3] == (3, "Be, ta", "B")
    # and a broken quote is the parser's, as without the check
    rows, _ = _read(broken, set())
    assert rows == _plain(broken)
    assert isinstance(rows[0], Rejection)
    assert rows[0].reason == errors.IMPORT_QUOTING.format(error="unexpected end of data")


def test_json_lines_that_give_their_sku_first_come_out_unparsed_when_known():
    data = (b'\xef\xbb\xbf{"sku":"A","name":"Alpha","price":"1.00"}\n'  # a byte order mark first
            b'{"sku": "B", "name": "Beta", "price": "2.00"}\n'  # as export_products writes it
            b'\n'
            b'{"name":"Gamma","sku":"C","price":"3.00"}\n'  # the SKU not first
            b'{"sku":"D\\u0045","name":"Delta","price":"4.00"}\n'  # an escape in the SKU
            b'{"sku":"E","name":"Epsilon","price":"5.00"}\r\n')
    # when: every SKU is known to the check
    rows, asked = _read(data, {"A", "B", "C", "DE", "E"}, "jsonl")
    plain = _plain(data, "jsonl")
    # then: the lines that start with their SKU as plain text were offered, and came out known
    assert [(row, sku) for row, sku, _ in asked[0]] == [(1, "A"), (2, "B"), (6, "E")]
    assert [type(row) is KnownRow for row in rows] == [True, True, False, False, True]
    assert rows[2:4] == plain[2:4]
    assert [row[1] for row in plain[2:4]] == ["C", "DE"]
    # and a known row has the number, SKU and digest the parsed row has, and parses to it
    reader = product_rows(io.BytesIO(b""), "jsonl")
    for known_row, parsed in zip([rows[0], rows[1], rows[4]], [plain[0], plain[1], plain[4]], strict=True):
        assert (known_row[0], known_row[1], known_row[-1]) == (parsed[0], parsed[1], parsed[-1])
        assert reader.parse_known(known_row) == parsed


def test_json_lines_that_the_check_does_not_know_are_parsed_as_without_it():
    data = (b'{"sku":"A","name":"Alpha","price":"1.00"}\n{"sku":"B","nme":"typo"}\n[1]\n'
            b'{"sku":"C","name":"Gamma","price":"3.00"\n')
    rows, _ = _read(data, set(), "jsonl")
    assert rows == _plain(data, "jsonl")
    assert [type(row).__name__ for row in rows] == ["CheckedRow", "Rejection", "Rejection", "Rejection"]


committed = pytest.mark.django_db(transaction=True)


@committed
def test_a_re_import_outside_a_transaction_is_recognized_by_the_reader(tenant, other_tenant):
    # given: the same rows in two tenants
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    run_import(other_tenant, data)
    before, events = state(tenant), event_count(tenant)
    other = state(other_tenant)
    # when
    again = run_import(tenant, data)
    # then
    result = again.result
    assert (result.inserted, result.updated, result.unchanged, result.recognized) == (0, 0, 3, 3)
    assert state(tenant) == before
    assert event_count(tenant) == events
    assert state(other_tenant) == other
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]


@committed
def test_a_json_lines_re_import_is_recognized_by_the_reader(tenant, other_tenant, monkeypatch):
    # given: the same objects in two tenants, the SKU first
    objects = [dict(zip(HEADER, row, strict=True)) for row in ROWS]
    data = jsonl_bytes(objects)
    run_import(tenant, data, name="products.jsonl")
    run_import(other_tenant, data, name="products.jsonl")
    before, events, other = state(tenant), event_count(tenant), state(other_tenant)
    parsed: list[int] = []
    parse = reader_module.JsonLinesRows._parse
    monkeypatch.setattr(reader_module.JsonLinesRows, "_parse",
                        lambda self, number, raw: parsed.append(number) or parse(self, number, raw))
    # when: again, with one product's line repeated (a duplicate) and another's price changed
    changed = [*objects[:2], {**objects[2], "price": "16"}, objects[0]]
    again = run_import(tenant, jsonl_bytes(changed), name="products.jsonl")
    # then: the unchanged lines were known to the reader, unparsed; the changed one was merged,
    # and the repeated one parsed only to be rejected
    assert sorted(parsed) == [3, 4]
    result = again.result
    assert (result.inserted, result.updated, result.unchanged, result.recognized) == (0, 1, 2, 2)
    assert again.reasons() == {4: ("sku", errors.IMPORT_DUPLICATE_SKU.format(row=1))}
    after = state(tenant)
    assert {sku: after[sku] for sku in ("P-1", "P-2")} == {sku: before[sku] for sku in ("P-1", "P-2")}
    assert str(Product.objects.for_tenant(tenant).get(sku="P-3").price) == "16.00"
    assert event_count(tenant) == events + 1
    assert state(other_tenant) == other
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]


@committed
def test_a_failing_batch_of_a_re_import_stops_it_and_ends_the_checks(tenant):
    # given: three products imported, then a file with them and two new ones, one failing
    run_import(tenant, csv_bytes(ROWS))
    rows = [*ROWS, ["N-1", "New", "1.00", "", "", "", "", "", ""],
            ["N-2", "New too", "1.00", "", "", "", "", "", ""]]
    # when: batches of two; the one of P-3 and N-1 fails
    with failing_insert("N-1"), pytest.raises(ImportFailed) as failure:
        run_import(tenant, csv_bytes(rows), batch_size=2, workers=1)
    # then: the batch before it is committed (recognized), the failed one and later are not
    assert "Batch starting at row 4 failed" in str(failure.value)
    assert (failure.value.result.unchanged, failure.value.result.recognized) == (2, 2)
    assert sorted(Product.objects.for_tenant(tenant).values_list("sku", flat=True)) == ["P-1", "P-2", "P-3"]
    assert not [t for t in threading.enumerate() if t.name.startswith("import-")]


@committed
def test_a_known_row_repeated_later_in_the_file_is_rejected_as_a_duplicate(tenant):
    # given
    run_import(tenant, csv_bytes(ROWS))
    before = state(tenant)
    # when: the file again, with P-2's line twice, in another batch
    again = run_import(tenant, csv_bytes([*ROWS, ROWS[1]]), batch_size=2)
    # then: the second one is reported, with its SKU, and nothing changes
    assert (again.result.unchanged, again.result.rejected) == (3, 1)
    assert again.reasons() == {5: ("sku", errors.IMPORT_DUPLICATE_SKU.format(row=3))}
    assert [r["value"] for r in again.report] == ["P-2"]
    assert state(tenant) == before


@committed
def test_a_product_edited_since_is_parsed_and_set_back(tenant):
    # given
    data = csv_bytes(ROWS)
    run_import(tenant, data)
    drill = Product.objects.for_tenant(tenant).get(sku="P-1")
    Product.objects.filter(pk=drill.pk).update(price="120.00", version=2)
    # when
    again = run_import(tenant, data)
    # then
    result = again.result
    assert (result.updated, result.unchanged, result.recognized) == (1, 2, 2)
    drill.refresh_from_db()
    assert (str(drill.price), drill.version) == ("99.00", 3)
    assert Event.objects.filter(aggregate_id=str(drill.pk), aggregate_version=3).exists()
