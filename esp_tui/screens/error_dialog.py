"""A small modal that shows an error as plain text; enter or escape dismisses it.

The app shows it for a failed worker (EspApp.on_worker_state_changed) and the Close screen
for a failed sync. The text is never parsed as markup: an error may quote user text or
Google's words (`[sheet] spreadsheet`, `[/]`), which must show as typed (widgets/plain.py).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from esp_tui.screens.base import EspModal
from esp_tui.widgets.plain import plain


class ErrorDialog(EspModal[None]):
    """`ErrorDialog("Sync failed", message)`; the app keeps running behind it."""

    BINDINGS = [
        Binding("enter,escape", "dismiss_dialog", "Close", id="error_close"),
    ]
    DIALOG_CLASSES = "-error"
    DEFAULT_CSS = """
    ErrorDialog > Vertical { width: 80; max-width: 95%; max-height: 80%; }
    ErrorDialog .prompt-title { color: $error; }
    ErrorDialog .prompt-hint { padding-top: 1; }
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text), classes="prompt-title")
            yield Static(plain(self.message, multiline=True), id="error-message")
            yield Static("enter or esc closes", classes="prompt-hint", markup=False)

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)
