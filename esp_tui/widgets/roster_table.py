"""The roster grid: a DataTable that repaints one row per stamp.

The ONE module that relies on Textual internals for speed (textual 8.2.x, pinned in
constraints.txt): `DataTable._update_dimensions`, `_data`, `_row_locations`, `_update_count` and
`Widget._refresh_region`. tests/test_roster_table.py checks they are still there with the
signatures used here, and that a repaint after `update_row_cells` shows the new value: a Textual
upgrade that moves them fails that test first, loudly, instead of a stale roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class RosterTable(DataTable):
    """The roster grid (row keys = agent ids); j/k move like the arrows, enter opens the agent
    (the screen opens it on `RowSelected`, as for a click)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="roster_down"),
        Binding("k", "cursor_up", "Up", show=False, id="roster_up"),
        Binding(
            "enter",
            "open_agent",
            "Agent",
            id="open_agent",
            tooltip="Open the agent screen",
            show=False,
        ),
    ]

    def action_open_agent(self) -> None:
        self.action_select_cursor()  # posts RowSelected for the row under the cursor

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring cells nobody reads.

        The base class measures every new cell to size auto-width columns; every roster column
        has a fixed width, so at 500 agents that was ~4500 wasted measures at startup. Rows
        with a label or an auto height still go through it (it renders those to size them).
        """
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        rows = self.rows
        needed = [
            key
            for key in new_rows
            if (row := rows.get(key)) is not None and (row.label is not None or row.auto_height)
        ]
        super()._update_dimensions(needed)  # also sets the virtual size

    def update_row_cells(self, row_key: str, cells: Mapping[str, str | Text]) -> None:
        """Set some cells of one row and repaint only that row.

        `DataTable.update_cell` refreshes the whole widget, so every visible row re-renders:
        at 500 agents that was most of a stamp's cost. Same bookkeeping as update_cell,
        narrower refresh.
        """
        if row_key not in self._row_locations:
            raise CellDoesNotExist(f"no row {row_key!r}")
        row = self._data[RowKey(row_key)]
        for column_key, value in cells.items():
            row[ColumnKey(column_key)] = value
        self._update_count += 1  # invalidates the render caches, as update_cell does
        # refresh_row() would sum the heights of every row above (O(n)); roster rows are
        # one line each, so the row's line is its index below the header.
        y = self.get_row_index(row_key) + (self.header_height if self.show_header else 0)
        width = max(self.size.width, self.virtual_size.width)
        self._refresh_region(Region(0, y, width, 1))
