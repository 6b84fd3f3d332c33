"""Google's limits, checked before anything is sent.

Per cell: 50,000 characters (esp_tui/domain/limits.py). Google refuses a write holding a longer
cell with HTTP 400, and the write is one atomic batch, so the sync checks every cell it would
hold before the first request and names each one that is over (agent, day, column). Per
request: Google recommends at most 2 MB of body; plan.Plan.batches splits a bigger write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from esp_tui.config import Config
from esp_tui.domain.limits import SHEETS_CELL_LIMIT
from esp_tui.sync.layout import attendance_header, note_header
from esp_tui.sync.plan import DesiredTab
from esp_tui.sync.transport import SheetsError


@dataclass(frozen=True)
class LongCell:
    """One cell over the limit: where it is, whose it is, how long it is."""

    tab: str
    row_key: str
    header: str
    length: int
    agent_id: str
    name: str
    day: int | None
    tracker: bool

    def where(self) -> str:
        name = self.name if len(self.name) <= 40 else self.name[:39] + "…"
        who = f"agent {self.agent_id[:40]}" + (f" ({name})" if name else "")
        if not self.tracker:  # a ticket or red-flag row: name the row too
            who = f"{self.tab!r} row {self.row_key} ({who})"
        day = f", day {self.day}" if self.day is not None else ""
        return f"{who}{day}, column {self.header!r}: {self.length:,} characters"

    def to_json(self) -> dict[str, object]:
        return {
            "tab": self.tab,
            "row_key": self.row_key,
            "agent_id": self.agent_id,
            "day": self.day,
            "header": self.header,
            "length": self.length,
        }


class CellsOverLimit(SheetsError, ValueError):
    """Cells longer than Google accepts: nothing was sent (bad input, not a sheet failure)."""

    def __init__(self, cells: list[LongCell]) -> None:
        self.cells = list(cells)
        n = len(self.cells)
        head = f"{n} cell{'s are' if n != 1 else ' is'} over Google Sheets' limit of "
        super().__init__(
            f"{head}{SHEETS_CELL_LIMIT:,} characters per cell, so nothing was sent: "
            + "; ".join(c.where() for c in self.cells)
            + f". Shorten {'them' if n != 1 else 'it'} (a note: n on the roster or"
            " `esp-tui note AGENT_ID TEXT --day N`)"
            " and sync again"
        )


def long_cells(desired: Mapping[str, DesiredTab], config: Config, days: int) -> list[LongCell]:
    """Every desired cell over the per-cell limit, in tab, row and column order."""
    h = config.sheet.headers
    day_of = {attendance_header(config, d): d for d in range(1, days + 1)}
    day_of.update({note_header(config, d): d for d in range(1, days + 1)})
    out: list[LongCell] = []
    for title, tab in desired.items():
        tracker = title == config.sheet.tracker_tab
        for row_key, cells in tab.rows.items():
            for header, text in cells.items():
                if len(text) <= SHEETS_CELL_LIMIT:
                    continue
                agent = row_key if tracker else cells.get(h.agent_id, "")
                name = cells.get(h.name) or cells.get("Name", "")
                out.append(
                    LongCell(
                        title,
                        row_key,
                        header,
                        len(text),
                        agent,
                        name,
                        day_of.get(header) if tracker else None,
                        tracker,
                    )
                )
    return out


def check_cells(desired: Mapping[str, DesiredTab], config: Config, days: int) -> None:
    """Raise CellsOverLimit naming every cell Google would refuse; return when all fit."""
    over = long_cells(desired, config, days)
    if over:
        raise CellsOverLimit(over)
