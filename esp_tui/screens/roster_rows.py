"""The roster's rows: what it holds for the viewed day and how it paints them into its widgets.

`RosterRows` is the base of the roster screen (esp_tui/screens/roster.py, which composes the
widgets) and of its two action mixins (roster_actions.py, roster_launchers.py). Rows come from
`esp_tui.services.roster_view`; a stamp repaints only the cells of its row that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Input, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

from esp_tui.screens.base import EspScreen
from esp_tui.services import attendance as svc
from esp_tui.services import roster_view as view
from esp_tui.widgets.plain import plain
from esp_tui.widgets.roster_cells import (
    COLUMNS,
    EMPTY_STATE,
    empty_cohort_text,
    fitted_widths,
    note_width,
    render_cells,
    same_cell,
)
from esp_tui.widgets.roster_table import RosterTable

if TYPE_CHECKING:
    from esp_tui.domain.models import Cohort
    from esp_tui.services.roster_view import RosterRow

BULK_RELOAD = 20  # above this many rows, one reload beats row-by-row repaints
# Rows added before the first paint: more than any terminal shows. The rest of a big roster is
# added right after that paint, so 500 agents cost the TL no longer wait than one screenful.
FIRST_PAINT_ROWS = 80


class RosterRows(EspScreen[None]):
    """The rows of the viewed day and their painting (the roster screen builds on it)."""

    def __init__(self) -> None:
        super().__init__()
        self.day: int = 1  # the viewed cohort day
        self.rows: dict[str, RosterRow] = {}  # every active agent, filter or not
        self.filter_text: str = ""
        self.undo_stack: list[svc.Action] = []  # this run's actions, newest last
        self.marked: set[str] = set()  # rows marked with space: `n` notes them all
        self.note_width = note_width(0)  # the Note column's width (wide terminals: words)
        self.where_width = fitted_widths(())["where"]  # fits the room names in use
        self._painted: dict[str, dict[str, str | Text]] = {}  # rows in the table, as drawn
        self._shown: list[str] = []  # the agents the filter lets through, in roster order
        self._fill_generation = 0  # a newer rebuild drops an older one's pending rows
        self._day_over_at_load = False

    @property
    def cohort(self) -> Cohort | None:
        return self.esp.cohort

    # -- reading ------------------------------------------------------------------------------
    def selected_agent_id(self) -> str | None:
        """The agent under the cursor (None on an empty roster)."""
        table = self.query_one(RosterTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    def selected_row(self) -> RosterRow | None:
        agent_id = self.selected_agent_id()
        return self.rows.get(agent_id) if agent_id else None

    def shown_ids(self) -> list[str]:
        """The agents the filter lets through, in roster order (added to the table or not yet)."""
        return list(self._shown)

    # -- painting -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild every row from the database (start, day switch, bulk actions)."""
        cohort = self.cohort
        rows: list[RosterRow] = []
        if cohort is not None:
            now = self.esp.now()
            rows = view.roster_rows(self.esp.db, self.esp.config, cohort, self.day, now)
            self._day_over_at_load = svc.is_day_over(cohort, self.day, now)
        self.rows = {r.agent_id: r for r in rows}
        self._rebuild_table()
        empty = not rows
        self.query_one(RosterTable).display = not empty
        self.query_one("#daybar", Static).display = not empty
        empty_box = self.query_one("#empty", Static)
        empty_box.display = empty
        if empty:
            empty_box.update(EMPTY_STATE if cohort is None else empty_cohort_text(cohort))
        if not empty and not self.query_one("#filter", Input).has_focus:
            self.query_one(RosterTable).focus()

    def _rebuild_table(self) -> None:
        table = self.query_one(RosterTable)
        keep = self.selected_agent_id()
        table.clear()
        self._fit_where()
        self._painted.clear()
        self._fill_generation += 1
        self._shown = [r.agent_id for r in self.rows.values() if r.matches(self.filter_text)]
        self._add_rows(self._shown[:FIRST_PAINT_ROWS], keep)
        if len(self._shown) > FIRST_PAINT_ROWS:
            rest = self._shown[FIRST_PAINT_ROWS:]
            self.call_after_refresh(self._add_rest, self._fill_generation, rest, keep)
        self._update_day_bar()

    def _add_rest(self, generation: int, agent_ids: list[str], keep: str | None) -> None:
        if generation == self._fill_generation:  # else a newer rebuild has replaced the rows
            self._add_rows(agent_ids, keep)

    def _add_rows(self, agent_ids: list[str], keep: str | None) -> None:
        """Append rows as they are now (a stamp between two batches is already in `rows`)."""
        table = self.query_one(RosterTable)
        for agent_id in agent_ids:
            cells = self._cells(self.rows[agent_id])
            self._painted[agent_id] = cells
            table.add_row(*(cells[k] for k, _, _ in COLUMNS), key=agent_id)
        if keep is not None and keep in agent_ids:
            table.move_cursor(row=table.get_row_index(keep), animate=False)

    def refresh_rows(self, agent_ids: Iterable[str]) -> None:
        """Recompute whole rows (every column) for these agents: what another screen wrote."""
        cohort = self.cohort
        if cohort is None:
            return
        now = self.esp.now()
        for agent_id in agent_ids:
            if agent_id in self.rows:
                row = view.roster_row(self.esp.db, self.esp.config, cohort, self.day, now, agent_id)
                self.rows[agent_id] = row
                self._paint(row)
        if self._fit_where():  # a room name in use got longer or shorter: resize, repaint
            self._rebuild_table()
        self._update_day_bar()

    def _fit_where(self) -> bool:
        """Size the Agent and Where columns to the room names in use now (fitted_widths: a
        room name is never cut to "AHIP he"); True when a width changed."""
        table = self.query_one(RosterTable)
        widths = fitted_widths(r.where for r in self.rows.values() if r.where)
        self.where_width = widths["where"]
        changed = False
        for key, width in widths.items():
            column = table.columns.get(ColumnKey(key))
            if column is not None and column.width != width:
                column.width = width
                changed = True
        return changed

    def refresh_attendance(self, agent_ids: Iterable[str]) -> None:
        """The per-stamp fast path: recompute the attendance fields, repaint changed cells."""
        cohort = self.cohort
        ids = [a for a in dict.fromkeys(agent_ids) if a in self.rows]
        if cohort is None:
            return
        if len(ids) > BULK_RELOAD:
            self.reload()
            return
        now = self.esp.now()
        for agent_id in ids:
            row = self.rows[agent_id]
            view.refresh_attendance(self.esp.db, self.esp.config, cohort, self.day, now, row)
            self._paint(row)
        self._update_day_bar()

    def _cells(self, row: RosterRow) -> dict[str, str | Text]:
        marked = row.agent_id in self.marked
        return render_cells(
            row, marked=marked, note_width=self.note_width, where_width=self.where_width
        )

    def _paint(self, row: RosterRow) -> None:
        """Update only the cells of this row that changed."""
        before = self._painted.get(row.agent_id)
        if before is None:
            return  # filtered out: it is painted when the filter lets it back in
        cells = self._cells(row)
        changed = {k: v for k, v in cells.items() if not same_cell(before.get(k), v)}
        if changed:
            try:
                self.query_one(RosterTable).update_row_cells(row.agent_id, changed)
            except CellDoesNotExist:
                return
        self._painted[row.agent_id] = cells

    def _update_day_bar(self) -> None:
        cohort = self.cohort
        bar = self.query_one("#daybar", Static)
        if cohort is None:
            return
        start, end = svc.day_window(cohort, self.day)
        present = absent = waiting = 0
        for r in self.rows.values():  # one pass: this runs after every stamp
            present += bool(r.in_time)
            absent += "absent" in r.flags
            waiting += not r.has_stamp
        parts = [
            f"Day {self.day} of {cohort.days}",
            f"{start:%a %d %b} {start:%H:%M}–{end:%H:%M}",
            f"{present} in",
            f"{absent} absent",
            f"{waiting} not stamped",
        ]
        now = self.esp.now()
        other = not svc.is_today(cohort, self.day, now)
        if cohort.closed:
            parts.append("closed: read-only")
        elif other:
            parts.append("not today: stamping asks first")
        if self.filter_text:
            parts.append(f"filter: '{self.filter_text}' ({len(self._shown)} shown)")
        if self.marked:
            parts.append(f"{len(self.marked)} marked: n notes them · esc clears")
        bar.update(plain(" · ".join(parts)), layout=False)  # one fixed line: no re-layout
        bar.set_class(other or cohort.closed, "other-day")

    def _watch_day_over(self) -> None:
        # At the scheduled end, unstamped agents become absent: redraw once when that flips.
        cohort = self.cohort
        if cohort and svc.is_day_over(cohort, self.day, self.esp.now()) != self._day_over_at_load:
            self.reload()
