"""The sync plan, per cell: desired (SQLite) vs current (the sheet) vs base (last agreed).

Pure (no I/O). The rule, DESIGN.md §5:
- desired == current → skip (in sync);
- the TL already chose keep-sheet for exactly this pair (current == base value and desired ==
  base local) → skip;
- current is empty or equals the base value (nobody touched it since we agreed) → write;
- else the sheet was edited and we differ → conflict: never overwritten, unless the TL resolves
  it (keep-local writes ours, keep-sheet records the sheet's value as agreed).
Rows are found by key, matched case- and space-insensitively (`row_key_norm`). A key found
on two rows is a listed problem and neither row is written. Rows the sheet does not have become
NewRow appends: the server places them (requests.py), never a row number guessed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from esp_tui.sync.layout import TabGrid, TabLayout, row_key_norm
from esp_tui.sync.requests import CellWrite, NewRow

CellKey = tuple[str, str, str]  # (tab title, row key, header)
Base = tuple[str, str]  # (sheet value as last agreed, our value it was agreed against)
Choice = Literal["keep-sheet", "keep-local"]
CHOICES: tuple[Choice, ...] = ("keep-sheet", "keep-local")
Action = Literal["skip", "write", "conflict", "keep-sheet"]


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


@dataclass
class Plan:
    writes: list[CellWrite] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: int = 0
    resolved: int = 0
    appends: list[NewRow] = field(default_factory=list)
    # After the write lands: CellKey -> new base (None drops it).
    snapshot: dict[CellKey, Base | None] = field(default_factory=dict)
    duplicate_keys: dict[str, list[str]] = field(default_factory=dict)  # tab -> keys
    # where each written existing row was: (tab, row) -> its key as the read found it
    row_keys: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """Rows the sync refused to touch, one line each (a key on two rows of the sheet)."""
        return [
            f"{tab}: {key!r} is on more than one row; nothing was written to those rows: "
            "delete or re-key the copy in the sheet"
            for tab, keys in self.duplicate_keys.items()
            for key in keys
        ]

    @property
    def cells_written(self) -> int:
        return len(self.writes) + sum(len(r.keys) for r in self.appends)

    @property
    def rows_appended(self) -> int:
        return len(self.appends)

    @property
    def new_rows(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.appends:
            out.setdefault(r.tab, []).append(r.row_key)
        return out

    @property
    def has_writes(self) -> bool:
        return bool(self.writes or self.appends)

    def summary(self) -> str:
        return (
            f"{self.cells_written} cells to write ({self.rows_appended} new rows), "
            f"{len(self.conflicts)} conflicts, {self.skipped} unchanged"
        )


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
        key_header = want.layout.key_header
        dupes = set(grid.duplicate_keys)
        for row_key, cells in want.rows.items():
            norm = row_key_norm(row_key)
            if norm in dupes:
                plan.duplicate_keys.setdefault(tab, []).append(row_key)
                continue
            row = grid.rows.get(norm)
            cells = {**cells, key_header: row_key}  # the key is always ours
            # Cells we pushed before and no longer have a value for: desired is now empty.
            headers = list(cells) + sorted(owned_by_row.get((tab, row_key), set()) - set(cells))
            new: dict[int, str] = {}
            new_keys: list[CellKey] = []
            for header in headers:
                col = grid.columns.get(header)
                if col is None:  # a header the layout no longer has (config changed)
                    continue
                key = (tab, row_key, header)
                value = cells.get(header, "")
                current = grid.get(row, col) if row is not None else ""
                if header == key_header and row is not None:
                    # found by its key, however the sheet spells it: never rewritten
                    plan.skipped += 1
                    if snapshot.get(key) != (current, value):
                        plan.snapshot[key] = (current, value)
                    continue
                res = (resolutions or {}).get(key)
                if res is None and resolve_all is not None:
                    res = Resolution(resolve_all, current)
                action, base = decide(value, current, snapshot.get(key), res)
                if row is None:
                    if action == "write":
                        new[col] = value
                        new_keys.append(key)
                    else:
                        plan.skipped += action == "skip"
                    if base != snapshot.get(key):
                        plan.snapshot[key] = base
                    continue
                _apply(plan, action, key, row, col, value, current, snapshot, base)
                if action == "write":
                    plan.row_keys[(tab, row)] = grid.expected_key(row_key)
                if (
                    res is not None
                    and action in ("write", "keep-sheet")
                    and _was_conflict(value, current, snapshot.get(key))
                ):
                    plan.resolved += 1
            if row is None and new:
                plan.appends.append(NewRow(tab, row_key, new, tuple(new_keys)))
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
