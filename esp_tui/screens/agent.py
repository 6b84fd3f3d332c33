"""The Agent screen: one agent's cohort, composed of small sections.

Each section is an `AgentSection` with a `load()` that (re)reads what it shows; the screen calls
`load()` on every section when it opens, after an edit, and when another screen or process
wrote something of the agent's (`DataChanged`). Other features add their section
class to `AgentScreen.sections()` (one line each).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from esp_tui.domain.attendance import effective_events, format_local, next_ladder_step
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.services import attendance as svc
from esp_tui.widgets.esp_node import EspNode
from esp_tui.widgets.plain import plain, plain_lines
from esp_tui.widgets.roster_cells import badges_text
from esp_tui.widgets.status_header import StatusHeader


class AgentSection(EspNode, Vertical):
    """A titled block of the agent screen. Subclasses implement `load()`."""

    DEFAULT_CSS = """
    AgentSection {
        height: auto; border: round $primary 50%; padding: 0 1; margin-bottom: 1;
        border-title-color: $text; border-title-style: bold;
    }
    AgentSection DataTable { height: auto; max-height: 16; }
    """
    TITLE = ""

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id
        self.border_title = self.TITLE

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        """(Re)read from the database and redraw."""

    def week(self) -> svc.AgentWeek | None:
        cohort = self.esp.cohort
        if cohort is None:
            return None
        return svc.agent_week(self.esp.db, self.esp.config, cohort, self.agent_id, self.esp.now())


class StandingSection(AgentSection):
    """Attendance points over the cohort and the ladder step reached."""

    TITLE = "Attendance Policy"

    def compose(self) -> ComposeResult:
        yield Static(id="standing")

    def load(self) -> None:
        week = self.week()
        if week is None:
            return
        text = Text(f"Points {week.points:g}  ")
        if week.step is not None:  # step names come from the config file: text too
            text.append(plain(f" {week.step.name} ", style="bold black on yellow"))
        else:
            text.append("no step reached", style="dim")
        nxt = next_ladder_step(week.points, self.esp.config.attendance)
        if nxt is not None:
            text.append(plain(f"   next: {nxt.name} at {nxt.min_points:g}", style="dim"))
        self.query_one("#standing", Static).update(text)


class WeekSection(AgentSection):
    """The days side by side: in, out, flags, time away, points, note. ←/→ pick a day."""

    TITLE = "Attendance by day"
    ROWS = ("In", "Out", "Flags", "Away", "Pts", "Note")

    def __init__(self, agent_id: str, day: int) -> None:
        super().__init__(agent_id)
        self.initial_day = day

    def compose(self) -> ComposeResult:
        yield DataTable(id="week", cursor_type="column", zebra_stripes=True)
        yield Static(id="notes")

    def selected_day(self) -> int:
        return self.query_one("#week", DataTable).cursor_column + 1

    def load(self) -> None:
        week = self.week()
        cohort = self.esp.cohort
        if week is None or cohort is None:
            return
        table = self.query_one("#week", DataTable)
        keep = table.cursor_column if table.columns else self.initial_day - 1
        table.clear(columns=True)
        today = svc.is_today
        now = self.esp.now()
        for v in week.days:
            mark = " ●" if today(cohort, v.day, now) else ""
            table.add_column(f"Day {v.day} {cohort.date_of(v.day):%a %d}{mark}", width=19)
        dash = Text("-", style="dim")
        cells: dict[str, list[object]] = {name: [] for name in self.ROWS}
        for v in week.days:
            away = int(v.away.total_seconds() // 60)
            cells["In"].append(v.in_local or dash)
            cells["Out"].append(v.out_local or dash)
            cells["Flags"].append(badges_text(v.flags, v.badges, v.absence_kind))
            cells["Away"].append(f"{away}m" if away else dash)
            cells["Pts"].append(f"{v.points:g}")
            cells["Note"].append(plain(v.note, no_wrap=True, overflow="ellipsis"))
        for name in self.ROWS:
            table.add_row(*cells[name], label=name)
        table.move_cursor(column=min(max(keep, 0), len(week.days) - 1), animate=False)
        notes = [f"Day {v.day}: {v.note}" for v in week.days if v.note]
        self.query_one("#notes", Static).update(
            plain_lines(notes) if notes else Text("No notes yet: n writes one", style="dim")
        )


class EventLogSection(AgentSection):
    """Every attendance event, in the order entered, with times in the cohort zone: a void
    shows its reason and who entered it, the event it voided says "voided" (v / e on the
    highlighted stamp void it or give it a new time, with a reason)."""

    TITLE = "Event log"

    def compose(self) -> ComposeResult:
        yield DataTable(id="log", cursor_type="row", zebra_stripes=True)

    def load(self) -> None:
        week = self.week()
        cohort = self.esp.cohort
        if week is None or cohort is None:
            return
        zone = svc.zone_of(cohort)
        table = self.query_one("#log", DataTable)
        table.clear(columns=True)
        table.add_columns("#", "Day", "At", "Event", "Detail", "Entered", "Status")
        live = {e.id for e in effective_events(week.events)}
        voided = {e.undoes for e in week.events if e.is_void}
        for e in week.events:
            detail = ""
            if e.kind == "absent":
                detail = e.absence_kind or ""
            elif e.is_void:
                detail = f"voids #{e.undoes}: {e.reason} ({e.entered_by})"
            elif e.kind == "undo":
                detail = f"undoes #{e.undoes}"
            status = ""
            if e.kind != "undo" and e.id not in live:
                status = "voided" if e.id in voided else "undone"
            entered = format_local(e.created_at, zone) if e.created_at else ""
            table.add_row(
                str(e.id),
                str(e.day),
                format_local(e.at, zone),
                "void" if e.is_void else e.kind,
                plain(detail, no_wrap=True, overflow="ellipsis"),
                entered,
                Text(status, style="dim strike") if status else "",
                key=str(e.id),
            )
        if not week.events:
            table.add_row("", "", "", Text("no events yet", style="dim"), "", "", "")


class AgentScreen(EspScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="agent_back"),
        Binding("n", "edit_note", "Note (day)", id="agent_note"),
        Binding("v", "fix_stamp(False)", "Void stamp", id="agent_void_stamp"),
        Binding("e", "fix_stamp(True)", "Correct time", id="agent_correct_stamp"),
        Binding("left_square_bracket", "day(-1)", "Prev day", key_display="[", id="agent_prev_day"),
        Binding("right_square_bracket", "day(1)", "Next day", key_display="]", id="agent_next_day"),
    ]
    DEFAULT_CSS = """
    AgentScreen VerticalScroll { padding: 1 1 0 1; }
    """

    def __init__(self, agent_id: str, *, day: int = 1) -> None:
        super().__init__()
        self.agent_id = agent_id
        self.day = day

    def sections(self) -> list[AgentSection]:
        """The blocks of the screen, top to bottom (features add theirs here)."""
        return [
            StandingSection(self.agent_id),
            WeekSection(self.agent_id, self.day),
            EventLogSection(self.agent_id),
            _troubleshoot_section(self.agent_id),
            _progress_section(self.agent_id),
            _tickets_section(self.agent_id),
        ]

    def compose(self) -> ComposeResult:
        from storage.agents import get_agent

        agent = get_agent(self.esp.db, self.agent_id)
        title = self.agent_id
        if agent is not None:
            title = " · ".join(
                p for p in (agent.name, agent.agent_id, agent.team, agent.email) if p
            )
        yield StatusHeader(id="header")
        yield Static(plain(title), id="agent-title", classes="title-bar")
        with VerticalScroll():
            yield from self.sections()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#week", DataTable).focus()

    def reload(self) -> None:
        for section in self.query(AgentSection):
            section.load()

    def data_changed(self, change: DataChanged) -> None:
        if change.concerns(self.agent_id):
            self.reload()

    def selected_day(self) -> int:
        return self.query_one(WeekSection).selected_day()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_day(self, step: int) -> None:
        table = self.query_one("#week", DataTable)
        table.move_cursor(column=min(max(table.cursor_column + step, 0), len(table.columns) - 1))

    def action_fix_stamp(self, with_time: bool) -> None:
        """v / e: void the event log's highlighted stamp, or give it a new time, with a reason
        (one transaction; the log then shows the void and the new stamp)."""
        from esp_tui.screens.stamp_fix import StampFix
        from esp_tui.services import attendance_fix as fix

        cohort = self.esp.cohort
        week = self.query_one(EventLogSection).week()
        table = self.query_one("#log", DataTable)
        if cohort is None or week is None or not week.events or table.row_count == 0:
            self.app.notify("No stamp to correct", severity="warning")
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        event = next((e for e in week.events if str(e.id) == row_key.value), None)
        live = {e.id for e in effective_events(week.events)}
        kinds = ("in", "out") if with_time else ("in", "out", "absent")
        if event is None or event.kind not in kinds or event.id not in live:
            what = "an in or out" if with_time else "an in, out or absence"
            self.app.notify(
                f"Highlight {what} still in force in the event log (tab to it, then ↑/↓)",
                severity="warning",
            )
            return
        zone = svc.zone_of(cohort)
        at = format_local(event.at, zone)
        what = f"{event.kind} {at}" if event.kind != "absent" else event.absence_kind or "absent"
        verb = "Correct" if with_time else "Void"
        title = f"{verb} event #{event.id}: {what} on day {event.day}"

        def submit(new_time: str | None, reason: str) -> str | None:
            try:
                if new_time is None:
                    result = fix.void_event(
                        self.esp.db, self.esp.config, cohort, event.id,
                        reason=reason, now=self.esp.now(),
                    )  # fmt: skip
                else:
                    result = fix.correct_event(
                        self.esp.db, self.esp.config, cohort, event.id,
                        at=new_time, reason=reason, now=self.esp.now(),
                    )  # fmt: skip
            except svc.AttendanceError as e:
                return str(e)
            self.reload()
            self.app.notify(result.message, timeout=5)
            self.esp.post_message(DataChanged([self.agent_id], origin=self))
            return None

        self.app.push_screen(StampFix(title, submit, with_time=with_time, time=at))

    def action_edit_note(self) -> None:
        from esp_tui.screens.note_editor import edit_note
        from storage.agents import get_agent

        day = self.selected_day()
        agent = get_agent(self.esp.db, self.agent_id)

        def saved(text: str) -> None:
            self.reload()
            self.app.notify(f"Note {'saved' if text.strip() else 'cleared'} · day {day}")

        edit_note(self, self.agent_id, agent.name if agent else self.agent_id, day, saved)


def _troubleshoot_section(agent_id: str) -> AgentSection:
    from esp_tui.screens.wizard import TroubleshootSection

    return TroubleshootSection(agent_id)


def _progress_section(agent_id: str) -> AgentSection:
    from esp_tui.screens.tasks import progress_section

    return progress_section(agent_id)


def _tickets_section(agent_id: str) -> AgentSection:
    from esp_tui.screens.tickets import tickets_section

    return tickets_section(agent_id)
