"""The Progress screen (`P`): the whole cohort as a tasks × agents heat grid, behind first, with
each agent's bar against the day's expected line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from esp_tui.domain.text import visible
from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.widgets.plain import plain
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp
    from esp_tui.domain.tasks import TaskSpec
    from esp_tui.services.progress import CohortProgress, CohortRow

CELL = 5  # width of one task column on a 120-column terminal (wider terminals get wider cells)
BAR = 10  # width of the progress bar
FIXED = 22 + BAR + 8  # the Agent and Done columns
GLYPH = {
    "not_started": "·",
    "in_progress": "~",
    "passed": "✓",
    "failed": "✗",
    "waived": "–",
}
# Background by standing: the heat is "how late is this".
STANDING_STYLE = {
    "done": "bold #e8ffe8 on #1f6b33",
    "behind": "bold white on #a3262a",
    "due_today": "bold black on #d9a520",
    "upcoming": "#8a8a8a",
}
LEGEND = (
    "[on #1f6b33] ✓ [/] done  [on #a3262a] ! [/] behind  [black on #d9a520] ○ [/] due today  "
    "[#8a8a8a]·[/] upcoming   ✗ failed  ~ in progress  – waived   [b]│[/b] expected by today"
)


def short_labels(tasks: Sequence[TaskSpec], width: int = CELL) -> list[str]:
    """Column headers one narrower than a cell (so neighbours never touch): the key's first
    word when no other task shares it (call_cert → "call"), else its last word (ahip_m1 →
    "m1"), cut with a dot when too long (cert_aetna → "aet." in 4)."""
    firsts = [t.key.split("_")[0] for t in tasks]
    room = max(2, width - 1)
    out = []
    for t, first in zip(tasks, firsts, strict=True):
        word = first if firsts.count(first) == 1 else t.key.split("_")[-1]
        out.append(word if len(word) <= room else word[: room - 1] + ".")
    return out


def cell_width(screen_width: int, n_tasks: int) -> int:
    """Task columns share what the Agent and Done columns leave, between 4 and 8 wide."""
    return min(8, max(4, (screen_width - FIXED - 2) // max(n_tasks, 1)))


def progress_bar(passed: int, total: int, expected: int, behind: bool) -> Text:
    """████░░│░░░ 3/15: filled share of done tasks, │ where today's expected count falls."""
    total = max(total, 1)
    filled = round(BAR * passed / total)
    mark = min(BAR - 1, round(BAR * expected / total)) if expected else -1
    text = Text()
    for i in range(BAR):
        if i == mark:
            text.append("│", style="bold")
        elif i < filled:
            text.append("█", style="red" if behind else "green")
        else:
            text.append("░", style="#555555")
    text.append(f" {passed}/{total}".ljust(7))
    return text


def cell(status: str, standing: str, width: int = CELL) -> Text:
    glyph = GLYPH.get(status, "?")
    if standing == "behind" and status in ("not_started", "in_progress"):
        glyph = "!" if status == "not_started" else "~"
    elif standing == "due_today" and status == "not_started":
        glyph = "○"
    return Text(glyph.center(width), style=STANDING_STYLE[standing])


class ProgressGrid(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="progress_down"),
        Binding("k", "cursor_up", "Up", show=False, id="progress_up"),
        Binding("h", "cursor_left", "Left", show=False, id="progress_left"),
        Binding("l", "cursor_right", "Right", show=False, id="progress_right"),
    ]


class ProgressScreen(EspScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="progress_back"),
        Binding("p", "open_tasks", "Agent's tasks", id="progress_open_tasks"),
    ]
    DEFAULT_CSS = """
    ProgressScreen #summary { height: auto; padding: 0 1; }
    ProgressScreen #legend { height: auto; padding: 0 1; }
    ProgressScreen ProgressGrid { height: 1fr; }
    ProgressScreen #detail {
        height: auto; min-height: 2; padding: 0 1; border-top: solid $primary;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.data: CohortProgress | None = None
        self._stale = False  # written meanwhile (the agent's tasks, opened from here)

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static("", id="summary")
        yield Static(LEGEND, id="legend")
        yield ProgressGrid(id="grid", cursor_type="cell", cell_padding=0, zebra_stripes=False)
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(ProgressGrid).focus()

    def data_changed(self, change: DataChanged) -> None:
        if self.app.screen is self:
            self.reload()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        from esp_tui.services.progress import cohort_progress

        self.data = data = cohort_progress(self.esp.db, self.esp.config, now=self.esp.now())
        grid = self.query_one(ProgressGrid)
        coord = grid.cursor_coordinate
        grid.clear(columns=True)
        grid.add_column(" Agent", width=22, key="agent")
        grid.add_column("Done", width=BAR + 8, key="done")
        width = cell_width(self.app.size.width, len(data.tasks))
        for t, label in zip(data.tasks, short_labels(data.tasks, width), strict=True):
            grid.add_column(Text(label.center(width)), width=width, key=t.key)
        for row in data.rows:
            behind = bool(row.progress.behind)
            name = Text(" " + visible(row.agent.name)[:20], style="bold red" if behind else "")
            bar = progress_bar(row.progress.passed, row.progress.total, data.expected, behind)
            cells = [
                cell(
                    row.states[t.key].status if t.key in row.states else "not_started",
                    row.standings[t.key],
                    width,
                )
                for t in data.tasks
            ]
            grid.add_row(name, bar, *cells, key=row.agent.agent_id)
        if grid.row_count:
            grid.move_cursor(row=min(coord.row, grid.row_count - 1), column=coord.column)
        day_end = "over" if data.day_over else "running"
        due_today = sum(1 for r in data.rows if r.progress.due_today)
        self.query_one("#summary", Static).update(
            f"[b]Progress[/b] · day {data.today} ({day_end}) · expected by the end of today: "
            f"[b]{data.expected} of {len(data.tasks)}[/b] tasks · "
            f"[b red]{data.agents_behind}[/b red] of {len(data.rows)} agents behind · "
            f"{due_today} with tasks due today"
        )
        self._detail()

    def current(self) -> tuple[CohortRow, TaskSpec | None] | None:
        grid = self.query_one(ProgressGrid)
        if self.data is None or grid.row_count == 0:
            return None
        rkey, ckey = grid.coordinate_to_cell_key(grid.cursor_coordinate)
        row = next((r for r in self.data.rows if r.agent.agent_id == rkey.value), None)
        if row is None:
            return None
        task = next((t for t in self.data.tasks if t.key == ckey.value), None)
        return row, task

    def _detail(self) -> None:
        box = self.query_one("#detail", Static)
        found = self.current()
        if found is None:
            box.update("[dim]No agents yet.[/dim]")
            return
        row, task = found
        # Names, task labels and next actions are text: plain, never markup.
        head = Text.assemble(plain(row.agent.name, style="bold"), plain(f" ({row.agent.agent_id})"))
        if task is None:
            nxt = row.progress.next_actions
            more = f" · next: {nxt[0]}" + (f" (+{len(nxt) - 1} more)" if len(nxt) > 1 else "")
            box.update(
                Text.assemble(
                    head,
                    f" · {row.progress.passed}/{row.progress.total} done",
                    plain(more) if nxt else " · nothing pending",
                )
            )
            return
        state = row.states.get(task.key)
        status = state.status.replace("_", " ") if state else "not started"
        tries = f" · {state.attempts} attempt(s)" if state and state.attempts else ""
        last = f", last {state.last_score:g}%" if state and state.last_score is not None else ""
        standing = row.standings[task.key].replace("_", " ")
        box.update(
            Text.assemble(
                head,
                " · ",
                plain(task.label, style="bold"),
                f" (due day {task.due_day}): {status}{tries}{last}",
                f" · {standing} · p opens the agent's tasks",
            )
        )

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._detail()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_open_tasks(self) -> None:
        from esp_tui.screens.tasks import open_tasks

        found = self.current()
        open_tasks(self.esp, found[0].agent.agent_id if found else None)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self.action_open_tasks()


def open_progress(app: EspApp) -> None:
    """`P` on the roster."""
    app.push_screen(ProgressScreen())
