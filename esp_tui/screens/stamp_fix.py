"""The agent screen's correction form: void one attendance event, or give an in/out stamp a new
time, always with a reason (services/attendance_fix.py writes it: append-only, one transaction).

The form calls `submit(time or None, reason)`; a refusal (no reason, a bad or future time, an out
before the first in) is shown under the fields and the form stays open with the text kept.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from esp_tui.screens.base import EspModal
from esp_tui.widgets.plain import PlainInput, plain

# submit(new time "HH:MM" or None to void, reason) -> None when written, else the one line why not
Submit = Callable[[str | None, str], str | None]


class StampFix(EspModal[str | None]):
    """Void (no time field) or correct (a time field first) one event; the result is the toast
    of what was written, None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="stamp_fix_cancel")]
    DEFAULT_CSS = "StampFix > Vertical { width: 70; }"

    def __init__(self, title: str, submit: Submit, *, with_time: bool, time: str = "") -> None:
        super().__init__()
        self._title = title
        self._submit = submit
        self._with_time = with_time
        self._time = time

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            if self._with_time:
                yield Static("New time (HH:MM, or 912 = 09:12)")
                yield PlainInput(placeholder=f"now {self._time}", id="fix-time")
            yield Static("Reason (required)")
            yield PlainInput(placeholder="e.g. joined the Meet at 09:12", id="fix-reason")
            yield Static("", classes="prompt-error", markup=False)
            yield Static("enter saves · esc cancels", classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one("#fix-time" if self._with_time else "#fix-reason", Input).focus()

    @on(Input.Submitted, "#fix-time")
    def _time_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#fix-reason", Input).focus()

    @on(Input.Submitted, "#fix-reason")
    def _save(self, event: Input.Submitted) -> None:
        event.stop()
        at: str | None = None
        if self._with_time:
            from esp_tui.screens.roster_actions import check_hhmm, typed_hhmm

            raw = self.query_one("#fix-time", Input).value
            problem = check_hhmm(raw)
            if problem:
                self._error(problem)
                return
            at = typed_hhmm(raw)
        if not event.value.strip():
            self._error("reason: say why (required to void or correct a stamp)")
            return
        problem = self._submit(at, event.value)
        if problem:
            self._error(problem)
            return
        self.dismiss("done")

    def _error(self, problem: str | None) -> None:
        self.query_one(".prompt-error", Static).update(plain(problem or ""))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._error(None)
