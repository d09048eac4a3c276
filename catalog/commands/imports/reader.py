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
from collections.abc import Iterator
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

    def record_bytes(self) -> bytes:
        """Return the bytes of the record just read, without its line end, and forget them."""
        lines = self.lines
        raw = lines[0] if len(lines) == 1 else b"".join(lines)
        lines.clear()
        return raw.rstrip(b"\r\n")


def _decoded_lines(stream: IO[bytes], flags: _LineFlags) -> Iterator[str]:
    first = True
    keep = flags.lines.append
    for raw in stream:
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


class CsvRows:
    """Rows of a CSV file with a header row naming its columns (any order, any subset)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.flags = _LineFlags()
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

    def __iter__(self) -> Iterator[tuple[Any, ...] | Rejection]:
        reader, flags, width = self.reader, self.flags, len(self.columns)
        seed, line = digest_seed(self.columns), reader.line_num
        while True:
            start = line + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                flags.bad_encoding = flags.nul = False
                flags.lines.clear()
                line = reader.line_num
                yield Rejection(start, "", "", errors.IMPORT_QUOTING.format(error=exc))
                continue
            line = reader.line_num
            raw = flags.record_bytes()
            if flags.bad_encoding or flags.nul:
                reason = errors.IMPORT_ENCODING if flags.bad_encoding else errors.IMPORT_NUL
                flags.bad_encoding = flags.nul = False
                yield Rejection(start, "", "", reason)
            elif len(record) == width:
                yield (start, *record, xxh3_128_hexdigest(raw, seed))
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


class JsonLinesRows:
    """Rows of a JSON Lines file: one object per line with the column names as keys."""

    columns: tuple[str, ...] = COLUMNS

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[tuple[Any, ...] | Rejection]:
        known, seed = set(COLUMNS), digest_seed(COLUMNS)
        for number, raw in enumerate(self.stream, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark some editors write
            if not raw.strip():
                continue
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                reason = (errors.IMPORT_ENCODING if "UTF-8" in str(exc)
                          else errors.IMPORT_JSON_INVALID.format(error=exc))
                yield Rejection(number, "", "", reason)
                continue
            if not isinstance(data, dict):
                yield Rejection(number, "", "", errors.IMPORT_JSON_NOT_OBJECT)
                continue
            unknown = [key for key in data if key not in known]
            if unknown:
                yield Rejection(number, unknown[0], _shown(data[unknown[0]]),
                                errors.IMPORT_KEY_UNKNOWN.format(known=KNOWN))
                continue
            values: list[Any] = [number]
            for column in COLUMNS:
                if column not in data:
                    values.append(None)
                    continue
                try:
                    text = _jsonl_value(column, data[column])
                except ValueError as exc:
                    yield Rejection(number, column, _shown(data[column]), str(exc))
                    break
                if "\x00" in text:
                    yield Rejection(number, column, "", errors.IMPORT_NUL)
                    break
                values.append(text)
            else:
                values.append(xxh3_128_hexdigest(raw.rstrip(b"\r\n"), seed))
                yield tuple(values)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def product_rows(stream: IO[bytes], file_format: str) -> CsvRows | JsonLinesRows:
    """Return the row reader for the format; raise ImportRefused for an unusable header."""
    return CsvRows(stream) if file_format == "csv" else JsonLinesRows(stream)
