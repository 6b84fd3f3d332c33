"""The roster's attendance keys: stamp in / out / absent / at a time, undo, everyone in, the note,
the Google Meet report. Each action is one service call (esp_tui.services.attendance) committed
before its row repaints; this run's actions stack up for `u`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.binding import Binding

from esp_tui.messages import DataChanged
from esp_tui.screens.roster_rows import RosterRows
from esp_tui.services import attendance as svc
from esp_tui.widgets.roster_cells import points

ABSENCE_CHOICES = (
    ("absent", "absent"),
    ("excused", "excused (HR)"),
    ("ncns", "no call, no show"),
    ("unresponsive", "unresponsive"),
)

# In the roster's footer order: the stamping keys first, the bulk ones after the day keys.
STAMP_BINDINGS = [
    Binding("i", "stamp_in", "In", id="stamp_in", tooltip="Stamp the agent in now"),
    Binding("o", "stamp_out", "Out", id="stamp_out", tooltip="Stamp the agent out now"),
    Binding(
        "x",
        "mark_absent",
        "Absent",
        id="mark_absent",
        tooltip="Mark the agent absent today (pick the kind)",
    ),
    Binding("t", "stamp_at", "At time", id="stamp_at", tooltip="Stamp in or out at a typed HH:MM"),
    Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last stamp of this run"),
    Binding("n", "edit_note", "Note", id="edit_note", tooltip="Edit the agent's note for the day"),
]
BULK_BINDINGS = [
    Binding(
        "I",
        "bulk_in",
        "All in",
        key_display="I",
        id="bulk_in",
        tooltip="Mark everyone without a stamp as in at the scheduled start",
        show=False,
    ),
    Binding(
        "M",
        "meet_import",
        "Meet report",
        key_display="M",
        id="meet_import",
        tooltip="Review a Google Meet attendance report",
        show=False,
    ),
]


class RosterActions(RosterRows):
    """Mixed into RosterScreen: the actions of STAMP_BINDINGS and BULK_BINDINGS."""

    def _written(self, agent_ids: Iterable[str]) -> None:
        """After a write this screen has repainted: tell the others (the header)."""
        self.esp.post_message(DataChanged(agent_ids, origin=self))

    def _guard_day(self, then: Callable[[], object]) -> None:
        """Run `then` now on today; on another day, only after the TL confirms."""
        from esp_tui.screens.prompts import Confirm

        cohort = self.cohort
        if cohort is None:
            return
        self.esp.require_writable()  # a closed cohort refuses now, not after the question
        if svc.is_today(cohort, self.day, self.esp.now()):
            then()
            return

        def answered(ok: bool | None) -> None:
            if ok:
                then()

        date = cohort.date_of(self.day)
        question = f"Stamp day {self.day} ({date:%a %d %b}), which is not today?"
        self.app.push_screen(Confirm(question), answered)

    def _stamp(
        self, agent_id: str, kind: str, *, at: str | None = None, absence_kind: str | None = None
    ) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        try:
            result = svc.stamp(
                self.esp.db,
                self.esp.config,
                cohort,
                agent_id,
                kind,
                day=self.day,
                now=self.esp.now(),
                at=at,
                absence_kind=absence_kind,
            )
        except svc.AttendanceError as e:
            self.app.notify(str(e), severity="error")
            return
        self._done(result.action, result.message)

    def _done(self, action: svc.Action, message: str) -> None:
        """An action written: undoable, its rows repainted, said."""
        self.undo_stack.append(action)
        self.refresh_attendance(action.agent_ids)
        self.app.notify(message, timeout=4)
        self._written(action.agent_ids)

    def action_stamp_in(self) -> None:
        if (row := self.selected_row()) is not None:
            self._guard_day(lambda: self._stamp(row.agent_id, "in"))

    def action_stamp_out(self) -> None:
        if (row := self.selected_row()) is not None:
            self._guard_day(lambda: self._stamp(row.agent_id, "out"))

    def action_mark_absent(self) -> None:
        from esp_tui.screens.prompts import PickOne

        row = self.selected_row()
        if row is None:
            return
        pts = self.esp.config.attendance.points
        choices = [(k, f"{label} · {points(pts[k])} pts") for k, label in ABSENCE_CHOICES]

        def pick() -> None:
            self.app.push_screen(
                PickOne(f"{row.name} · absent on day {self.day} as", choices),
                lambda kind: (
                    self._stamp(row.agent_id, "absent", absence_kind=kind) if kind else None
                ),
            )

        self._guard_day(pick)

    def action_stamp_at(self) -> None:
        from esp_tui.screens.prompts import PickOne, TextPrompt

        row = self.selected_row()
        if row is None:
            return

        def ask_time(kind: str | None) -> None:
            if kind is None:
                return
            self.app.push_screen(
                TextPrompt(
                    f"{row.name} · {kind} on day {self.day} at",
                    placeholder="HH:MM, e.g. 09:05",
                    validate=check_hhmm,
                ),
                lambda text: self._stamp(row.agent_id, kind, at=text) if text else None,
            )

        def pick() -> None:
            initial = "out" if row.in_time else "in"
            self.app.push_screen(
                PickOne(
                    f"{row.name} · stamp at a time", [("in", "in"), ("out", "out")], initial=initial
                ),
                ask_time,
            )

        self._guard_day(pick)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.app.notify("Nothing to undo in this run", severity="warning")
            return
        action = self.undo_stack.pop()
        svc.undo(self.esp.db, action, self.esp.now())
        self.refresh_attendance(action.agent_ids)
        self.app.notify(f"Undone: {action.label}", timeout=4)
        self._written(action.agent_ids)

    def action_bulk_in(self) -> None:
        from esp_tui.screens.prompts import Confirm

        cohort = self.cohort
        if cohort is None:
            return
        self.esp.require_writable()
        scope = self.shown_ids() if self.filter_text else None
        todo = svc.agents_without_stamp(self.esp.db, cohort, self.day, scope)
        if not todo:
            self.app.notify(f"Everyone shown already has a stamp on day {self.day}")
            return
        start, _ = svc.day_window(cohort, self.day)
        where = f" matching '{self.filter_text}'" if self.filter_text else ""
        other = "" if svc.is_today(cohort, self.day, self.esp.now()) else " (not today)"
        question = (
            f"Mark the {len(todo)} agent{'s' if len(todo) > 1 else ''}{where}"
            f" with no stamp on day {self.day}"
            f" ({start:%a %d %b}){other} as in at {start:%H:%M}?"
        )

        def run(ok: bool | None) -> None:
            if not ok:
                return
            action = svc.bulk_in(
                self.esp.db, self.esp.config, cohort, self.day, self.esp.now(), scope
            )
            self._done(action, f"{action.label} · u undoes")

        self.app.push_screen(Confirm(question), run)

    def action_edit_note(self) -> None:
        from esp_tui.screens.note_editor import edit_note

        row = self.selected_row()
        if row is None:
            return

        def saved(text: str) -> None:
            self.refresh_attendance([row.agent_id])
            self.app.notify(f"Note {'saved' if text.strip() else 'cleared'} · {row.name}")

        edit_note(self, row.agent_id, row.name, self.day, saved)

    # -- Meet report --------------------------------------------------------------------------
    def action_meet_import(self) -> None:
        from esp_tui.screens.meet_import import MeetImportScreen
        from esp_tui.screens.prompts import TextPrompt

        cohort = self.cohort
        if cohort is None:
            return

        def review(path: str | None) -> None:
            if not path:
                return
            from pathlib import Path

            try:
                from esp_tui.services.meet_import import preview_meet_report

                preview = preview_meet_report(self.esp.db, cohort, Path(path.strip()).expanduser())
            except svc.AttendanceError as e:
                self.app.notify(str(e), severity="error", timeout=8)
                return
            self.app.push_screen(MeetImportScreen(preview, day=self.day), accepted)

        def accepted(action: svc.Action | None) -> None:
            if action is None or not action.event_ids:
                return
            self._done(action, f"{action.label} · u undoes")

        self._guard_day(
            lambda: self.app.push_screen(
                TextPrompt(
                    f"Google Meet attendance report (CSV) for day {self.day}",
                    placeholder="path/to/meet-attendance.csv",
                ),
                review,
            )
        )


def check_hhmm(text: str) -> str | None:
    from esp_tui.domain.attendance import parse_hhmm

    try:
        parse_hhmm(text)
    except ValueError:
        return f"{text.strip()!r} is not a time: type HH:MM, e.g. 09:05"
    return None
