"""After every copy: the copied text in a small dialog, for the TL to select by hand.

The app reaches the clipboard through the terminal (OSC 52), and some terminals drop it without
a word: macOS Terminal always, tmux unless `set-clipboard on`. The app cannot tell, so every copy
goes through `copy_text`, which copies and then shows exactly what was copied, says the copy may
not have reached the clipboard and how to enable it. enter or esc closes.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from esp_tui.screens.base import EspModal
from esp_tui.widgets.plain import PlainTextArea, plain

HINT = (
    "The copy may not have reached the clipboard: macOS Terminal drops it, and so does tmux "
    "without `set -g set-clipboard on` in ~/.tmux.conf (iTerm2, kitty, WezTerm and Windows "
    "Terminal let it through). If paste gives something else, select the text above by hand "
    "(drag with the mouse holding shift, or option on macOS)."
)


class CopiedDialog(EspModal[None]):
    """What was just copied, read-only and selectable; enter or esc closes."""

    BINDINGS = [Binding("escape,enter", "cancel", "Close", id="copied_close")]
    DEFAULT_CSS = """
    CopiedDialog > Vertical { width: 84; max-height: 80%; }
    CopiedDialog #copied-text { height: auto; max-height: 10; margin-bottom: 1; }
    """

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.text = text
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            yield PlainTextArea(self.text, read_only=True, id="copied-text", compact=True)
            yield Static(plain(HINT), classes="prompt-hint", id="copied-hint")
            yield Static("enter or esc closes", classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one("#copied-text").focus()


def copy_text(app: App[object], text: str, title: str) -> None:
    """The one way esp-tui copies: `text` to the clipboard, then shown in a CopiedDialog titled
    `title` (what it is, e.g. "Meet link of Room 1")."""
    app.copy_to_clipboard(text)
    app.push_screen(CopiedDialog(text, title))
