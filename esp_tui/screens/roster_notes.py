"""The roster's notes: `n` edits the agent's note of the viewed day; `space` marks rows (● before
the name, the count in the day bar) and then `n` writes ONE note for every marked agent in one
transaction (esp_tui/services/notes.py); the marks clear after the save, `esc` clears them.
On a terminal at least NOTE_WIDE_AT columns wide the Note column shows the note's first words
(esp_tui/widgets/roster_cells.py), else ✎."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets.data_table import ColumnKey

from esp_tui.screens.roster_rows import RosterRows
from esp_tui.widgets.roster_cells import columns, note_width
from esp_tui.widgets.roster_table import RosterTable

NOTE_BINDINGS = [
    Binding(
        "space",
        "toggle_mark",
        "Mark",
        id="mark_row",
        tooltip="Mark or unmark the agent (n then notes every marked agent)",
        show=False,
    ),
    Binding(
        "escape",
        "clear_marks",
        "Clear marks",
        id="clear_marks",
        tooltip="Unmark every marked agent",
        show=False,
    ),
]


class RosterNotes(RosterRows):
    """Mixed into RosterScreen: the note key (`n`, bound in STAMP_BINDINGS), the marks and the
    Note column's width."""

    def add_columns(self) -> None:
        """The table's columns, the Note column as wide as the terminal allows."""
        table = self.query_one(RosterTable)
        for key, label, width in columns(self.app.size.width):
            table.add_column(label, width=width, key=key)
        self.note_width = note_width(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        """Wider or narrower than NOTE_WIDE_AT: the Note column shows words or ✎."""
        wide = note_width(self.app.size.width)
        column = self.query_one(RosterTable).columns.get(ColumnKey("note"))
        if wide == self.note_width or column is None:
            return
        self.note_width = column.width = wide
        self._rebuild_table()

    def action_toggle_mark(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.marked.symmetric_difference_update({row.agent_id})
        self._paint(row)
        self._update_day_bar()
        self.query_one(RosterTable).action_cursor_down()  # space, space, space marks a run

    def action_clear_marks(self) -> None:
        """esc (after the filter box's own esc, which clears the filter first)."""
        if self.marked:
            self.clear_marks()

    def clear_marks(self) -> None:
        marked, self.marked = self.marked, set()
        for agent_id in marked:
            if (row := self.rows.get(agent_id)) is not None:
                self._paint(row)
        self._update_day_bar()

    def action_edit_note(self) -> None:
        """`n`: one note for every marked agent, else the agent under the cursor's."""
        from esp_tui.screens.note_editor import edit_note, edit_notes

        if self.marked:
            ids = [a for a in self.rows if a in self.marked]  # roster order
            agents = [(a, self.rows[a].name) for a in ids]

            def saved_all(text: str) -> None:
                self.clear_marks()
                self.refresh_attendance(ids)
                done = "saved" if text.strip() else "cleared"
                self.app.notify(f"Note {done} for {len(ids)} agent{'s' if len(ids) > 1 else ''}")

            edit_notes(self, agents, self.day, saved_all)
            return
        row = self.selected_row()
        if row is None:
            return

        def saved(text: str) -> None:
            self.refresh_attendance([row.agent_id])
            self.app.notify(f"Note {'saved' if text.strip() else 'cleared'} · {row.name}")

        edit_note(self, row.agent_id, row.name, self.day, saved)
