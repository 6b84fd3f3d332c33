"""The one-line header: cohort, day, date and clock on the left, then marks the TL must not miss
(a closed cohort, a cohort that is not the current one); TL status and counts right.

It re-reads its texts every second (the clock) and at once when the app delivers `DataChanged`
or `CohortChanged` (esp_tui/messages.py): nobody refreshes it by hand."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from esp_tui.domain.text import visible
from esp_tui.messages import CohortChanged, DataChanged
from esp_tui.widgets.esp_node import EspNode

# By mark kind (EspApp.header_marks): Rich styles, no theme variables.
MARK_STYLES = {
    "closed": "bold white on dark_red",
    "other": "bold black on yellow",
}


class StatusHeader(EspNode, Static):
    """Rendered from strings the app keeps up to date."""

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
    marks: reactive[tuple[tuple[str, str], ...]] = reactive((), layout=False)

    def on_mount(self) -> None:
        self.pull()
        self.set_interval(1.0, self.pull)

    def pull(self) -> None:
        """Ask the app for the current texts (the app knows the cohort, clock and counts)."""
        self.left, self.right = self.esp.header_texts()
        self.marks = tuple(self.esp.header_marks())

    def on_data_changed(self, message: DataChanged) -> None:
        message.stop()  # delivered to this header only
        self.pull()

    def on_cohort_changed(self, message: CohortChanged) -> None:
        message.stop()
        self.pull()

    def render(self) -> Text:
        # Both sides carry user text (the cohort name, the TL's status message): plain text,
        # control characters made visible. Too narrow: the right side is cut first.
        width = self.size.width - 2
        text = Text(visible(self.left), style="bold", no_wrap=True, overflow="ellipsis")
        for kind, mark in self.marks:
            text.append(" ")
            text.append(f" {visible(mark)} ", style=MARK_STYLES.get(kind, "reverse"))
        right = Text(visible(self.right))
        room = width - text.cell_len - 1
        if right and room >= 4:
            right.truncate(room, overflow="ellipsis")
            text.append(" " * max(1, width - text.cell_len - right.cell_len))
            text.append_text(right)
        if text.cell_len > width > 0:
            text.truncate(width, overflow="ellipsis")
        return text
