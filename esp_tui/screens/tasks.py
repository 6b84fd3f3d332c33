"""An agent's task list (`p` on the roster): statuses, attempts, the failed-exam guide's next step,
and the agent's CAPs and red flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Input, Static

from esp_tui.messages import DataChanged
from esp_tui.screens.agent import AgentSection
from esp_tui.screens.base import EspModal, EspScreen
from esp_tui.screens.coaching import coaching_hint, is_coaching, open_coaching
from esp_tui.widgets.plain import PlainInput, cell, plain, plain_lines
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from esp_tui.services.progress import AgentTasks, AttemptOutcome, TaskRow
    from storage.flags import Cap, RedFlag

STATUS_STYLE = {
    "not_started": ("not started", "dim"),
    "in_progress": ("in progress", "yellow"),
    "passed": ("passed", "green"),
    "failed": ("FAILED", "bold red"),
    "waived": ("waived", "cyan"),
}


def status_text(status: str) -> Text:
    label, style = STATUS_STYLE.get(status, (status, ""))
    return Text(label, style=style)


def standing_text(row: TaskRow) -> Text:
    if row.standing == "done":
        return Text("✓ done", style="green")
    if row.standing == "behind":
        return Text(f"BEHIND (day {row.task.due_day})", style="bold red")
    if row.standing == "due_today":
        return Text("due today", style="yellow")
    return Text(f"day {row.task.due_day}", style="dim")


def attempts_text(row: TaskRow) -> str:
    if not row.task.is_exam and row.state.attempts == 0:
        return ""
    if row.task.max_attempts is None:
        return str(row.state.attempts)
    return f"{row.state.attempts}/{row.task.max_attempts}"


def made_text(made: Cap | RedFlag, zone: tzinfo) -> str:
    """`c` already done for this guide step: what exists and since when (cohort time)."""
    from storage.flags import Cap

    if isinstance(made, Cap):
        return f"{made.level} CAP #{made.id} already recorded on {_date(made.created_at, zone)}"
    return f"red flag #{made.id} already raised on {_date(made.raised_at, zone)}"


def _date(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%a %d %b")


class ScoreModal(EspModal[Any]):
    """Ask for a score and hand it to `submit`, which records it (a ValueError is shown here and
    the modal stays open); dismisses with whatever `submit` returned, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="score_cancel")]
    DIALOG_CLASSES = "-roomy"
    DEFAULT_CSS = "ScoreModal > Vertical { width: 70; }"

    def __init__(self, title: Text, submit: Callable[[float], Any]) -> None:
        super().__init__()
        self._title = title
        self._submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title)
            yield PlainInput(placeholder="score 0-100, e.g. 78", type="number", id="score")
            yield Static("", id="score-error", classes="prompt-error")
            yield Static("[dim]enter records the attempt · esc cancels[/dim]")

    def on_mount(self) -> None:
        self.query_one("#score", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#score-error", Static)
        try:
            score = float(event.value)
        except ValueError:
            error.update("enter the score as a number, e.g. 78")
            return
        try:
            result = self._submit(score)
        except ValueError as e:
            error.update(plain(str(e)))
            return
        self.dismiss(result)


class TaskTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="tasks_down"),
        Binding("k", "cursor_up", "Up", show=False, id="tasks_up"),
    ]


class TaskListScreen(EspScreen[None]):
    """One agent's tasks against the Agent Timeframe Expectations."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="tasks_back"),
        Binding("space", "cycle", "Cycle status", id="task_cycle"),
        Binding("f", "attempt", "Record attempt", id="task_attempt"),
        Binding("c", "guide_act", "Do guide step", id="task_guide_act"),
        Binding("a", "add_cap", "CAP", id="task_add_cap"),
        Binding("r", "raise_flag", "Red flag", id="task_raise_flag"),
    ]
    DEFAULT_CSS = """
    TaskListScreen #tasks-title { height: auto; padding: 0 1; text-style: bold; }
    TaskListScreen TaskTable { height: 1fr; }
    TaskListScreen #guide {
        height: auto; min-height: 3; padding: 0 1; border: round $warning; display: none;
    }
    TaskListScreen #caps-flags { height: auto; max-height: 10; padding: 0 1; }
    """
    COLUMNS = (
        ("Task", 40),
        ("Kind", 9),
        ("Due", 5),
        ("Status", 12),
        ("Tries", 5),
        ("Last", 6),
        ("Standing", 16),
    )

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id
        self.view: AgentTasks | None = None
        self.last_outcome: AttemptOutcome | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("", id="tasks-title")
        yield TaskTable(id="tasks", cursor_type="row", zebra_stripes=True)
        yield Static("", id="guide")
        yield Static("", id="caps-flags")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(TaskTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width, key=label.lower())
        self.reload()
        table.focus()

    # -- rendering ------------------------------------------------------------------------------
    def reload(self) -> None:
        from esp_tui.services.progress import agent_tasks

        self.view = view = agent_tasks(
            self.esp.db, self.esp.config, self.agent_id, now=self.esp.now()
        )
        table = self.query_one(TaskTable)
        row_index = table.cursor_row
        table.clear()
        for row in view.rows:
            last = row.state.last_score
            table.add_row(
                cell(row.task.label),  # labels come from the config file: text too
                row.task.kind,
                f"d{row.task.due_day}",
                status_text(row.state.status),
                attempts_text(row),
                "" if last is None else f"{last:g}",
                standing_text(row),
                key=row.task.key,
            )
        if table.row_count:
            table.move_cursor(row=min(row_index, table.row_count - 1))
        p = view.progress
        behind = Text(f" · behind: {len(p.behind)}", style="red") if p.behind else ""
        self.query_one("#tasks-title", Static).update(
            Text.assemble(
                "Tasks · ",
                plain(f"{view.agent.name} ({view.agent.agent_id})"),
                f" · {p.passed}/{p.total} done",
                behind,
                f" · day {view.today}",
            )
        )
        self._render_guide()
        self._render_caps_flags()

    def _render_guide(self) -> None:
        """The guide's next step for the highlighted failed exam (or the last attempt's result)."""
        guide = self.query_one("#guide", Static)
        row = self.current_row()
        lines: list[str | Text] = []  # str: text (labels, guide steps); Text: our styling
        o = self.last_outcome
        if o is not None and row is not None and o.task.key == row.task.key:
            lines.append(o.message)
        elif row is not None and row.step is not None:
            lines.append(f"{row.task.label}: failed {row.fails}×. Next: {row.step.text}")
        if row is not None and row.made is not None:
            lines.append(made_text(row.made, self.esp.zone))
        elif row is not None and row.step is not None and row.step.creates:
            what = "the written CAP" if row.step.creates == "cap" else "the red flag to the PMs"
            lines.append(Text.assemble(("c", "bold"), f" creates {what}"))
        if row is not None and is_coaching(row):
            lines.append(coaching_hint(self, self.agent_id, row))
        guide.update(plain_lines(lines))
        guide.display = bool(lines)

    def _render_caps_flags(self) -> None:
        from esp_tui.screens.flags import cap_line, flag_line

        assert self.view is not None
        zone = self.esp.zone
        caps = [Text.assemble(" • ", cap_line(c, zone)) for c in self.view.caps]
        flags = [Text.assemble(" • ", flag_line(f, zone)) for f in self.view.flags]
        lines = [Text.assemble(("CAPs", "bold"), f" ({len(caps)})  ", ("a adds one", "dim"))]
        lines += caps
        lines.append(
            Text.assemble(("Red flags", "bold"), f" ({len(flags)})  ", ("r raises one", "dim"))
        )
        lines += flags
        self.query_one("#caps-flags", Static).update(plain_lines(lines))

    def current_row(self) -> TaskRow | None:
        table = self.query_one(TaskTable)
        if self.view is None or table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((r for r in self.view.rows if r.task.key == key.value), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.view is not None:
            self._render_guide()

    # -- actions --------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_cycle(self) -> None:
        from esp_tui.services.progress import cycle_status

        row = self.current_row()
        if row is None:
            return
        self.last_outcome = None
        cycle_status(self.esp.db, self.esp.config, self.agent_id, row.task.key, now=self.esp.now())
        self._written()

    def action_attempt(self) -> None:
        from esp_tui.services.progress import record_attempt

        row = self.current_row()
        if row is None:
            return
        if not row.task.is_exam:
            self.notify(f"{row.task.label} is a {row.task.kind}: space sets its status", timeout=4)
            return
        if row.attempts_left == 0 and row.state.status != "passed":
            # the service would refuse any score: say so now rather than after typing one
            self.notify(
                f"all {row.task.max_attempts} attempts at {row.task.label} are used", timeout=4
            )
            return
        esp = self.esp

        def submit(score: float) -> AttemptOutcome:
            return record_attempt(
                esp.db, esp.config, self.agent_id, row.task.key, score, now=esp.now()
            )

        self.app.push_screen(
            ScoreModal(
                Text.assemble(
                    "Attempt at ",
                    plain(row.task.label, style="bold"),
                    f" · pass mark {row.task.pass_mark:g}%",
                ),
                submit,
            ),
            self._attempt_done,
        )

    def _attempt_done(self, outcome: AttemptOutcome | None) -> None:
        if outcome is None:
            return
        self.last_outcome = outcome
        self._written()

    def action_guide_act(self) -> None:
        from esp_tui.services.progress import act_on_guide
        from storage.flags import Cap

        row = self.current_row()
        if row is not None and is_coaching(row):
            open_coaching(self, self.agent_id, row, self._written)
            return
        if row is None or row.step is None or not row.step.creates:
            self.notify("nothing to create: the guide step for this task creates no CAP or flag")
            return
        if row.made is not None:
            self.notify(made_text(row.made, self.esp.zone))
            return
        made = act_on_guide(
            self.esp.db, self.esp.config, self.agent_id, row.task.key, now=self.esp.now()
        )
        if isinstance(made, Cap):
            self.notify(f"{made.level} CAP recorded (#{made.id})")
        elif made is not None:
            self.notify(f"red flag #{made.id} raised: notify the PM from the flags list (F)")
        self._written()

    def action_add_cap(self) -> None:
        from esp_tui.screens.flags import open_cap_modal

        open_cap_modal(self.esp, self.agent_id, self._changed)

    def action_raise_flag(self) -> None:
        from esp_tui.screens.flags import open_raise_flag

        open_raise_flag(self.esp, self.agent_id, self._changed)

    def _changed(self, _: object) -> None:
        self.reload()  # the modal's opener announced the write (DataChanged)

    def _written(self) -> None:
        """After this screen wrote: show it, and tell the others (the roster's Progress
        column, the header)."""
        self.reload()
        self.esp.post_message(DataChanged([self.agent_id], origin=self))


def open_tasks(app: EspApp, agent_id: str | None) -> None:
    """`p` on the roster and on the Progress screen: the agent's task list."""
    if agent_id is None:
        app.notify("no agent selected")
        return
    app.push_screen(TaskListScreen(agent_id))


class ProgressSection(AgentSection):
    """The agent screen's "Tasks / CAPs / flags" block (esp_tui/screens/agent.py)."""

    TITLE = "Tasks / CAPs / flags"

    def compose(self) -> ComposeResult:
        yield Static("", id="agent-progress")

    def load(self) -> None:
        from esp_tui.screens.flags import cap_line, flag_line
        from esp_tui.services.progress import agent_tasks

        view = agent_tasks(self.esp.db, self.esp.config, self.agent_id, now=self.esp.now())
        p = view.progress
        behind = plain(f" · behind: {', '.join(p.behind)}", style="bold red") if p.behind else ""
        lines: list[str | Text] = [
            Text.assemble(
                f"{p.passed}/{p.total} tasks done", behind, ("  p on the roster: tasks", "dim")
            )
        ]
        lines += [f" → {a}" for a in p.next_actions[:4]]
        lines += [Text.assemble(" • ", cap_line(c, self.esp.zone)) for c in view.caps]
        lines += [Text.assemble(" • ", flag_line(f, self.esp.zone)) for f in view.flags]
        self.query_one("#agent-progress", Static).update(plain_lines(lines))


def progress_section(agent_id: str) -> ProgressSection:
    return ProgressSection(agent_id)
