"""Read a product file (CSV or JSON Lines, optionally gzipped) as staging rows, streaming.

The reader does the checks only Python can do cheaply (encoding, quoting,
field counts, JSON syntax, NUL characters); every rule about values is checked
in SQL on the staged batch. A row comes out as ``(row, value, ..., digest)``,
its values in the order of ``columns`` with ``None`` for a column the row does
not give (keep the stored value) and ``""`` for an empty one (clear it), or as a
Rejection. The digest is a 128-bit hash of the row's bytes in the file, seeded
with the columns: rows with equal digests stage equal values.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from xxhash import xxh3_128_hexdigest

from catalog import errors
from catalog.fileformat import (
    COLUMNS,
    FORMATS,
    JSON_COLUMNS,
    LIST_COLUMNS,
    LIST_SEPARATOR,
    REQUIRED_COLUMNS,
)

GZIP_MAGIC = b"\x1f\x8b"
# A cell longer than this is a broken quote swallowing the lines after it, not data.
CSV_FIELD_LIMIT = 1_000_000
KNOWN = ", ".join(COLUMNS)
_KNOWN_KEYS = frozenset(COLUMNS)  # the keys a JSON line may have


class ImportRefused(Exception):
    """The file as a whole cannot be imported (format, header); nothing was written."""


@dataclass(frozen=True)
class Rejection:
    """A row that is not imported, as the error report lists it."""

    row: int
    column: str
    value: str
    reason: str


def detect_format(name: str, given: str | None = None) -> str:
    """Return ``csv`` or ``jsonl`` from ``given`` or the file name (``.gz`` allowed after it)."""
    if given:
        if given not in FORMATS:
            raise ImportRefused(errors.IMPORT_FORMAT_UNKNOWN.format(name=name))
        return given
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    if last == ".csv":
        return "csv"
    if last in {".jsonl", ".ndjson"}:
        return "jsonl"
    raise ImportRefused(errors.IMPORT_FORMAT_UNKNOWN.format(name=name))


class CountingReader(io.RawIOBase):
    """Count the bytes read from the underlying (possibly compressed) file, for progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if hasattr(self.raw, "readinto"):  # a file: no copy of every block
            read = self.raw.readinto(buffer) or 0
        else:
            data = self.raw.read(len(buffer))
            read = len(data)
            buffer[:read] = data
        self.count += read
        return read


def open_binary(raw: IO[bytes]) -> tuple[IO[bytes], CountingReader]:
    """Return a buffered stream of the file's content (gunzipped when it starts as gzip)."""
    counter = CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        return io.BufferedReader(gzip.GzipFile(fileobj=buffered), buffer_size=1 << 20), counter  # type: ignore[arg-type]
    return buffered, counter


def digest_seed(columns: tuple[str, ...]) -> int:
    """Return the seed of the row digests of a file with these columns, in this order."""
    return int.from_bytes(hashlib.md5("\0".join(columns).encode(), usedforsecurity=False).digest()[:8])


class _LineFlags:
    """What the line decoder saw since the CSV reader last returned a record, and its bytes."""

    def __init__(self) -> None:
        self.bad_encoding = False
        self.nul = False
        self.lines: list[bytes] = []  # the raw lines the CSV reader took since its last record
        self.ahead: deque[bytes] = deque()  # lines read for the known-row check, not taken yet
        self.taken = 0  # lines taken: by the CSV reader, or skipped as known rows

    def record_bytes(self) -> bytes:
        """Return the bytes of the record just read, without its line end, and forget them."""
        lines = self.lines
        raw = lines[0] if len(lines) == 1 else b"".join(lines)
        lines.clear()
        return raw.rstrip(b"\r\n")


def _raw_lines(stream: IO[bytes], flags: _LineFlags) -> Iterator[bytes]:
    """Yield the lines the known-row check read ahead, then the stream's, counting them."""
    ahead = flags.ahead
    while True:
        if ahead:
            raw = ahead.popleft()
        else:
            raw = stream.readline()
            if not raw:
                return
        flags.taken += 1
        yield raw


def _decoded_lines(stream: IO[bytes], flags: _LineFlags) -> Iterator[str]:
    first = True
    keep = flags.lines.append
    for raw in _raw_lines(stream, flags):
        keep(raw)
        if first:
            raw, first = raw.removeprefix(b"\xef\xbb\xbf"), False
        try:
            line = raw.decode()
        except UnicodeDecodeError:
            flags.bad_encoding = True
            line = raw.decode(errors="replace")
        if b"\x00" in raw:
            flags.nul = True
            line = line.replace("\x00", "")
        yield line


class KnownRow(tuple):  # type: ignore[type-arg]
    """A row whose product holds its fingerprint, skipped unparsed: ``(row, SKU, line, digest)``.

    Counted and registered like a parsed row (its number first, its digest last);
    its line is parsed only if its SKU turns out to be a duplicate (the reader's
    ``parse_known``).
    """

    __slots__ = ()


class CheckedRow(tuple):  # type: ignore[type-arg]
    """A parsed row of one line that the known-row check already found unknown: not asked again."""

    __slots__ = ()


# (row, SKU, digest) of lines read ahead that may be known rows -> (soon) the rows that are.
KnownRows = Callable[[list[tuple[int, str, str]]], "Future[set[int]]"]
KNOWN_CHUNK_BYTES = 8 << 20  # lines read ahead for one check: about 9,000 rows of 900 bytes
KNOWN_AHEAD = 3  # chunks read ahead


def _done(rows: set[int]) -> Future[set[int]]:
    """Return a check already answered (a chunk with no line to offer)."""
    future: Future[set[int]] = Future()
    future.set_result(rows)
    return future


class CsvRows:
    """Rows of a CSV file with a header row naming its columns (any order, any subset).

    With ``known`` (see KnownRows), lines are read ahead in chunks, and a line
    that starts a row and whose product holds its fingerprint comes out as a
    KnownRow without being parsed. That is exact: a fingerprint is taken from a
    row the CSV reader read whole from its first line, so a line with the same
    bytes at the start of a row is that whole row again. Every other line goes
    through the CSV reader as before. The check of the next chunk runs while
    this one is read.
    """

    def __init__(self, stream: IO[bytes], known: KnownRows | None = None) -> None:
        self.flags, self.stream, self.known = _LineFlags(), stream, known
        csv.field_size_limit(CSV_FIELD_LIMIT)
        self.reader = csv.reader(_decoded_lines(stream, self.flags), strict=True)
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportRefused(errors.IMPORT_EMPTY) from None
        except csv.Error as exc:
            raise ImportRefused(errors.IMPORT_HEADER_UNREADABLE.format(error=exc)) from exc
        if self.flags.bad_encoding or self.flags.nul:
            raise ImportRefused(errors.IMPORT_HEADER_UNREADABLE.format(error=errors.IMPORT_ENCODING))
        names = [name.strip().lower() for name in header]
        unknown = [name for name in names if name not in COLUMNS]
        if unknown:
            raise ImportRefused(errors.IMPORT_HEADER_UNKNOWN.format(
                columns=", ".join(repr(n) for n in unknown), known=KNOWN))
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise ImportRefused(errors.IMPORT_HEADER_MISSING.format(columns=", ".join(missing)))
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ImportRefused(errors.IMPORT_HEADER_DUPLICATE.format(columns=", ".join(twice)))
        self.columns: tuple[str, ...] = tuple(names)
        self.flags.lines.clear()

    def parse_known(self, row: KnownRow) -> tuple[Any, ...]:
        """Return a known row parsed, as this reader gives it (a known row is one whole line)."""
        record = next(csv.reader([row[2].decode()], strict=True))
        if len(record) != len(self.columns):
            raise ValueError(f"row {row[0]} does not have the fields it had when it was imported")
        return (row[0], *record, row[-1])

    def _read_ahead(self, seed: int) -> tuple[int, list[tuple[int, str, str]], Future[set[int]]] | None:
        """Read the next chunk of lines ahead and ask which of them are known rows.

        Return the number of its last line, (line, SKU, digest) of each line that
        may be a known row, and the check's future; None at the end of the file.
        """
        assert self.known is not None
        flags, position = self.flags, self.columns.index("sku")
        first = flags.taken + len(flags.ahead) + 1
        lines = self.stream.readlines(KNOWN_CHUNK_BYTES)
        if not lines:
            return None
        flags.ahead.extend(lines)
        keys: list[tuple[int, str, str]] = []
        keep = keys.append
        for number, raw in enumerate(lines, first):
            if raw[:1] == b'"':
                continue  # a quoted first cell: the CSV reader reads it
            parts = raw.split(b",", position + 1)
            if len(parts) <= position + 1:
                continue  # too few cells
            if position and any(part[:1] == b'"' for part in parts[1:position + 1]):
                continue  # a quoted cell up to the SKU
            try:
                sku = parts[position].decode()
            except UnicodeDecodeError:
                continue
            keep((number, sku, xxh3_128_hexdigest(raw.rstrip(b"\r\n"), seed)))
        return first + len(lines) - 1, keys, self.known(keys) if keys else _done(set())

    def __iter__(self) -> Iterator[tuple[Any, ...] | Rejection]:
        reader, flags, width = self.reader, self.flags, len(self.columns)
        seed, ahead = digest_seed(self.columns), flags.ahead
        known: dict[int, tuple[str, str]] = {}  # line -> (SKU, digest) of the known rows read ahead
        offered: set[int] = set()  # the lines of the chunk that the check answered for
        checked = 0  # the last line whose check is in ``known``
        chunks: deque[tuple[int, list[tuple[int, str, str]], Future[set[int]]]] = deque()
        while True:
            start = flags.taken + 1
            while self.known is not None and start > checked:
                # KNOWN_AHEAD chunks in the check at most: the next ones are read and hashed
                # while the ones before them are checked.
                while len(chunks) < KNOWN_AHEAD and (chunk := self._read_ahead(seed)):
                    chunks.append(chunk)
                if not chunks:
                    break  # the end of the file
                last, keys, future = chunks.popleft()
                rows = future.result()
                known = {n: (sku, digest) for n, sku, digest in keys if n in rows}
                offered = {n for n, _, _ in keys}
                checked = last
            if start in known and ahead:  # at the start of a row: skipped unparsed
                raw = ahead.popleft()
                flags.taken = start
                sku, digest = known.pop(start)
                yield KnownRow((start, sku, raw.rstrip(b"\r\n"), digest))
                continue
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                flags.bad_encoding = flags.nul = False
                flags.lines.clear()
                yield Rejection(start, "", "", errors.IMPORT_QUOTING.format(error=exc))
                continue
            one_line = len(flags.lines) == 1  # then the check's answer for the line is the row's
            raw = flags.record_bytes()
            if flags.bad_encoding or flags.nul:
                reason = errors.IMPORT_ENCODING if flags.bad_encoding else errors.IMPORT_NUL
                flags.bad_encoding = flags.nul = False
                yield Rejection(start, "", "", reason)
            elif len(record) == width:
                row = (start, *record, xxh3_128_hexdigest(raw, seed))
                yield CheckedRow(row) if one_line and start in offered else row
            elif record:  # a blank line is no row
                yield Rejection(start, "", "", errors.IMPORT_FIELD_COUNT.format(
                    expected=width, found=len(record)))


_TEXT_TYPES = (str, int, float)


def _jsonl_value(column: str, value: Any) -> str:
    """Return the staging text of one JSON value; raise ValueError with the reason."""
    if value is None:
        return ""
    if column in LIST_COLUMNS:
        if isinstance(value, str):
            return value
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(errors.IMPORT_JSON_TYPE.format(expected="a list of texts"))
        if any(LIST_SEPARATOR in item for item in value):
            raise ValueError(errors.IMPORT_PIPE_IN_ITEM)
        return LIST_SEPARATOR.join(value)
    if column in JSON_COLUMNS:
        if isinstance(value, str):
            return value
        if not isinstance(value, dict):
            raise ValueError(errors.ATTRIBUTES_NOT_OBJECT if column == "attributes"
                             else errors.TRANSLATION_SHAPE)
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        if column != "is_active":
            raise ValueError(errors.IMPORT_JSON_TYPE.format(expected="a text or a number"))
        return "true" if value else "false"
    if not isinstance(value, _TEXT_TYPES):
        raise ValueError(errors.IMPORT_JSON_TYPE.format(expected="a text or a number"))
    return value if isinstance(value, str) else str(value)


# How a JSON line that gives its SKU first starts: compact, or as PostgreSQL writes jsonb
# (export_products: jsonb orders keys by length, and "sku" is the shortest).
JSON_SKU_FIRST = (b'{"sku":"', b'{"sku": "')


def json_sku(raw: bytes) -> str | None:
    """Return the SKU of a JSON line that starts with it as plain text (no escape), else None."""
    for prefix in JSON_SKU_FIRST:
        if raw.startswith(prefix):
            end = raw.find(b'"', len(prefix))
            if end < 0 or b"\\" in (value := raw[len(prefix):end]):
                return None
            try:
                return value.decode()
            except UnicodeDecodeError:
                return None
    return None


# Lines read ahead: the first one's number, the lines, (SKU, digest) of those offered, the check.
JsonChunk = tuple[int, list[bytes], dict[int, tuple[str, str]], "Future[set[int]]"]


class JsonLinesRows:
    """Rows of a JSON Lines file: one object per line with the column names as keys.

    With ``known`` (see KnownRows), lines are read ahead in chunks, and a line
    that gives its SKU first (``JSON_SKU_FIRST``, as export_products writes it)
    and whose product holds its fingerprint comes out as a KnownRow without
    being parsed: a fingerprint is taken from a whole line, so a line with the
    same bytes is that row again. Every other line is parsed as before.
    """

    columns: tuple[str, ...] = COLUMNS

    def __init__(self, stream: IO[bytes], known: KnownRows | None = None) -> None:
        self.stream, self.known = stream, known
        self.seed = digest_seed(COLUMNS)

    def __iter__(self) -> Iterator[tuple[Any, ...] | Rejection]:
        chunks, pending = self._read_ahead(), deque[JsonChunk]()
        while True:
            # KNOWN_AHEAD chunks in the check at most: the next ones are read and hashed
            # while the ones before them are checked.
            while len(pending) < KNOWN_AHEAD and (chunk := next(chunks, None)):
                pending.append(chunk)
            if not pending:
                return
            first, lines, offered, future = pending.popleft()
            known = future.result()
            for number, raw in enumerate(lines, first):
                if number in known:
                    sku, digest = offered[number]
                    yield KnownRow((number, sku, raw.rstrip(b"\r\n"), digest))
                elif (row := self._parse(number, raw)) is not None:
                    yield CheckedRow(row) if number in offered and type(row) is tuple else row

    def _read_ahead(self) -> Iterator[JsonChunk]:
        """Yield chunks of lines: the first's number, the lines, (SKU, digest) by line offered, the check.

        Without ``known`` no line is offered, and every check is answered: none known.
        """
        first = 1
        while lines := self.stream.readlines(KNOWN_CHUNK_BYTES):
            if first == 1:
                lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")  # a byte order mark some editors write
            offered = {}
            if self.known is not None:
                for number, raw in enumerate(lines, first):
                    if (sku := json_sku(raw)) is not None:
                        offered[number] = (sku, xxh3_128_hexdigest(raw.rstrip(b"\r\n"), self.seed))
            keys = [(number, sku, digest) for number, (sku, digest) in offered.items()]
            yield first, lines, offered, self.known(keys) if self.known and keys else _done(set())
            first += len(lines)

    def parse_known(self, row: KnownRow) -> tuple[Any, ...]:
        """Return a known row parsed, as this reader gives it."""
        parsed = self._parse(row[0], row[2])
        if type(parsed) is not tuple:
            raise ValueError(f"row {row[0]} is not the row it was when it was imported")
        return parsed

    def _parse(self, number: int, raw: bytes) -> tuple[Any, ...] | Rejection | None:
        """Return the line's row, or its Rejection; None for a blank line."""
        if not raw.strip():
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            reason = (errors.IMPORT_ENCODING if "UTF-8" in str(exc)
                      else errors.IMPORT_JSON_INVALID.format(error=exc))
            return Rejection(number, "", "", reason)
        if not isinstance(data, dict):
            return Rejection(number, "", "", errors.IMPORT_JSON_NOT_OBJECT)
        unknown = [key for key in data if key not in _KNOWN_KEYS]
        if unknown:
            return Rejection(number, unknown[0], _shown(data[unknown[0]]),
                             errors.IMPORT_KEY_UNKNOWN.format(known=KNOWN))
        values: list[Any] = [number]
        for column in COLUMNS:
            if column not in data:
                values.append(None)
                continue
            try:
                text = _jsonl_value(column, data[column])
            except ValueError as exc:
                return Rejection(number, column, _shown(data[column]), str(exc))
            if "\x00" in text:
                return Rejection(number, column, "", errors.IMPORT_NUL)
            values.append(text)
        values.append(xxh3_128_hexdigest(raw.rstrip(b"\r\n"), self.seed))
        return tuple(values)



def _shown(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def product_rows(stream: IO[bytes], file_format: str,
                 known: KnownRows | None = None) -> CsvRows | JsonLinesRows:
    """Return the row reader for the format; raise ImportRefused for an unusable header.

    ``known`` lets the reader skip the rows whose products hold their fingerprint.
    """
    return CsvRows(stream, known) if file_format == "csv" else JsonLinesRows(stream, known)
