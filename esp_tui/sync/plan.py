"""The sync plan, per cell: desired (SQLite) vs current (the sheet) vs base (last agreed).

Pure (no I/O). The rule, DESIGN.md §5:
- desired == current → skip (in sync);
- the TL already chose keep-sheet for exactly this pair (current == base value and desired ==
  base local) → skip;
- current is empty or equals the base value (nobody touched it since we agreed) → write;
- else the sheet was edited and we differ → conflict: never overwritten, unless the TL resolves
  it (keep-local writes ours, keep-sheet records the sheet's value as agreed).
New rows go below the tab's last used row by explicit ranges; the write is one batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from esp_tui.sync.layout import TabGrid, TabLayout, a1_range

CellKey = tuple[str, str, str]  # (tab title, row key, header)
Base = tuple[str, str]  # (sheet value as last agreed, our value it was agreed against)
Choice = Literal["keep-sheet", "keep-local"]
CHOICES: tuple[Choice, ...] = ("keep-sheet", "keep-local")
Action = Literal["skip", "write", "conflict", "keep-sheet"]
# Google recommends at most 2 MB of body per Sheets API request; a bigger write is split.
MAX_BATCH_BYTES = 2_000_000
Ranges = list[tuple[str, list[list[str | None]]]]


@dataclass(frozen=True)
class DesiredTab:
    """What SQLite says a tab should hold: row key -> header -> text ("" = empty)."""

    layout: TabLayout
    rows: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Resolution:
    """The TL's answer to one conflict, valid only while the sheet still shows `sheet_value`."""

    choice: Choice
    sheet_value: str


@dataclass(frozen=True)
class Conflict:
    tab: str
    row_key: str
    header: str
    local: str
    sheet: str
    base: str | None

    @property
    def key(self) -> CellKey:
        return (self.tab, self.row_key, self.header)

    def to_json(self) -> dict[str, str | None]:
        return {
            "tab": self.tab,
            "row_key": self.row_key,
            "header": self.header,
            "local": self.local,
            "sheet": self.sheet,
            "last_pushed": self.base,
        }


@dataclass(frozen=True)
class CellWrite:
    key: CellKey
    row: int
    col: int
    value: str


@dataclass
class Plan:
    writes: list[CellWrite] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: int = 0
    resolved: int = 0
    new_rows: dict[str, list[str]] = field(default_factory=dict)
    grow: dict[str, int] = field(default_factory=dict)  # tab -> row count the grid needs
    # After the write lands: CellKey -> new base (None drops it).
    snapshot: dict[CellKey, Base | None] = field(default_factory=dict)
    duplicate_keys: dict[str, list[str]] = field(default_factory=dict)
    key_headers: dict[str, str] = field(default_factory=dict)  # tab -> its key column

    @property
    def cells_written(self) -> int:
        return len(self.writes)

    @property
    def rows_appended(self) -> int:
        return sum(len(v) for v in self.new_rows.values())

    def summary(self) -> str:
        return (
            f"{self.cells_written} cells to write ({self.rows_appended} new rows), "
            f"{len(self.conflicts)} conflicts, {self.skipped} unchanged"
        )

    def data(self) -> list[tuple[str, list[list[str | None]]]]:
        """The batch's ranges: one rectangle per run of consecutive rows of a tab, with None
        (the API's "leave this cell alone") in the cells we do not own."""
        by_tab: dict[str, dict[int, dict[int, str]]] = {}
        for w in self.writes:
            by_tab.setdefault(w.key[0], {}).setdefault(w.row, {})[w.col] = w.value
        out: list[tuple[str, list[list[str | None]]]] = []
        for tab, rows in by_tab.items():
            for block in _runs(sorted(rows)):
                c0 = min(min(rows[r]) for r in block)
                c1 = max(max(rows[r]) for r in block)
                values = [[rows[r].get(c) for c in range(c0, c1 + 1)] for r in block]
                out.append((a1_range(tab, block[0], c0, block[-1], c1), values))
        return out

    def batches(self, max_bytes: int = MAX_BATCH_BYTES) -> list[Batch]:
        """The write as values.batchUpdate bodies of at most `max_bytes` each (as JSON, the
        way requests encodes it), so a big write costs about one request per 2 MB.

        Ranges are those of data(), cut between rows when a batch is full; a row too big for
        one batch on its own goes cell by cell, its key cell first (a row written in part is
        still found by its key on the next read). One batch = exactly data() when it fits.
        """
        by_tab: dict[str, dict[int, dict[int, CellWrite]]] = {}
        for w in self.writes:
            by_tab.setdefault(w.key[0], {}).setdefault(w.row, {})[w.col] = w
        out = _Batcher(max_bytes)
        for tab, rows in by_tab.items():
            for block in _runs(sorted(rows)):
                c0 = min(min(rows[r]) for r in block)
                c1 = max(max(rows[r]) for r in block)
                rect = _Rect(tab, c0, c1)
                for r in block:
                    values = [_value(rows[r].get(c)) for c in range(c0, c1 + 1)]
                    row_len = _json_len(values)
                    if out.fits(rect.size_with(r, row_len)):
                        rect.take(r, values, rows[r], row_len)
                        continue
                    out.add(rect)  # close this rectangle (if any), then a fresh batch
                    out.flush()
                    rect = _Rect(tab, c0, c1)
                    if out.fits(rect.size_with(r, row_len)):
                        rect.take(r, values, rows[r], row_len)
                        continue
                    key = self.key_headers.get(tab)
                    for c in sorted(rows[r], key=lambda c: rows[r][c].key[2] != key):
                        one = _Rect(tab, c, c)
                        cell = [rows[r][c].value]
                        if not out.fits(one.size_with(r, _json_len(cell))):
                            out.flush()
                        one.take(r, cell, {c: rows[r][c]}, _json_len(cell))
                        out.add(one)
                out.add(rect)
        return out.done()


@dataclass(frozen=True)
class Batch:
    """One values.batchUpdate: its ranges, the cells it writes, its body size in bytes."""

    data: Ranges
    keys: frozenset[CellKey]
    size: int


def _value(w: CellWrite | None) -> str | None:
    return None if w is None else w.value


def _json_len(value: object) -> int:
    return len(json.dumps(value))  # requests' encoding: ensure_ascii, ", " and ": "


_BODY = _json_len({"valueInputOption": "RAW", "data": []})


class _Rect:
    """A range being filled row by row, its JSON size kept as it grows (never re-encoded)."""

    def __init__(self, tab: str, c0: int, c1: int) -> None:
        self.tab, self.c0, self.c1 = tab, c0, c1
        self.r0: int | None = None
        self.r1 = -1
        self.values: list[list[str | None]] = []
        self.keys: list[CellKey] = []
        self.rows_len = 0  # the rows' JSON, with their ", " separators

    def range(self, r1: int) -> str:
        return a1_range(self.tab, r1 if self.r0 is None else self.r0, self.c0, r1, self.c1)

    def size_with(self, r: int, row_len: int) -> int:
        """The entry's JSON size with row `r` added ("[]" grows by the rows and their ", ")."""
        rows = self.rows_len + row_len + (2 if self.values else 0)
        empty = _json_len({"range": self.range(r), "majorDimension": "ROWS", "values": []})
        return empty + rows

    def take(
        self, r: int, values: list[str | None], cells: Mapping[int, CellWrite], row_len: int
    ) -> None:
        self.rows_len += row_len + (2 if self.values else 0)
        self.r0 = r if self.r0 is None else self.r0
        self.r1 = r
        self.values.append(values)
        self.keys.extend(w.key for c, w in cells.items() if self.c0 <= c <= self.c1)

    def size(self) -> int:
        empty = _json_len({"range": self.range(self.r1), "majorDimension": "ROWS", "values": []})
        return empty + self.rows_len


class _Batcher:
    """Packs ranges into batches by exact JSON size (raw_values_body's shape)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.batches: list[Batch] = []
        self.data: Ranges = []
        self.keys: set[CellKey] = set()
        self.size = _BODY

    def fits(self, entry_len: int) -> bool:
        return self.size + entry_len + (2 if self.data else 0) <= self.max_bytes

    def add(self, rect: _Rect) -> None:
        if not rect.values:
            return
        self.size += rect.size() + (2 if self.data else 0)
        self.data.append((rect.range(rect.r1), rect.values))
        self.keys.update(rect.keys)

    def flush(self) -> None:
        if self.data:
            self.batches.append(Batch(self.data, frozenset(self.keys), self.size))
            self.data, self.keys, self.size = [], set(), _BODY

    def done(self) -> list[Batch]:
        self.flush()
        return self.batches


def _runs(rows: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for r in rows:
        if runs and runs[-1][-1] == r - 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def decide(
    desired: str, current: str, base: Base | None, resolution: Resolution | None = None
) -> tuple[Action, Base | None]:
    """One cell: what to do and the base to record once the write landed."""
    if desired == current:
        return "skip", (current, desired) if current or base else None
    if base is not None and current == base[0] and desired == base[1]:
        return "skip", base
    if current == "" or (base is not None and current == base[0]):
        return "write", (desired, desired)
    if resolution is not None and resolution.sheet_value == current:
        if resolution.choice == "keep-local":
            return "write", (desired, desired)
        return "keep-sheet", (current, desired)
    return "conflict", base


def plan_sync(
    desired: Mapping[str, DesiredTab],
    grids: Mapping[str, TabGrid],
    snapshot: Mapping[CellKey, Base],
    *,
    resolutions: Mapping[CellKey, Resolution] | None = None,
    resolve_all: Choice | None = None,
) -> Plan:
    """Plan every owned cell of every desired tab. `resolve_all` answers every conflict of
    this run; `resolutions` answer single cells (the screen's per-cell choice)."""
    plan = Plan()
    owned_by_row: dict[tuple[str, str], set[str]] = {}
    for tab, row_key, header in snapshot:
        owned_by_row.setdefault((tab, row_key), set()).add(header)
    for tab, want in desired.items():
        grid = grids[tab]
        plan.key_headers[tab] = want.layout.key_header
        if grid.duplicate_keys:
            plan.duplicate_keys[tab] = list(grid.duplicate_keys)
        next_row = max(grid.last_used_row, grid.header_row) + 1
        for row_key, cells in want.rows.items():
            row = grid.rows.get(row_key)
            if row is None:
                row = next_row
                next_row += 1
                plan.new_rows.setdefault(tab, []).append(row_key)
            cells = {**cells, want.layout.key_header: row_key}  # the key is always ours
            # Cells we pushed before and no longer have a value for: desired is now empty.
            headers = list(cells) + sorted(owned_by_row.get((tab, row_key), set()) - set(cells))
            for header in headers:
                col = grid.columns.get(header)
                if col is None:  # a header the layout no longer has (config changed)
                    continue
                key = (tab, row_key, header)
                res = (resolutions or {}).get(key)
                current = grid.get(row, col)
                if res is None and resolve_all is not None:
                    res = Resolution(resolve_all, current)
                action, base = decide(cells.get(header, ""), current, snapshot.get(key), res)
                _apply(plan, action, key, row, col, cells.get(header, ""), current, snapshot, base)
                if (
                    res is not None
                    and action in ("write", "keep-sheet")
                    and _was_conflict(cells.get(header, ""), current, snapshot.get(key))
                ):
                    plan.resolved += 1
        if next_row > grid.grid_rows:
            plan.grow[tab] = next_row
    return plan


def _was_conflict(desired: str, current: str, base: Base | None) -> bool:
    return decide(desired, current, base)[0] == "conflict"


def _apply(
    plan: Plan,
    action: Action,
    key: CellKey,
    row: int,
    col: int,
    desired: str,
    current: str,
    snapshot: Mapping[CellKey, Base],
    base: Base | None,
) -> None:
    if action == "write":
        plan.writes.append(CellWrite(key, row, col, desired))
    elif action == "conflict":
        old = snapshot.get(key)
        plan.conflicts.append(Conflict(key[0], key[1], key[2], desired, current, old and old[0]))
        return
    else:
        plan.skipped += action == "skip"
    if base != snapshot.get(key):
        plan.snapshot[key] = base
