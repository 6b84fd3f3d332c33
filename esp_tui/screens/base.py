"""The bases of every esp-tui screen: `EspScreen` (a full screen) and `EspModal` (a dialog).

Both give typed access to the app (`self.esp`, esp_tui/widgets/esp_node.py). An `EspScreen` hears
what was written elsewhere through its `data_changed` hook and a cohort switch through
`cohort_changed` (the messages of esp_tui/messages.py, delivered by EspApp); an `EspModal` is
one box centred over the screen below, styled once in app.tcss (the `.dialog` rules).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import ActiveBinding
from textual.screen import ModalScreen, Screen

from esp_tui.messages import CohortChanged, DataChanged
from esp_tui.widgets.esp_node import EspNode

ResultT = TypeVar("ResultT")


def footer_order(
    active: dict[str, ActiveBinding], first: tuple[str, ...]
) -> dict[str, ActiveBinding]:
    """The same bindings, the `first` ids first in that order (nothing added or lost)."""
    rank = {binding_id: i for i, binding_id in enumerate(first)}
    last = len(first)
    ordered = sorted(active.items(), key=lambda kv: rank.get(kv[1].binding.id or "", last))
    return dict(ordered)  # sorted() is stable: the others keep their order


class EspScreen(EspNode, Screen[ResultT]):
    """A full screen. Override `data_changed` when the screen shows data another screen or
    another process can write, and `cohort_changed` when it holds per-cohort state."""

    # Textual's Footer shows the active bindings in order and cuts what does not fit at the
    # right; the app's own `?` and `q` would come last, after every key of the screen. So
    # they come first: on every screen they are on screen from 100 columns up. A screen may
    # give its own order (the roster puts its stamping keys, then Close, Help, Quit).
    FOOTER_FIRST: ClassVar[tuple[str, ...]] = ("help", "quit")

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return footer_order(super().active_bindings, self.FOOTER_FIRST)

    def on_data_changed(self, message: DataChanged) -> None:
        if not message.delivered:
            return  # a writer's own message, on its way up to the app
        message.stop()
        self.data_changed(message)

    def on_cohort_changed(self, message: CohortChanged) -> None:
        message.stop()
        self.cohort_changed()

    def data_changed(self, change: DataChanged) -> None:
        """Something this screen may show was written by another screen or another process
        (never this screen's own writes: it repaints those itself). Default: nothing."""

    def cohort_changed(self) -> None:
        """The app now shows another cohort. Default: nothing."""


class EspModal(EspNode, ModalScreen[ResultT]):
    """A dialog: its first `Vertical` is the box, centred, bordered and padded by the `.dialog`
    rules of app.tcss. A subclass sets only its width (and what is really its own) in
    DEFAULT_CSS, and may list variants in `DIALOG_CLASSES`: `-warning` or `-error` (border
    colour), `-roomy` (padding 1 2), `-tall` (the box takes the height it may, not its
    content's). Inside, `.prompt-title`, `.prompt-hint` and `.prompt-error` style the text."""

    DIALOG_CLASSES: ClassVar[str] = ""

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.add_class("dialog", *self.DIALOG_CLASSES.split())

    def action_cancel(self) -> None:
        """escape in most dialogs (each binds it under its own id): nothing chosen."""
        self.dismiss()
