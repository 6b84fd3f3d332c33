"""The Roster: the TL's home screen, one row per agent, attendance from the keyboard.

A stamp is committed (one transaction, in the service) before its row repaints, and only that
row's changed cells are updated. The screen holds no rule: rows come from
`esp_tui.services.roster_view`, actions from `esp_tui.services.attendance`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from esp_tui.services import attendance as svc
from esp_tui.services import roster_view as view
from esp_tui.services.roster_view import RosterRow
from esp_tui.widgets.plain import PlainInput, cell, plain
from esp_tui.widgets.status_header import StatusHeader
from storage.db import data_version

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from esp_tui.domain.models import Cohort

EMPTY_STATE = """\
[b]No cohort yet.[/b]

Import your roster (CSV with agent_id, name, email and optionally team):

    esp-tui roster import roster.csv --cohort "Nov cohort" --start 2026-11-23

or try the app on invented agents:

    esp-tui demo

Press q to quit.
"""


def empty_cohort_text(cohort: Cohort) -> Text:
    """A cohort with no agent yet (its name is user text: never markup)."""
    return Text.assemble(
        ("No agents in cohort ", "bold"),
        (cohort.name, "bold"),
        (" yet.", "bold"),
        "\n\nImport its roster (CSV with agent_id, name, email and optionally team):\n\n    ",
        f"esp-tui roster import roster.csv --cohort {_shell_quote(cohort.name)}",
        "\n\nor press C to view another cohort. Press q to quit.\n",
    )


def _shell_quote(text: str) -> str:
    import shlex

    from esp_tui.domain.text import visible

    return shlex.quote(visible(text))


# (column key, label, width). Progress and Where are filled by other features.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    # Sized to fit a 100-column terminal; the agent screen shows everything in full.
    ("agent", "Agent", 18),
    ("team", "Team", 5),
    ("in", "In", 5),
    ("out", "Out", 5),
    ("flags", "Flags", 15),
    ("pts", "Pts", 13),
    ("progress", "Progress", 9),
    ("where", "Where", 7),
    ("note", "Note", 4),
)

# Badge colours by flag code (absences by kind); Rich styles, no theme variables.
_BADGE_STYLE = {
    "late_10m": "black on yellow",
    "early_10m": "black on yellow",
    "late_4h": "bold black on dark_orange",
    "early_4h": "bold black on dark_orange",
}
_ABSENCE_STYLE = {
    "absent": "bold white on red",
    "ncns": "bold white on dark_red",
    "unresponsive": "bold white on magenta",
    "excused": "black on grey70",
}
_STEP_STYLE = ("bold black on yellow", "bold white on red")  # first step, later steps
_BULK_RELOAD = 20  # above this many rows, one reload beats row-by-row repaints

ABSENCE_CHOICES = (
    ("absent", "absent"),
    ("excused", "excused (HR)"),
    ("ncns", "no call, no show"),
    ("unresponsive", "unresponsive"),
)


def _points(p: float) -> str:
    return f"{p:g}"


def badges_text(
    flags: Iterable[str],
    badges: Iterable[str],
    absence_kind: str | None = None,
    away_minutes: int = 0,
) -> Text:
    """Coloured flag badges (shared with the agent screen); "away 25m" dim after them."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for code, badge in zip(flags, badges, strict=True):
        if text:
            text.append(" ")
        style = _ABSENCE_STYLE.get(absence_kind or "absent") if code == "absent" else None
        text.append(badge, style=style or _BADGE_STYLE.get(code, "reverse"))
    if away_minutes and not absence_kind:
        if text:
            text.append(" ")
        text.append(f"away {away_minutes}m", style="dim")
    return text


def flags_cell(row: RosterRow) -> Text:
    away = int(row.away.total_seconds() // 60)
    return badges_text(row.flags, row.badges, row.absence_kind, away)


def points_cell(row: RosterRow) -> Text:
    if row.step:
        style = _STEP_STYLE[0 if row.step_rank <= 1 else 1]
        return Text(
            f"{_points(row.points)} {row.step}", style=style, no_wrap=True, overflow="ellipsis"
        )
    return Text(_points(row.points), style="dim" if row.points == 0 else "")


def render_cells(row: RosterRow) -> dict[str, str | Text]:
    """Every cell of a row, by column key (user text as `cell` Text: a str cell is markup)."""
    dash = Text("-", style="dim")
    return {
        "agent": cell(row.name),
        "team": cell(row.team),
        "in": row.in_time or dash,
        "out": row.out_time or dash,
        "flags": flags_cell(row),
        "pts": points_cell(row),
        "progress": Text(row.progress, style="bold red" if row.behind else ""),
        "where": cell(row.where),
        "note": "✎" if row.has_note else "",
    }


class RosterTable(DataTable):
    """The roster grid (row keys = agent ids); j/k move like the arrows, enter opens the agent."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="roster_down"),
        Binding("k", "cursor_up", "Up", show=False, id="roster_up"),
        Binding(
            "enter",
            "open_agent",
            "Agent",
            id="open_agent",
            tooltip="Open the agent screen",
            show=False,
        ),
    ]

    def action_open_agent(self) -> None:
        screen = self.screen
        if isinstance(screen, RosterScreen):
            screen.action_open_agent()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring cells nobody reads (textual 8.2.x internals, pinned).

        The base class measures every new cell to size auto-width columns; every roster column
        has a fixed width, so at 500 agents that was ~4500 wasted measures at startup. Rows
        with a label or an auto height still go through it (it renders those to size them).
        """
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        rows = self.rows
        needed = [
            key
            for key in new_rows
            if (row := rows.get(key)) is not None and (row.label is not None or row.auto_height)
        ]
        super()._update_dimensions(needed)  # also sets the virtual size

    def update_row_cells(self, row_key: str, cells: Mapping[str, str | Text]) -> None:
        """Set some cells of one row and repaint only that row.

        `DataTable.update_cell` refreshes the whole widget, so every visible row re-renders:
        at 500 agents that was most of a stamp's cost. Same bookkeeping as update_cell
        (textual 8.2.x internals, pinned in constraints.txt), narrower refresh.
        """
        if row_key not in self._row_locations:
            raise CellDoesNotExist(f"no row {row_key!r}")
        row = self._data[RowKey(row_key)]
        for column_key, value in cells.items():
            row[ColumnKey(column_key)] = value
        self._update_count += 1  # invalidates the render caches, as update_cell does
        # refresh_row() would sum the heights of every row above (O(n)); roster rows are
        # one line each, so the row's line is its index below the header.
        y = self.get_row_index(row_key) + (self.header_height if self.show_header else 0)
        width = max(self.size.width, self.virtual_size.width)
        self._refresh_region(Region(0, y, width, 1))


class RosterScreen(Screen[None]):
    BINDINGS: list[Binding] = [
        Binding("i", "stamp_in", "In", id="stamp_in", tooltip="Stamp the agent in now"),
        Binding("o", "stamp_out", "Out", id="stamp_out", tooltip="Stamp the agent out now"),
        Binding(
            "x",
            "mark_absent",
            "Absent",
            id="mark_absent",
            tooltip="Mark the agent absent today (pick the kind)",
        ),
        Binding(
            "t", "stamp_at", "At time", id="stamp_at", tooltip="Stamp in or out at a typed HH:MM"
        ),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last stamp of this run"),
        Binding(
            "n", "edit_note", "Note", id="edit_note", tooltip="Edit the agent's note for the day"
        ),
        # priority: handled as the key arrives, so letters typed right after it reach the box
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            id="filter",
            tooltip="Filter by name, id or team",
            priority=True,
        ),
        Binding(
            "left_square_bracket",
            "prev_day",
            "Prev day",
            key_display="[",
            id="prev_day",
            tooltip="View the previous day",
            show=False,
        ),
        Binding(
            "right_square_bracket",
            "next_day",
            "Next day",
            key_display="]",
            id="next_day",
            tooltip="View the next day",
            show=False,
        ),
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
        Binding(
            "p",
            "open_tasks",
            "Tasks",
            id="open_tasks",
            tooltip="Open the agent's task list",
            show=False,
        ),
        Binding(
            "r", "raise_flag", "Flag", id="raise_flag", tooltip="Raise a red flag for the agent"
        ),
        Binding(
            "P",
            "open_progress",
            "Progress",
            key_display="P",
            id="open_progress",
            tooltip="Progress of the whole cohort",
            show=False,
        ),
        Binding(
            "F",
            "open_flags",
            "Flags",
            key_display="F",
            id="open_flags",
            tooltip="Red flags and CAPs",
            show=False,
        ),
        Binding(
            "D",
            "open_intro",
            "Day-1 intro",
            key_display="D",
            id="open_intro",
            tooltip="Day-1 intro checklist and timer",
            show=False,
        ),
        Binding(
            "w",
            "troubleshoot",
            "Troubleshoot",
            id="troubleshoot",
            tooltip="Troubleshoot the agent's technical issue step by step",
        ),
        Binding(
            "T",
            "open_tickets",
            "Tickets",
            key_display="T",
            id="open_tickets",
            tooltip="Tickets: the four forms",
            show=False,
        ),
        Binding(
            "m",
            "move_agent",
            "Move",
            id="move_agent",
            tooltip="Move the agent to a side room or back",
            show=False,
        ),
        Binding(
            "R",
            "open_rooms",
            "Rooms",
            key_display="R",
            id="open_rooms",
            tooltip="Side Meets (rooms)",
            show=False,
        ),
        Binding(
            "s",
            "set_status",
            "TL status",
            id="set_status",
            tooltip="Set your availability (TL status)",
            show=False,
        ),
        Binding(
            "c",
            "close_day",
            "Close",
            id="close_day",
            tooltip="Close the day: readiness checklist and sync",
        ),
        Binding(
            "C",
            "pick_cohort",
            "Cohorts",
            key_display="C",
            id="pick_cohort",
            tooltip="Cohorts: switch to another cohort (view a past week) or make one current",
        ),
    ]
    DEFAULT_CSS = """
    RosterScreen #daybar { height: 1; padding: 0 1; background: $boost; }
    RosterScreen #daybar.other-day { background: $warning 30%; }
    RosterScreen #filter { display: none; border: none; height: 1; padding: 0 1; }
    RosterScreen #filter.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.day: int = 1  # the viewed cohort day
        self.rows: dict[str, RosterRow] = {}  # every active agent, filter or not
        self.filter_text: str = ""
        self.undo_stack: list[svc.Action] = []  # this run's actions, newest last
        self._painted: dict[str, dict[str, str | Text]] = {}
        self._day_over_at_load = False

    @property
    def esp(self) -> EspApp:
        return self.app  # type: ignore[return-value]

    @property
    def cohort(self) -> Cohort | None:
        return self.esp.cohort

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield Static("", id="daybar", markup=False)
        yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY_STATE, id="empty")
        yield PlainInput(
            placeholder="filter by name, id or team · enter keeps · esc clears", id="filter"
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(RosterTable)
        for key, label, width in COLUMNS:
            table.add_column(label, width=width, key=key)
        self.day = self.esp.today_day() or 1
        self.reload()
        self.set_interval(30, self._watch_day_over)
        self._data_version = data_version(self.esp.db)
        self._stale = False
        self.set_interval(2, self.watch_other_writers)

    def watch_other_writers(self) -> None:
        """Another esp-tui or the CLI committed (PRAGMA data_version moved): show it, so a
        stamp or note typed in another shell is on screen and never edited from a stale copy."""
        version = data_version(self.esp.db)
        if version == self._data_version:
            return
        self._data_version = version
        # The cohort row may have changed (closed, reopened); the scope never moves: a CLI
        # `cohort use` or `cohort new` elsewhere leaves this window on its cohort.
        self.esp.refresh_cohort()
        if self.app.screen is self:
            self.reload()
            self.esp.refresh_header()
        else:
            self._stale = True

    def cohort_changed(self) -> None:
        """The app now views another cohort (the cohort picker): nothing of the old one stays,
        neither its rows, its day, its filter nor its undo stack."""
        self.undo_stack.clear()
        self.day = self.esp.today_day() or 1
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.remove_class("shown")
        self.filter_text = ""
        self._data_version = data_version(self.esp.db)
        self._stale = False
        self.reload()
        table = self.query_one(RosterTable)
        if table.row_count:
            table.move_cursor(row=0, animate=False)

    def on_screen_resume(self) -> None:
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload()

    # -- reading ------------------------------------------------------------------------------
    def selected_agent_id(self) -> str | None:
        """The agent under the cursor (None on an empty roster)."""
        table = self.query_one(RosterTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    def reload(self) -> None:
        """Rebuild every row from the database (start, day switch, bulk actions)."""
        cohort = self.cohort
        rows: list[RosterRow] = []
        if cohort is not None:
            now = self.esp.now()
            rows = view.roster_rows(self.esp.db, self.esp.config, cohort, self.day, now)
            self._day_over_at_load = svc.is_day_over(cohort, self.day, now)
        self.rows = {r.agent_id: r for r in rows}
        self._rebuild_table()
        empty = not rows
        self.query_one(RosterTable).display = not empty
        self.query_one("#daybar", Static).display = not empty
        empty_box = self.query_one("#empty", Static)
        empty_box.display = empty
        if empty:
            empty_box.update(EMPTY_STATE if cohort is None else empty_cohort_text(cohort))
        if not empty and not self.query_one("#filter", Input).has_focus:
            self.query_one(RosterTable).focus()

    def _rebuild_table(self) -> None:
        table = self.query_one(RosterTable)
        keep = self.selected_agent_id()
        table.clear()
        self._painted.clear()
        for row in self.rows.values():
            if row.matches(self.filter_text):
                cells = render_cells(row)
                self._painted[row.agent_id] = cells
                table.add_row(*(cells[k] for k, _, _ in COLUMNS), key=row.agent_id)
        if keep is not None and keep in self._painted:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        self._update_day_bar()

    def refresh_rows(self, agent_ids: Iterable[str]) -> None:
        """Recompute whole rows (every column) for these agents; other features call this."""
        cohort = self.cohort
        if cohort is None:
            return
        now = self.esp.now()
        for agent_id in agent_ids:
            if agent_id in self.rows:
                row = view.roster_row(self.esp.db, self.esp.config, cohort, self.day, now, agent_id)
                self.rows[agent_id] = row
                self._paint(row)
        self._update_day_bar()

    def refresh_attendance(self, agent_ids: Iterable[str]) -> None:
        """The per-stamp fast path: recompute the attendance fields, repaint changed cells."""
        cohort = self.cohort
        ids = [a for a in dict.fromkeys(agent_ids) if a in self.rows]
        if cohort is None:
            return
        if len(ids) > _BULK_RELOAD:
            self.reload()
            return
        now = self.esp.now()
        for agent_id in ids:
            row = self.rows[agent_id]
            view.refresh_attendance(self.esp.db, self.esp.config, cohort, self.day, now, row)
            self._paint(row)
        self._update_day_bar()

    def _paint(self, row: RosterRow) -> None:
        """Update only the cells of this row that changed."""
        before = self._painted.get(row.agent_id)
        if before is None:
            return  # filtered out: it is painted when the filter lets it back in
        cells = render_cells(row)
        changed = {k: v for k, v in cells.items() if not _same(before.get(k), v)}
        if changed:
            try:
                self.query_one(RosterTable).update_row_cells(row.agent_id, changed)
            except CellDoesNotExist:
                return
        self._painted[row.agent_id] = cells

    def _update_day_bar(self) -> None:
        cohort = self.cohort
        bar = self.query_one("#daybar", Static)
        if cohort is None:
            return
        start, end = svc.day_window(cohort, self.day)
        present = absent = waiting = 0
        for r in self.rows.values():  # one pass: this runs after every stamp
            present += bool(r.in_time)
            absent += "absent" in r.flags
            waiting += not r.has_stamp
        parts = [
            f"Day {self.day} of {cohort.days}",
            f"{start:%a %d %b} {start:%H:%M}–{end:%H:%M}",
            f"{present} in",
            f"{absent} absent",
            f"{waiting} not stamped",
        ]
        now = self.esp.now()
        other = not svc.is_today(cohort, self.day, now)
        if cohort.closed:
            parts.append("closed: read-only")
        elif other:
            parts.append("not today: stamping asks first")
        if self.filter_text:
            parts.append(f"filter: '{self.filter_text}' ({len(self._painted)} shown)")
        bar.update(plain(" · ".join(parts)), layout=False)  # one fixed line: no re-layout
        bar.set_class(other or cohort.closed, "other-day")

    def _watch_day_over(self) -> None:
        # At the scheduled end, unstamped agents become absent: redraw once when that flips.
        cohort = self.cohort
        if cohort and svc.is_day_over(cohort, self.day, self.esp.now()) != self._day_over_at_load:
            self.reload()

    # -- stamping -----------------------------------------------------------------------------
    def _selected_row(self) -> RosterRow | None:
        agent_id = self.selected_agent_id()
        return self.rows.get(agent_id) if agent_id else None

    def _guard_day(self, then: Callable[[], None]) -> None:
        """Run `then` now on today; on another day, only after the TL confirms."""
        from esp_tui.screens.prompts import Confirm

        cohort = self.cohort
        if cohort is None:
            return
        self.esp.require_writable()  # a closed cohort refuses now, not after the question
        if svc.is_today(cohort, self.day, self.esp.now()):
            then()
            return
        date = cohort.date_of(self.day)
        self.app.push_screen(
            Confirm(f"Stamp day {self.day} ({date:%a %d %b}), which is not today?"),
            lambda ok: then() if ok else None,
        )

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
        self.undo_stack.append(result.action)
        self.refresh_attendance([agent_id])
        self.app.notify(result.message, timeout=4)

    def action_stamp_in(self) -> None:
        if (row := self._selected_row()) is not None:
            self._guard_day(lambda: self._stamp(row.agent_id, "in"))

    def action_stamp_out(self) -> None:
        if (row := self._selected_row()) is not None:
            self._guard_day(lambda: self._stamp(row.agent_id, "out"))

    def action_mark_absent(self) -> None:
        from esp_tui.screens.prompts import PickOne

        row = self._selected_row()
        if row is None:
            return
        pts = self.esp.config.attendance.points
        choices = [(k, f"{label} · {_points(pts[k])} pts") for k, label in ABSENCE_CHOICES]

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

        row = self._selected_row()
        if row is None:
            return

        def ask_time(kind: str | None) -> None:
            if kind is None:
                return
            self.app.push_screen(
                TextPrompt(
                    f"{row.name} · {kind} on day {self.day} at",
                    placeholder="HH:MM, e.g. 09:05",
                    validate=_check_hhmm,
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

    def action_bulk_in(self) -> None:
        from esp_tui.screens.prompts import Confirm

        cohort = self.cohort
        if cohort is None:
            return
        self.esp.require_writable()
        scope = list(self._painted) if self.filter_text else None
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
            self.undo_stack.append(action)
            self.refresh_attendance(action.agent_ids)
            self.app.notify(f"{action.label} · u undoes", timeout=4)
            self.esp.refresh_header()

        self.app.push_screen(Confirm(question), run)

    def action_edit_note(self) -> None:
        from esp_tui.screens.note_editor import edit_note

        row = self._selected_row()
        cohort = self.cohort
        if row is None or cohort is None:
            return
        self.esp.require_writable()

        def saved(text: str) -> None:
            self.refresh_attendance([row.agent_id])
            self.app.notify(f"Note {'saved' if text.strip() else 'cleared'} · {row.name}")
            self.esp.refresh_header()

        edit_note(
            self.app, self.esp.db, cohort, row.agent_id, row.name, self.day, saved,
            lambda: self.refresh_attendance([row.agent_id]),
        )  # fmt: skip

    def action_open_agent(self) -> None:
        from esp_tui.screens.agent import AgentScreen

        agent_id = self.selected_agent_id()
        if agent_id is None or self.cohort is None:
            return
        self.app.push_screen(
            AgentScreen(agent_id, day=self.day), lambda _: self.refresh_rows([agent_id])
        )

    @on(DataTable.RowSelected, "#roster")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_agent()

    # -- days and filter ----------------------------------------------------------------------
    def _switch_day(self, step: int) -> None:
        cohort = self.cohort
        if cohort is None:
            return
        day = min(max(self.day + step, 1), cohort.days)
        if day == self.day:
            self.app.notify(f"Day {day} is the {'first' if step < 0 else 'last'} day")
            return
        self.day = day
        self.reload()

    def action_prev_day(self) -> None:
        self._switch_day(-1)

    def action_next_day(self) -> None:
        self._switch_day(+1)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        self.set_focus(box)  # now, not on the next tick

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._rebuild_table()

    @on(Input.Submitted, "#filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        if not self.filter_text:
            event.input.remove_class("shown")
        self.query_one(RosterTable).focus()

    def jump_to_agent(self, agent_id: str) -> None:
        """Put the cursor on an agent (the palette's "jump to agent"), clearing a filter that
        hides them."""
        table = self.query_one(RosterTable)
        if self.filter_text and agent_id not in self._painted:
            box = self.query_one("#filter", Input)
            box.value = ""
            box.remove_class("shown")
            self.filter_text = ""
            self._rebuild_table()
        try:
            row = table.get_row_index(agent_id)
        except Exception:  # unknown or inactive agent: nothing to jump to
            self.app.notify(f"{agent_id} is not on the roster", severity="warning")
            return
        table.move_cursor(row=row)
        table.focus()

    def on_key(self, event) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            event.stop()
            box.value = ""  # Changed rebuilds the table unfiltered
            box.remove_class("shown")
            self.query_one(RosterTable).focus()

    # -- progress, flags, intro (esp_tui/screens/tasks|progress|flags|intro.py) ----------------
    def action_open_tasks(self) -> None:
        from esp_tui.screens.tasks import open_tasks

        open_tasks(self.app, self.selected_agent_id(), self.reload)

    def action_raise_flag(self) -> None:
        from esp_tui.screens.flags import open_raise_flag

        open_raise_flag(self.app, self.selected_agent_id())

    def action_open_progress(self) -> None:
        from esp_tui.screens.progress import open_progress

        open_progress(self.app, self.reload)

    def action_open_flags(self) -> None:
        from esp_tui.screens.flags import open_flags

        open_flags(self.app)

    def action_open_intro(self) -> None:
        from esp_tui.screens.intro import open_intro

        open_intro(self.app)

    def action_open_tickets(self) -> None:
        from esp_tui.screens.tickets import open_tickets

        open_tickets(self, self.selected_agent_id())

    def action_move_agent(self) -> None:
        from esp_tui.screens.rooms import move_agent_dialog

        move_agent_dialog(self, self.selected_agent_id())

    def action_open_rooms(self) -> None:
        from esp_tui.screens.rooms import open_rooms

        open_rooms(self)

    def action_set_status(self) -> None:
        from esp_tui.screens.tl_status import open_tl_status

        open_tl_status(self, self.selected_agent_id())

    def action_troubleshoot(self) -> None:
        from esp_tui.screens.wizard import open_troubleshoot

        open_troubleshoot(self.esp, self.selected_agent_id())

    def action_pick_cohort(self) -> None:
        from esp_tui.screens.cohort_picker import open_cohort_picker

        open_cohort_picker(self.esp)

    def action_close_day(self) -> None:
        from esp_tui.screens.close import open_close

        open_close(self.esp, self.reload)

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

                preview = preview_meet_report(
                    self.esp.db, cohort, Path(path.strip()).expanduser()
                )
            except svc.AttendanceError as e:
                self.app.notify(str(e), severity="error", timeout=8)
                return
            self.app.push_screen(MeetImportScreen(preview, day=self.day), accepted)

        def accepted(action: svc.Action | None) -> None:
            if action is None or not action.event_ids:
                return
            self.undo_stack.append(action)
            self.refresh_attendance(action.agent_ids)
            self.app.notify(f"{action.label} · u undoes", timeout=4)

        self._guard_day(
            lambda: self.app.push_screen(
                TextPrompt(
                    f"Google Meet attendance report (CSV) for day {self.day}",
                    placeholder="path/to/meet-attendance.csv",
                ),
                review,
            )
        )


def _same(a: str | Text | None, b: str | Text) -> bool:
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, str(a.style), a.spans) == (b.plain, str(b.style), b.spans)
    return a == b


def _check_hhmm(text: str) -> str | None:
    from esp_tui.domain.attendance import parse_hhmm

    try:
        parse_hhmm(text)
    except ValueError:
        return f"{text.strip()!r} is not a time: type HH:MM, e.g. 09:05"
    return None
