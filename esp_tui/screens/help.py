"""`?`: every binding of the screen below and of the app, with the id a keymap can remap."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from esp_tui.screens.base import EspModal


class HelpScreen(EspModal[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "cancel", "Close", id="help_close"),
    ]
    DIALOG_CLASSES = "-tall"
    DEFAULT_CSS = """
    HelpScreen > Vertical { width: 90; max-height: 90%; }
    HelpScreen DataTable { height: auto; max-height: 30; }
    """

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static('[b]Keys[/b] — remap any of them in config: \\[keymap] id = "key"')
            table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action", "Binding id", "Where")
            for row in self._rows:
                table.add_row(*row)
            yield table
            yield Static("[dim]ctrl+p opens the command palette · esc closes this[/dim]")


def binding_rows(active: Mapping[str, ActiveBinding]) -> list[tuple[str, str, str, str]]:
    """(key, description, id, where) for every binding active on the screen below."""
    rows = []
    for key, ab in active.items():
        b = ab.binding
        where = type(ab.node).__name__.removesuffix("Screen").removesuffix("App") or "app"
        rows.append((b.key_display or key, b.description or b.action, b.id or "", where))
    return sorted(rows, key=lambda r: (r[3] == "Esp", r[3], r[0]))
