"""The Roster: the TL's home screen, one row per agent, attendance from the keyboard.

A stamp is committed (one transaction, in the service) before its row repaints, and only that
row's changed cells are updated. The screen holds no rule: rows come from
`esp_tui.services.roster_view`, actions from `esp_tui.services.attendance`.

Built from: the rows and their painting (roster_rows.py), the attendance keys
(roster_actions.py), the notes and row marks (roster_notes.py), the keys that open other
screens (roster_launchers.py), the grid widget
(esp_tui/widgets/roster_table.py) and the cell rendering (esp_tui/widgets/roster_cells.py). This
module composes them: widgets, key order, the viewed day, the filter, and what others wrote.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Key
from textual.widgets import Footer, Input, Static

from esp_tui.messages import DataChanged
from esp_tui.screens.roster_actions import BULK_BINDINGS, STAMP_BINDINGS, RosterActions
from esp_tui.screens.roster_launchers import LAUNCH_BINDINGS, RosterLaunchers
from esp_tui.screens.roster_notes import NOTE_BINDINGS, RosterNotes
from esp_tui.screens.roster_rows import BULK_RELOAD
from esp_tui.widgets.plain import PlainInput
from esp_tui.widgets.roster_cells import COLUMNS, EMPTY_STATE
from esp_tui.widgets.roster_table import RosterTable
from esp_tui.widgets.status_header import StatusHeader
from storage.db import data_version

__all__ = ["COLUMNS", "RosterScreen", "RosterTable"]  # the names tests and the bench import

DAY_BINDINGS = [
    # priority: handled as the key arrives, so letters typed right after it reach the box
    Binding(
        "slash",
        "filter",
        "Filter",
        key_display="/",
        id="filter",
        tooltip="Filter by name, id or team",
        priority=True,
    ),
    Binding(
        "left_square_bracket",
        "prev_day",
        "Prev day",
        key_display="[",
        id="prev_day",
        tooltip="View the previous day",
        show=False,
    ),
    Binding(
        "right_square_bracket",
        "next_day",
        "Next day",
        key_display="]",
        id="next_day",
        tooltip="View the next day",
        show=False,
    ),
]


# The footer shows keys in this order, then every other shown key in BINDINGS order; what does
# not fit is cut at the right. Close, Help and Quit come before the rest, so q and ? are on
# screen from 100 columns up (the app's own q and ? would otherwise come last, after every
# roster key). Keys with show=False are in `?` and the ctrl+p palette only.
ROSTER_FOOTER_FIRST = (
    "stamp_in",
    "stamp_out",
    "mark_absent",
    "stamp_at",
    "undo",
    "edit_note",
    "close_day",
    "help",
    "quit",
    "troubleshoot",
    "raise_flag",
    "filter",
)


class RosterScreen(RosterActions, RosterNotes, RosterLaunchers):
    FOOTER_FIRST = ROSTER_FOOTER_FIRST
    BINDINGS = [*STAMP_BINDINGS, *DAY_BINDINGS, *BULK_BINDINGS, *LAUNCH_BINDINGS, *NOTE_BINDINGS]
    DEFAULT_CSS = """
    RosterScreen #daybar { height: 1; padding: 0 1; background: $boost; }
    RosterScreen #daybar.other-day { background: $warning 30%; }
    RosterScreen #filter { display: none; border: none; height: 1; padding: 0 1; }
    RosterScreen #filter.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._data_version = 0
        self._stale = False  # something changed while another screen was on top

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield Static("", id="daybar", markup=False)
        yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY_STATE, id="empty")
        yield PlainInput(
            placeholder="filter by name, id or team · enter keeps · esc clears", id="filter"
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.add_columns()  # the Note column's width depends on the terminal's (roster_notes)
        self.day = self.esp.today_day() or 1
        self.reload()
        self.set_interval(30, self._watch_day_over)
        self._data_version = data_version(self.esp.db)
        self.set_interval(2, self.watch_other_writers)

    # -- what others wrote ----------------------------------------------------------------------
    def watch_other_writers(self) -> None:
        """Another esp-tui or the CLI committed (PRAGMA data_version moved): say so to the app
        like any write, so a stamp or note typed in another shell is on screen and never edited
        from a stale copy. (No message can tell this process: this poll is the one way.)"""
        version = data_version(self.esp.db)
        if version == self._data_version:
            return
        self._data_version = version
        # The app re-reads the cohort row (closed, reopened); the scope never moves: a CLI
        # `cohort use` or `cohort new` elsewhere leaves this window on its cohort.
        self.esp.post_message(DataChanged(outside=True))

    def data_changed(self, change: DataChanged) -> None:
        """Rows another screen named are recomputed at once (cheap); a change to anything
        reloads the roster now if it is on screen, else when it is back on top."""
        ids = change.agent_ids
        if ids is not None and len(ids) <= BULK_RELOAD:
            self.refresh_rows(ids)
        elif self.app.screen is self:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def cohort_changed(self) -> None:
        """The app now views another cohort (the cohort picker): nothing of the old one stays,
        neither its rows, its day, its filter nor its undo stack."""
        self.undo_stack.clear()
        self.marked.clear()
        self.day = self.esp.today_day() or 1
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.remove_class("shown")
        self.filter_text = ""
        self._data_version = data_version(self.esp.db)
        self._stale = False
        self.reload()
        table = self.query_one(RosterTable)
        if table.row_count:
            table.move_cursor(row=0, animate=False)

    # -- days and filter ----------------------------------------------------------------------
    def _switch_day(self, step: int) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        day = min(max(self.day + step, 1), cohort.days)
        if day == self.day:
            self.app.notify(f"Day {day} is the {'first' if step < 0 else 'last'} day")
            return
        self.day = day
        self.reload()

    def action_prev_day(self) -> None:
        self._switch_day(-1)

    def action_next_day(self) -> None:
        self._switch_day(+1)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        self.set_focus(box)  # now, not on the next tick

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._rebuild_table()

    @on(Input.Submitted, "#filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        if not self.filter_text:
            event.input.remove_class("shown")
        self.query_one(RosterTable).focus()

    def jump_to_agent(self, agent_id: str) -> None:
        """Put the cursor on an agent (the palette's "jump to agent"), clearing a filter that
        hides them."""
        table = self.query_one(RosterTable)
        if self.filter_text and agent_id not in self.shown_ids():
            box = self.query_one("#filter", Input)
            box.value = ""
            box.remove_class("shown")
            self.filter_text = ""
            self._rebuild_table()
        try:
            row = table.get_row_index(agent_id)
        except Exception:  # unknown or inactive agent: nothing to jump to
            self.app.notify(f"{agent_id} is not on the roster", severity="warning")
            return
        table.move_cursor(row=row)
        table.focus()

    def on_key(self, event: Key) -> None:
        box = self.query_one("#filter", Input)
        if event.character and event.character.isdigit() and not box.has_focus:
            event.stop()  # a row number: jump there (roster_actions.jump_digit)
            self.jump_digit(event.character)
            return
        self.reset_jump()
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""  # Changed rebuilds the table unfiltered
            box.remove_class("shown")
            self.query_one(RosterTable).focus()
