"""The Close screen's tables (readiness gaps, sync conflicts) and the cells they show."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from esp_tui.domain.text import visible


class CloseTable(DataTable):
    """The Close screen's tables (gaps, conflicts): j/k move like the arrows."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="close_down"),
        Binding("k", "cursor_up", "Up", show=False, id="close_up"),
    ]


class ConflictTable(CloseTable):
    """The conflicts: enter (or a click) opens the selected one in full."""

    BINDINGS = [
        Binding(
            "enter", "select_cursor", "Conflict in full", id="close_conflict_detail", show=False
        ),
    ]


def cut_cell(value: str) -> Text:
    """A sheet value in a table cell: one line, an ellipsis where it is cut (enter shows it
    whole), never markup."""
    return Text(visible(value), no_wrap=True, overflow="ellipsis", end="")


def choice_cell(choice: str | None) -> Text:
    """A conflict's resolution: undecided, keep-sheet or keep-local."""
    if choice is None:
        return Text("undecided", style="dim")
    return Text(choice, style="bold yellow" if choice == "keep-local" else "bold green")
