"""User text on screen: always plain text, never markup, control characters made visible.

The rules live in esp_tui/domain/text.py; these are the Textual-side helpers every screen uses:

- `plain(text)`: a `rich.text.Text` for a Static or an Option prompt (a `str` there is parsed
  as markup: `said [/] in chat` would crash the screen); `cell(text)` for a DataTable cell.
- `plain_lines(lines)`: several lines of user text in one Static, one `plain` per line.
- `markup_escape(text)`: for the few places that only take markup (the command palette).
- `PlainInput` / `PlainTextArea`: editable fields that show a control character as one visible
  picture (ESC as ␛) while the value stays exactly what was typed or stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widgets import Input, TextArea

from esp_tui.domain.text import pictures, visible


def plain(
    text: object,
    style: str | Style = "",
    *,
    multiline: bool = False,
    no_wrap: bool | None = None,
    overflow: str | None = None,
) -> Text:
    """User text as a Rich `Text`: never parsed as markup, control characters escaped visibly
    (single-line unless `multiline`). None shows as nothing."""
    raw = "" if text is None else str(text)
    return Text(
        visible(raw, multiline=multiline),
        style=style,
        no_wrap=no_wrap,
        overflow=overflow,  # type: ignore[arg-type]  # a str of Rich's OverflowMethod values
    )


def cell(text: object, style: str | Style = "") -> Text:
    """A DataTable cell of user text: one line cut at the column's width, as the table shows
    a `str` cell, but never parsed as markup (a `str` cell is)."""
    raw = "" if text is None else str(text)
    return Text(visible(raw), style=style, no_wrap=True, end="")


def plain_lines(lines: Iterable[str | Text], sep: str = "\n") -> Text:
    """Join lines into one `Text`: a `str` line is user text (made `plain`), a `Text` line is
    kept as it is (our own styling, built with `Text.assemble`)."""
    out = Text()
    for i, line in enumerate(lines):
        if i:
            out.append(sep)
        out.append(line if isinstance(line, Text) else plain(line))
    return out


def markup_escape(text: object) -> str:
    """User text for a place that only takes Textual content markup (the palette's hits and help
    lines): controls made visible, every ``[`` escaped so nothing reads as a tag."""
    return visible(str(text)).replace("[", "\\[")


class PlainInput(Input):
    """An `Input` that shows control characters of its value as pictures (␛; a tab as ␉), one
    character for one, so the cursor still lines up; the value itself is never changed.

    Overrides two internals of textual 8.2.x (pinned in constraints.txt): the rendered value
    and the index-to-cell conversion the cursor and scrolling use.
    """

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(pictures(self.value), no_wrap=True, overflow="ignore", end="")
        if self.highlighter is not None:
            text = self.highlighter(text)
        return text

    def _position_to_cell(self, position: int) -> int:
        return cell_len(pictures(self.value[:position]))


class PlainTextArea(TextArea):
    """A `TextArea` that shows control characters of its text as pictures (␛); tabs stay tabs
    (the widget expands them). `get_line` is TextArea's documented hook for styling a line."""

    def get_line(self, line_index: int) -> Text:
        line = self.document.get_line(line_index)
        return Text(pictures(line, keep="\t"), end="", no_wrap=True)
