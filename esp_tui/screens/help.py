"""`?`: every binding of the screen below and of the app, with the id a keymap can remap."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from esp_tui.screens.base import EspModal


class HelpScreen(EspModal[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "cancel", "Close", id="help_close"),
    ]
    DIALOG_CLASSES = "-tall"
    DEFAULT_CSS = """
    HelpScreen > Vertical { width: 90; max-height: 90%; }
    /* the box is -tall: the list takes what is left of it and scrolls inside (at 100x30 an
       auto height ran past the box and cut the last keys off) */
    HelpScreen DataTable { height: 1fr; }
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
    """(keys, description, id, where) for each of esp-tui's own bindings active on the screen
    below, one row per binding (its keys joined: "esc / q").

    esp-tui's bindings are the ones with an id (every one has one, so a keymap can remap it).
    Textual's built-ins are noise here and left out: copy (ctrl+c, super+c), tab focus, a
    table's arrow and page keys (j/k are listed), ctrl+q (q is), ctrl+p (said below the table).
    """
    keys: dict[tuple[str, str], list[str]] = {}
    described: dict[tuple[str, str], str] = {}
    for key, ab in active.items():
        b = ab.binding
        if not b.id:
            continue
        at = (b.id, _where(ab.node))
        display = b.key_display or key
        if display not in keys.setdefault(at, []):
            keys[at].append(display)
        described.setdefault(at, b.description or b.action)
    rows = [(" / ".join(k), described[at], at[0], at[1]) for at, k in keys.items()]
    return sorted(rows, key=lambda r: (r[3] == "app", r[3], r[0]))


def _where(node: DOMNode) -> str:
    """The screen or widget a binding belongs to ("Roster", "RosterTable"); "app" for the app."""
    if isinstance(node, App):
        return "app"
    return type(node).__name__.removesuffix("Screen") or "app"
