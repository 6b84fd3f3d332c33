"""`t` on the roster: type a time, see what it will do, enter does it (issue 14, roll call).

The line under the time says what enter will write for this agent (services/attendance_fix.
plan_stamp_at): an in; or, for an agent already in (after `I`), "in at 09:12, replacing the in
09:00" — the replacement is asked here, in the same box, so enter is the one confirm; `tab`
shows the other meanings (an out, back in). A roll-call exception is `17 t 1041 enter`.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from esp_tui.screens.base import EspModal
from esp_tui.services.attendance_fix import AtPlan
from esp_tui.widgets.plain import PlainInput, plain

# plan("HH:MM") -> what that time can mean, or the one line why it cannot be stamped
Planner = Callable[[str], AtPlan | str]


class StampAt(EspModal[tuple[str, str] | None]):
    """The result is (choice, "HH:MM"): choice "in", "out" or "replace"; None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="stamp_at_cancel"),
        Binding("tab", "other", "Other meaning", id="stamp_at_other", priority=True),
    ]
    DEFAULT_CSS = "StampAt > Vertical { width: 64; } StampAt #meaning { height: auto; }"

    def __init__(self, title: str, plan: Planner) -> None:
        super().__init__()
        self._title = title
        self._plan = plan
        self._current: AtPlan | None = None
        self._pick = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self._title), classes="prompt-title")
            yield PlainInput(placeholder="HH:MM or the digits: 912 = 09:12")
            yield Static("", id="meaning", markup=False)
            yield Static("", classes="prompt-error", markup=False)
            yield Static(
                "enter does it · tab: another meaning · esc cancels", classes="prompt-hint"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _read(self, text: str) -> AtPlan | str:
        from esp_tui.screens.roster_actions import check_hhmm, typed_hhmm

        return check_hhmm(text) or self._plan(typed_hhmm(text))

    def _show(self) -> None:
        meaning = self.query_one("#meaning", Static)
        plan = self._current
        if plan is None:
            meaning.update("")
            return
        label = plan.choices[self._pick][1]
        others = [lbl for i, (_, lbl) in enumerate(plan.choices) if i != self._pick]
        line = f"enter: {label}"
        if others:
            line += "\ntab: " + " · ".join(others)
        meaning.update(plain(line, multiline=True))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(".prompt-error", Static).update("")
        result = self._read(event.value) if event.value.strip() else None
        self._current = result if isinstance(result, AtPlan) else None
        self._pick = 0
        self._show()

    def action_other(self) -> None:
        if self._current is not None and len(self._current.choices) > 1:
            self._pick = (self._pick + 1) % len(self._current.choices)
            self._show()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        result = self._read(event.value)
        if isinstance(result, str):
            self.query_one(".prompt-error", Static).update(plain(result))
            return
        pick = self._pick if self._current is not None else 0
        self.dismiss((result.choices[min(pick, len(result.choices) - 1)][0], result.at_local))
