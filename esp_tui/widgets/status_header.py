"""The one-line header: cohort, day, date and clock on the left; TL status and counts right."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from esp_tui.domain.text import visible


class StatusHeader(Static):
    """Rendered from two strings the app keeps up to date."""

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $primary-background;
        color: $text;
        padding: 0 1;
    }
    """

    left: reactive[str] = reactive("", layout=False)
    right: reactive[str] = reactive("", layout=False)

    def on_mount(self) -> None:
        self.pull()
        self.set_interval(1.0, self.pull)

    def pull(self) -> None:
        """Ask the app for the current texts (the app knows the cohort, clock and counts)."""
        texts = getattr(self.app, "header_texts", None)
        if texts is not None:
            self.left, self.right = texts()

    def render(self) -> Text:
        # Both sides carry user text (the cohort name, the TL's status message): plain text,
        # control characters made visible.
        left, right = visible(self.left), visible(self.right)
        width = self.size.width - 2
        gap = max(1, width - cell_len(left) - cell_len(right))
        text = Text(left, style="bold")
        text.append(" " * gap)
        text.append(right)
        return text
