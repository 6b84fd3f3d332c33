"""A sync's write as `spreadsheets.batchUpdate` requests (pure: no gspread, no I/O).

Why this shape (issue 11): every TL writes the same tracker at about the same time, and PMs
sort and edit it. A row number computed from an earlier read is a guess, so:
- **new rows** go in `appendCells`: the server puts them after the last row with data *at the
  moment it applies the request*, so two TLs appending at once can never write the same row;
- **cells of existing rows** go in `updateCells` at the row where the read just before found
  their key (the engine then re-reads and repairs any row that moved in between);
- both travel in ONE `spreadsheets.batchUpdate`, which Google applies atomically (all or none);
- values are `userEnteredValue.stringValue`: literal text, never a formula, number or date.

A write bigger than about 2 MB is cut into several batches between requests (a row of a new
row is never cut: it is one appendCells row).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CellKey = tuple[str, str, str]  # (tab title, row key, header)
MAX_BATCH_BYTES = 2_000_000  # Google's recommended maximum request body


@dataclass(frozen=True)
class CellWrite:
    """One cell of an existing row: `row`/`col` as found by key in the read just before."""

    key: CellKey
    row: int
    col: int
    value: str


@dataclass(frozen=True)
class NewRow:
    """A row the sheet does not have yet: column -> text, and the cell keys it carries."""

    tab: str
    row_key: str
    cells: Mapping[int, str]
    keys: tuple[CellKey, ...]


@dataclass(frozen=True)
class Request:
    """One request of a batchUpdate, with the cells it writes and its JSON size."""

    body: dict[str, Any]
    keys: frozenset[CellKey]
    size: int
    appends: int = 0  # rows it appends


_WRAPPER = len(json.dumps({"requests": []}))


@dataclass
class Batch:
    requests: list[Request] = field(default_factory=list)
    size: int = _WRAPPER  # the exact JSON size of body()

    def body(self) -> dict[str, Any]:
        """A fresh body each call: gspread must never get a structure a retry would reuse."""
        body: dict[str, Any] = json.loads(json.dumps({"requests": [r.body for r in self.requests]}))
        return body

    @property
    def keys(self) -> frozenset[CellKey]:
        return frozenset().union(*(r.keys for r in self.requests))


def cell_data(value: str) -> dict[str, Any]:
    """Literal text; "" clears the cell (with fields=userEnteredValue an absent value clears)."""
    return {"userEnteredValue": {"stringValue": value}} if value != "" else {}


def _size(body: Mapping[str, Any]) -> int:
    return len(json.dumps(body))


def update_requests(sheet_ids: Mapping[str, int], writes: Iterable[CellWrite]) -> list[Request]:
    """One updateCells per run of adjacent columns of one row: cells between two of ours that
    are not ours are never in a request, so they are never touched."""
    by_row: dict[tuple[str, int], dict[int, CellWrite]] = {}
    for w in writes:
        by_row.setdefault((w.key[0], w.row), {})[w.col] = w
    out: list[Request] = []
    for (tab, row), cols in sorted(by_row.items()):
        for run in _runs(sorted(cols)):
            body = {
                "updateCells": {
                    "start": {"sheetId": sheet_ids[tab], "rowIndex": row, "columnIndex": run[0]},
                    "rows": [{"values": [cell_data(cols[c].value) for c in run]}],
                    "fields": "userEnteredValue",
                }
            }
            out.append(Request(body, frozenset(cols[c].key for c in run), _size(body)))
    return out


def append_requests(
    sheet_ids: Mapping[str, int], rows: Iterable[NewRow], max_bytes: int = MAX_BATCH_BYTES
) -> list[Request]:
    """One appendCells per tab (more when a tab's new rows pass `max_bytes`), rows in order."""
    by_tab: dict[str, list[NewRow]] = {}
    for r in rows:
        by_tab.setdefault(r.tab, []).append(r)
    out: list[Request] = []
    for tab, new in by_tab.items():
        chunk: list[NewRow] = []
        chunk_size = 0
        for r in new:
            row_json = {"values": [cell_data(r.cells.get(c, "")) for c in range(max(r.cells) + 1)]}
            size = _size(row_json) + 2
            if chunk and chunk_size + size > max_bytes - 200:
                out.append(_append(sheet_ids[tab], chunk))
                chunk, chunk_size = [], 0
            chunk.append(r)
            chunk_size += size
        if chunk:
            out.append(_append(sheet_ids[tab], chunk))
    return out


def _append(sheet_id: int, rows: list[NewRow]) -> Request:
    body = {
        "appendCells": {
            "sheetId": sheet_id,
            "rows": [
                {"values": [cell_data(r.cells.get(c, "")) for c in range(max(r.cells) + 1)]}
                for r in rows
            ],
            "fields": "userEnteredValue",
        }
    }
    keys = frozenset(k for r in rows for k in r.keys)
    return Request(body, keys, _size(body), appends=len(rows))


def batches(requests: Iterable[Request], max_bytes: int = MAX_BATCH_BYTES) -> list[Batch]:
    """Pack requests in order into batches of at most `max_bytes` of JSON (a single request
    bigger than that still goes, alone)."""
    out: list[Batch] = []
    current = Batch()
    for r in requests:
        sep = 2 if current.requests else 0  # ", " between requests
        if current.requests and current.size + sep + r.size > max_bytes:
            out.append(current)
            current, sep = Batch(), 0
        current.requests.append(r)
        current.size += sep + r.size
    if current.requests:
        out.append(current)
    return out


def _runs(cols: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for c in cols:
        if runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs
