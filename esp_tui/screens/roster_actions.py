"""The roster's attendance keys: stamp in / out / absent / at a time, undo, everyone in, the
Google Meet report (the note key `n` is bound here, in footer order; its action is in
roster_notes.py). Each action is one service call (esp_tui.services.attendance) committed
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
        except svc.AlreadyIn as e:
            self._offer_replace(agent_id, e, at)
            return
        except svc.AttendanceError as e:
            self.app.notify(str(e), severity="error")
            return
        self._done(result.action, result.message)

    def _offer_replace(self, agent_id: str, already: svc.AlreadyIn, at: str | None) -> None:
        """An in for an agent already in (after `I`, say): one question, enter = replace (the
        old in voided, the new one stamped: one action, one `u`)."""
        from esp_tui.screens.prompts import Confirm

        row, cohort = self.rows.get(agent_id), self.cohort
        if cohort is None:
            return
        name = row.name if row else agent_id
        new = at or f"{self.esp.now().astimezone(svc.zone_of(cohort)):%H:%M} (now)"
        question = (
            f"{name} is already in since {already.in_local} on day {self.day}."
            f" Replace that in with in {new}?"
        )
        self.app.push_screen(
            Confirm(question, yes="Replace"),
            lambda ok: self._replace_in(agent_id, at) if ok else None,
        )

    def _replace_in(self, agent_id: str, at: str | None) -> None:
        from esp_tui.services.attendance_fix import replace_in

        cohort = self.cohort
        if cohort is None:
            return
        try:
            result = replace_in(
                self.esp.db, self.esp.config, cohort, agent_id,
                day=self.day, now=self.esp.now(), at=at,
            )  # fmt: skip
        except svc.AttendanceError as e:
            self.app.notify(str(e), severity="error")
            return
        self._done(result.action, f"{result.message} · u undoes")

    def _done(self, action: svc.Action, message: str) -> None:
        """An action written: undoable, its rows repainted, said."""
        self.undo_stack.append(action)
        self.refresh_attendance(action.agent_ids)
        self.app.notify(message, timeout=4)
        self._written(action.agent_ids)

    # -- jump by row number (roll call: `17 t 912 enter enter`) ---------------------------------
    _jump_digits = ""

    def jump_to_agent(self, agent_id: str) -> None:  # the screen's (roster.py)
        raise NotImplementedError

    def jump_digit(self, digit: str) -> None:
        """A digit typed on the roster: the cursor goes to the row with that number (shown
        dim before the name). Digits typed in a row build the number ("1" then "7" = row 17)
        while it names a row; any other key starts afresh."""
        by_number = {r.number: r.agent_id for r in self.rows.values()}
        typed = self._jump_digits + digit
        if int(typed) not in by_number:
            typed = digit
        self._jump_digits = typed if int(typed) in by_number else ""
        if self._jump_digits:
            self.jump_to_agent(by_number[int(typed)])

    def reset_jump(self) -> None:
        self._jump_digits = ""

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
        """`t`: a time, and what it will write said under it before enter (stamp_at.py): an in;
        for an agent already in, the replacement of that in (enter = yes) or, tab, an out."""
        from esp_tui.screens.stamp_at import StampAt
        from esp_tui.services.attendance_fix import AtPlan, plan_stamp_at

        row = self.selected_row()
        cohort = self.cohort
        if row is None or cohort is None:
            return

        def plan(at: str) -> AtPlan | str:
            try:
                now = self.esp.now()
                return plan_stamp_at(self.esp.db, cohort, row.agent_id, self.day, now, at)
            except svc.AttendanceError as e:
                return str(e)

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            choice, at = answer
            if choice == "replace":
                self._replace_in(row.agent_id, at)
            else:
                self._stamp(row.agent_id, choice, at=at)

        since = f" (in since {row.in_time})" if row.in_time else ""
        title = f"{row.name}{since} · stamp at, day {self.day}"
        self._guard_day(lambda: self.app.push_screen(StampAt(title, plan), chosen))

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
        now = self.esp.now()
        try:  # never a time not yet reached: before the start, `I` stamps now (it asks first)
            at = svc.bulk_in_time(cohort, self.day, now).astimezone(svc.zone_of(cohort))
        except svc.AttendanceError as e:
            self.app.notify(str(e), severity="error")
            return
        start, _ = svc.day_window(cohort, self.day)
        where = f" matching '{self.filter_text}'" if self.filter_text else ""
        other = "" if svc.is_today(cohort, self.day, now) else " (not today)"
        early = f"It is {at:%H:%M}, before the {start:%H:%M} start. " if at < start else ""
        when = f"{at:%H:%M} (now)" if early else f"{at:%H:%M}"
        question = (
            f"{early}Mark the {len(todo)} agent{'s' if len(todo) > 1 else ''}{where}"
            f" with no stamp on day {self.day}"
            f" ({start:%a %d %b}){other} as in at {when}?"
        )

        def run(ok: bool | None) -> None:
            if not ok:
                return
            action = svc.bulk_in(
                self.esp.db, self.esp.config, cohort, self.day, self.esp.now(), scope
            )
            self._done(action, f"{action.label} · u undoes")

        self.app.push_screen(Confirm(question), run)

    # -- Meet report --------------------------------------------------------------------------
    def action_meet_import(self) -> None:
        from esp_tui.screens.meet_import import MeetImportScreen, preview_from_prompt
        from esp_tui.screens.prompts import PathPrompt

        cohort = self.cohort
        if cohort is None:
            return

        def review(path: str | None) -> None:
            if not path:
                return
            try:
                # `path` is the file as PathPrompt read it (quotes, escapes and ~ undone)
                preview = preview_from_prompt(self, cohort, self.day, path)
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
                PathPrompt(
                    f"Google Meet attendance report (CSV) for day {self.day}",
                    placeholder="path/to/meet-attendance.csv (paste or drag the file here)",
                    allow_url=True,  # a Google Sheet URL works too
                ),
                review,
            )
        )


def check_hhmm(text: str) -> str | None:
    from esp_tui.domain.attendance import parse_typed_time

    try:
        parse_typed_time(text)
    except ValueError:
        return f"{text.strip()!r} is not a time: type HH:MM, e.g. 09:05 (or 905)"
    return None


def typed_hhmm(text: str) -> str:
    """What the TL typed ("912", "9:12", "09:12") as the HH:MM the services take."""
    from esp_tui.domain.attendance import parse_typed_time

    return f"{parse_typed_time(text):%H:%M}"
