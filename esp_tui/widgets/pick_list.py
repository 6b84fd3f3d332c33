"""An OptionList that also moves with j/k, like every other list in the app."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class PickList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="pick_down"),
        Binding("k", "cursor_up", "Up", show=False, id="pick_up"),
    ]
