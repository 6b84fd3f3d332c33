"""Tables as TLs really get them (pure): bytes or a Sheet's rows in, a header and clean rows out.

A file is read by detection, never by assumption:
- encoding: UTF-8 with or without a BOM, UTF-16 LE/BE (with a BOM, or Excel's "Unicode text"
  without one), else Windows-1252 with a warning that says so;
- line endings: LF, CR LF, or CR alone (old Mac Excel);
- delimiter: comma, semicolon (EU Excel) or tab; a space after each delimiter is fine;
- header row: the first of the first `SCAN` rows that carries every column of a known layout,
  so title lines above it are skipped.
What would slip through or crash is refused with one line naming the file, the row and the field:
a duplicated header the layout uses, NUL bytes / escape sequences / other control characters in
a cell that is read, a field over the csv size limit, an unclosed quote.

Headers and values are normalised (`clean`): Unicode NFKC, invisible format characters
(zero-width space, BOM, bidi marks, soft hyphen) removed, outer spaces trimmed; headers and ids
are also case-folded for matching (`key`), so `E1`, `e1` and `E1` + a zero-width space are
one agent.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

SCAN: Final = 20  # how many leading rows may precede the header
DELIMITERS: Final = (",", ";", "\t")
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class TableError(ValueError):
    """A table that cannot be read; str() is one line naming the file (and row, field)."""


@dataclass(frozen=True)
class Layout:
    """A known header shape: role -> header aliases (any spelling `key` folds together)."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name} ({', '.join(self.columns[r][0] for r in self.required)})"


@dataclass(frozen=True)
class Record:
    row: int  # the line (file) or sheet row where the record starts, 1-based
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    source: str
    layout: Layout
    header_row: int
    columns: Mapping[str, int]  # role -> column index
    headers: Mapping[str, str]  # role -> header text as written (cleaned)
    records: tuple[Record, ...]  # data rows below the header; blank rows left out
    encoding: str = "utf-8"
    delimiter: str = ","
    warnings: tuple[str, ...] = field(default=())

    def has(self, role: str) -> bool:
        return role in self.columns

    def error(self, rec: Record, role: str, problem: str) -> TableError:
        return TableError(f"{self.source}: row {rec.row}: field '{self.headers[role]}': {problem}")

    def value(self, rec: Record, role: str, *, shown_only: bool = False) -> str:
        """The cleaned cell ("" for a column the layout lacks or a short row). A control
        character (NUL, ESC, a line break) in it is refused with the row and field.

        `shown_only`: text that is only ever shown (through domain/text.visible), never stored
        or sent, e.g. a Meet display name: kept as written but for the outer spaces."""
        col = self.columns.get(role)
        if col is None or col >= len(rec.cells):
            return ""
        if shown_only:
            return rec.cells[col].strip()
        text = clean(rec.cells[col])
        bad = _CONTROL.search(text)
        if bad is not None:
            raise self.error(
                rec, role, f"control character U+{ord(bad.group()):04X} (NUL, escape sequences"
                " and line breaks are not allowed in this field)",
            )  # fmt: skip
        return text


def clean(text: str) -> str:
    """NFKC, invisible format characters (Unicode category Cf) removed, outer spaces trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").strip()


def key(text: str) -> str:
    """For matching ids: `clean`, then case-folded."""
    return clean(text).casefold()


def header_key(text: str) -> str:
    """For matching headers: case, spaces and punctuation do not count (`# of Joins`)."""
    return re.sub(r"[\W_]+", "", key(text))


# ------------------------------------------------------------------------------ decoding
def decode(data: bytes, source: str) -> tuple[str, str, tuple[str, ...]]:
    """(text, encoding, warnings). Line endings are left as they are."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise TableError(f"{source}: the file is empty")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, enc, source), enc, ()
    bare = _utf16_without_bom(data)
    if bare is not None:
        return _strict(data, bare, source), bare, ()
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    text = _strict(data, "cp1252", source)
    return (
        text,
        "cp1252",
        (
            f"{source}: not UTF-8; read as Windows-1252 (cp1252), as Excel saves it: check accented"
            ' names (save as "CSV UTF-8" to be sure)',
        ),
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """Excel's "Unicode text" written without a BOM: every other byte of ASCII text is NUL."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        what = "neither UTF-8 nor Windows-1252" if encoding == "cp1252" else f"not {encoding}"
        raise TableError(
            f"{source}: line {line}: {what} text (byte {e.start}: 0x{data[e.start]:02x});"
            " save the file as CSV UTF-8"
        ) from None


# ------------------------------------------------------------------------------ parsing
def _records(text: str, delimiter: str, source: str, *, strict: bool = True) -> list[Record]:
    """Every record, with the line it starts on. csv errors become one line."""
    reader = csv.reader(
        io.StringIO(text), delimiter=delimiter, skipinitialspace=True, strict=strict
    )
    out: list[Record] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return out
        except csv.Error as e:
            message = str(e)
            if "field larger than field limit" in message:
                problem = (
                    f"a field is longer than {csv.field_size_limit():,} characters;"
                    " is this the right file?"
                )
            elif "unexpected end of data" in message:
                problem = 'a quote (") opens a field that is never closed'
            else:
                problem = f"malformed quoting ({message})"
            raise TableError(f"{source}: row {start}: {problem}") from None
        out.append(Record(start, tuple(cells)))


def _match(cells: Sequence[str], layouts: Sequence[Layout]) -> tuple[Layout, dict[str, int]] | None:
    keys = [header_key(c) for c in cells]
    for layout in layouts:
        found: dict[str, int] = {}
        for role, aliases in layout.columns.items():
            for alias in aliases:
                k = header_key(alias)
                if k in keys:
                    found[role] = keys.index(k)
                    break
        if all(r in found for r in layout.required):
            return layout, found
    return None


def _check_duplicates(rec: Record, columns: Mapping[str, int], source: str) -> None:
    keys = [header_key(c) for c in rec.cells]
    for col in columns.values():
        same = [i + 1 for i, k in enumerate(keys) if k == keys[col]]
        if len(same) > 1:
            raise TableError(
                f"{source}: row {rec.row}: header '{clean(rec.cells[col])}' appears"
                f" {len(same)} times (columns {', '.join(map(str, same))}); keep one"
            )


class NoHeader(TableError):
    """No known header in the first rows; carries what was found for the caller's message."""

    def __init__(self, source: str, row: int, found: tuple[str, ...], missing: tuple[str, ...]):
        self.source, self.row, self.found, self.missing = source, row, found, missing
        super().__init__(f"{source}: no known header row (found: {', '.join(found) or 'nothing'})")


def _no_header(source: str, records: Sequence[Record], layouts: Sequence[Layout]) -> NoHeader:
    first = next((r for r in records[:SCAN] if any(clean(c) for c in r.cells)), None)
    if first is None:
        return NoHeader(source, 1, (), layouts[0].required)
    found = tuple(clean(c) for c in first.cells if clean(c))
    keys = {header_key(c) for c in first.cells}

    def missing(layout: Layout) -> tuple[str, ...]:
        return tuple(
            r for r in layout.required
            if not any(header_key(a) in keys for a in layout.columns[r])
        )  # fmt: skip

    best = min(layouts, key=lambda lay: len(missing(lay)))
    return NoHeader(source, first.row, found, missing(best))


def _table(
    records: Sequence[Record],
    source: str,
    layouts: Sequence[Layout],
    encoding: str,
    delimiter: str,
    warnings: tuple[str, ...] = (),
) -> Table | None:
    for i, rec in enumerate(records[:SCAN]):
        hit = _match(rec.cells, layouts)
        if hit is None:
            continue
        layout, columns = hit
        _check_duplicates(rec, columns, source)
        body = tuple(r for r in records[i + 1 :] if any(clean(c) for c in r.cells))
        return Table(
            source=source,
            layout=layout,
            header_row=rec.row,
            columns=columns,
            headers={role: clean(rec.cells[col]) for role, col in columns.items()},
            records=body,
            encoding=encoding,
            delimiter=delimiter,
            warnings=warnings,
        )
    return None


def read_table(data: bytes, source: str, layouts: Sequence[Layout]) -> Table:
    """Decode, find the delimiter and the header row of one of `layouts`, parse every row."""
    text, encoding, warnings = decode(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = "\n".join(text.split("\n", SCAN * 3)[: SCAN * 3])
    best: tuple[int, str] | None = None  # (header row, delimiter): the earliest header wins
    widest: tuple[int, str] = (0, ",")
    for delimiter in DELIMITERS:
        try:
            sample = _records(head, delimiter, source, strict=False)
        except TableError:
            continue  # a field over the size limit: the full parse below names it
        width = max((len(r.cells) for r in sample), default=0)
        widest = max(widest, (width, delimiter), key=lambda w: w[0])
        hit = next((r.row for r in sample[:SCAN] if _match(r.cells, layouts)), None)
        if hit is not None and (best is None or hit < best[0]):
            best = (hit, delimiter)
    delimiter = best[1] if best else widest[1]
    records = _records(text, delimiter, source)
    table = _table(records, source, layouts, encoding, delimiter, warnings)
    if table is None:
        raise _no_header(source, records, layouts)
    return table


def read_rows(rows: Sequence[Sequence[object]], source: str, layouts: Sequence[Layout]) -> Table:
    """The same, from a Google Sheet tab's values (row i is sheet row i + 1)."""
    records = [
        Record(i + 1, tuple("" if c is None else str(c) for c in row)) for i, row in enumerate(rows)
    ]
    if not any(any(clean(c) for c in r.cells) for r in records):
        raise TableError(f"{source}: the tab is empty")
    table = _table(records, source, layouts, "sheet", "")
    if table is None:
        raise _no_header(source, records, layouts)
    return table


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))
