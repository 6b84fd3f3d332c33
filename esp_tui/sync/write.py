"""Send a plan, then make sure every cell landed on its own row: verify, repair, converge.

Between our read and our write a PM may sort the tracker, insert or delete rows, and other TLs
append theirs. The Sheets API has no conditional write, so after writing we read the tabs again
(the same read a rerun would do) and check that each row we addressed by position still holds
the key we found there. Where it does not:
- if our value landed on another row, that cell gets back the value the read before found for
  that row's key (or is cleared when the row was empty);
- the plan is made again against the new read, so our value goes to its agent's row wherever
  it is now, and a row a PM deleted is appended again.
A write whose outcome is unknown (5xx, dropped connection, timeout) is never resent as is: the
same read-and-replan decides what is still missing, so an applied append is not appended twice.
Pure of I/O: the engine passes in how to send a batch and how to read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from esp_tui.sync.layout import TabGrid, row_key_norm
from esp_tui.sync.plan import Plan
from esp_tui.sync.requests import (
    MAX_BATCH_BYTES,
    Batch,
    CellKey,
    CellWrite,
    append_requests,
    batches,
    update_requests,
)
from esp_tui.sync.transport import SheetsError, WriteOutcomeUnknown

MAX_ROUNDS = 4  # write + verify rounds; a sheet still moving after that is reported


class SheetKeptMoving(SheetsError):
    """Rows kept moving under the sync for MAX_ROUNDS rounds."""


@dataclass
class WriteOutcome:
    final: Plan  # the plan made after the last verify read: what to record locally
    batches: int = 0  # batchUpdate requests sent
    rounds: int = 0
    rewritten: int = 0  # cells sent again after the first round (moved rows, unknown outcome)
    restored: int = 0  # cells of other rows given back their value
    moved: list[str] = field(default_factory=list)  # one line per row found moved
    unknown: int = 0  # writes whose answer was lost


def plan_requests(
    plan: Plan, sheet_ids: Mapping[str, int], max_bytes: int = MAX_BATCH_BYTES
) -> list[Batch]:
    reqs = update_requests(sheet_ids, plan.writes)
    reqs += append_requests(sheet_ids, plan.appends, max_bytes)
    return batches(reqs, max_bytes)


def write_verified(
    plan: Plan,
    grids: Mapping[str, TabGrid],
    *,
    sheet_ids: Mapping[str, int],
    send: Callable[[Batch, str], None],
    read: Callable[[], dict[str, TabGrid]],
    replan: Callable[[Mapping[str, TabGrid]], Plan],
    max_bytes: int = MAX_BATCH_BYTES,
    progress: Callable[[float, str], None] = lambda f, s: None,
) -> WriteOutcome:
    out = WriteOutcome(plan)
    current = plan
    # Cells of other rows that received one of our values by mistake: (tab, their key, header)
    # -> (our value, their own value). Kept across rounds until the sheet shows their own value
    # again: a restore that itself lands on a moving row is retried, never forgotten.
    strays: dict[CellKey, tuple[str, str]] = {}
    before = grids
    while current.has_writes:
        out.rounds += 1
        if out.rounds > MAX_ROUNDS:
            raise SheetKeptMoving(
                f"rows kept moving in the sheet during {MAX_ROUNDS} write rounds (a PM sorting "
                "or deleting rows?); nothing was recorded: sync again in a minute"
            )
        if out.rounds > 1:
            out.rewritten += current.cells_written
        parts = plan_requests(current, sheet_ids, max_bytes)
        for i, batch in enumerate(parts, start=1):
            part = f" (batch {i} of {len(parts)})" if len(parts) > 1 else ""
            label = "writing to the sheet" + part
            progress(0.6 + 0.2 * (i - 1) / len(parts), label)
            try:
                send(batch, label)
            except WriteOutcomeUnknown:
                out.unknown += 1
                break  # re-read and re-plan: never resend blindly
            out.batches += 1
        progress(0.85, "checking every row landed where it belongs")
        after = read()
        out.moved += misplaced(current, before, after, strays)
        restores = settle(strays, after)
        out.restored += len(restores)
        nxt = replan(after)
        taken = {(w.key[0], w.row, w.col) for w in nxt.writes}
        extra = [w for w in restores if (w.key[0], w.row, w.col) not in taken]
        nxt.writes[:0] = extra
        for w in extra:
            nxt.row_keys[(w.key[0], w.row)] = w.key[1]
        current, before = nxt, after
    out.final = current
    return out


def misplaced(
    sent: Plan,
    before: Mapping[str, TabGrid],
    after: Mapping[str, TabGrid],
    strays: dict[CellKey, tuple[str, str]],
) -> list[str]:
    """Check every cell of `sent` against the row it was addressed to. A cell written to a row
    that no longer held the expected key, and that now shows our value, is added to `strays`
    with the value the read before found for that row's key (a keyless row: cleared). Returns
    one line per moved row."""
    lines: dict[tuple[str, int], str] = {}
    for w in sent.writes:
        tab, row, col = w.key[0], w.row, w.col
        expected = sent.row_keys.get((tab, row), w.key[1])
        grid = after[tab]
        found = grid.key_at(row)
        if row_key_norm(found) == row_key_norm(expected):
            # landed on its own row: whatever stray was noted for this cell is superseded
            strays.pop((tab, row_key_norm(expected), w.key[2]), None)
            continue
        lines.setdefault(
            (tab, row),
            f"{tab}: row {row + 1} held {expected!r} when read but {found or 'nothing'!r} when "
            "written (rows sorted, inserted or deleted meanwhile): repaired",
        )
        if grid.get(row, col) != w.value:
            continue  # our value moved with its row: nothing landed on another row
        old = before[tab]
        old_row = old.all_rows.get(row_key_norm(found)) if found else None
        was = old.get(old_row, col) if old_row is not None else ""
        header = w.key[2]
        if found:
            key = (tab, row_key_norm(found), header)
            known = strays.get(key)
            if was != w.value:
                # an earlier stray on that cell keeps its own value: that is what to restore
                strays[key] = (w.value, known[1] if known else was)
        elif was != w.value:
            _patch(grid, row, col, was)  # a keyless row: clear it where it is now
            strays[(tab, f"\x00row{row}", header)] = (w.value, was)
    return list(lines.values())


def settle(strays: dict[CellKey, tuple[str, str]], after: Mapping[str, TabGrid]) -> list[CellWrite]:
    """Restores for the strays still showing our value (and `after` patched as if restored);
    strays showing their own value again, or changed by someone since, are done."""
    restores: list[CellWrite] = []
    for key, (ours, own) in list(strays.items()):
        tab, row_key, header = key
        grid = after[tab]
        col = grid.columns.get(header)
        if row_key.startswith("\x00row"):
            row = int(row_key.removeprefix("\x00row"))
            del strays[key]  # keyless: restored by position once, cannot be followed further
            if col is not None and grid.get(row, col) == own:
                restores.append(CellWrite((tab, "", header), row, col, own))
            continue
        at = grid.all_rows.get(row_key)
        if at is None or col is None or grid.get(at, col) != ours:
            del strays[key]  # restored, deleted, or edited by someone since: not ours to touch
            continue
        restores.append(CellWrite(key, at, col, own))
        _patch(grid, at, col, own)
    return restores


def _patch(grid: TabGrid, row: int, col: int, value: str) -> None:
    while len(grid.values) <= row:
        grid.values.append([])
    cells = grid.values[row]
    while len(cells) <= col:
        cells.append("")
    cells[col] = value
