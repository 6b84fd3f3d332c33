"""The Roster: the TL's home screen, one row per agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp

EMPTY_STATE = """\
[b]No cohort yet.[/b]

Import your roster (CSV with agent_id, name, email and optionally team):

    esp-tui roster import roster.csv --cohort "Nov cohort" --start 2026-11-23

or try the app on invented agents:

    esp-tui demo

Press q to quit.
"""


class RosterTable(DataTable):
    """The roster grid; j/k move like the arrows."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="roster_down"),
        Binding("k", "cursor_up", "Up", show=False, id="roster_up"),
    ]


class RosterScreen(Screen[None]):
    BINDINGS: list[Binding] = []

    COLUMNS = (("Agent", 26), ("ID", 8), ("Team", 6), ("Email", 34))

    @property
    def esp(self) -> EspApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY_STATE, id="empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(RosterTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width, key=label.lower())
        self.reload()

    def selected_agent_id(self) -> str | None:
        """The agent under the cursor (None on an empty roster)."""
        table = self.query_one(RosterTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    def reload(self) -> None:
        from storage.agents import list_agents

        agents = list_agents(self.esp.db)
        table = self.query_one(RosterTable)
        table.clear()
        for a in agents:
            table.add_row(a.name, a.agent_id, a.team, a.email, key=a.agent_id)
        empty = not agents
        table.display = not empty
        self.query_one("#empty", Static).display = empty
        if not empty:
            table.focus()
