"""Day-1 intro (`D`): the resources the TL reviews with the agents in the first 60-90 minutes,
ticked off from the keyboard, with a running timer against config.intro.target_minutes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from esp_tui.run_state import IntroState
from esp_tui.screens.base import EspScreen
from esp_tui.widgets.plain import cell
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from esp_tui.app import EspApp


def intro_state(app: EspApp) -> IntroState:
    """The intro of the cohort on screen (kept in `app.run_state`: each cohort its own clock
    and ticks, so viewing a past cohort and coming back leaves this week's intro as it was)."""
    return app.run_state.intro(app.cohort.id if app.cohort else None)


def timer_text(elapsed_s: float, target_min: int, done: int, total: int) -> Text:
    """ "12:05 of 90 min · 2 of 6 reviewed"; red once past the target."""
    secs = max(0, int(elapsed_s))
    clock = f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    over = secs > target_min * 60
    text = Text("⏱ ")
    text.append(clock, style="bold red" if over else "bold")
    text.append(f" of {target_min} min")
    if over:
        text.append(" · past the target", style="red")
    text.append(f" · {done} of {total} reviewed", style="green" if done == total else "")
    return text


class IntroTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="intro_down"),
        Binding("k", "cursor_up", "Up", show=False, id="intro_up"),
    ]


class IntroScreen(EspScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="intro_back"),
        Binding("space", "tick", "Tick", id="intro_tick"),
        Binding("o", "open_link", "Open link", id="intro_open"),
        Binding("c", "copy_link", "Copy link", id="intro_copy"),
        Binding("t", "restart", "Restart timer", id="intro_restart"),
    ]
    DEFAULT_CSS = """
    IntroScreen #intro-title { height: auto; padding: 0 1; }
    IntroScreen #timer { height: 1; padding: 0 1; }
    IntroScreen IntroTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield Static(
            "[b]Day-1 intro[/b] · introduce yourself, then review each resource with the agents",
            id="intro-title",
        )
        yield Static("", id="timer")
        yield IntroTable(id="intro", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        state = intro_state(self.esp)
        if state.started_at is None:
            state.started_at = self.esp.now()
        table = self.query_one(IntroTable)
        table.add_column("", width=3, key="tick")
        table.add_column("Resource", width=44, key="title")
        table.add_column("Link", width=60, key="url")
        for i, r in enumerate(self.esp.config.intro.resources):
            # titles and links come from the config file: text, never markup
            table.add_row(self._tick(i), cell(r.title), cell(r.url), key=str(i))
        table.focus()
        self.tick_timer()
        self.set_interval(1.0, self.tick_timer)

    def _tick(self, i: int) -> Text:
        ticked = i in intro_state(self.esp).ticked
        return Text("✓" if ticked else "☐", style="bold green" if ticked else "")

    def tick_timer(self) -> None:
        state = intro_state(self.esp)
        assert state.started_at is not None
        elapsed = (self.esp.now() - state.started_at).total_seconds()
        total = len(self.esp.config.intro.resources)
        self.query_one("#timer", Static).update(
            timer_text(elapsed, self.esp.config.intro.target_minutes, len(state.ticked), total)
        )

    def _current(self) -> int | None:
        table = self.query_one(IntroTable)
        return table.cursor_row if table.row_count else None

    def action_tick(self) -> None:
        i = self._current()
        if i is None:
            return
        ticked = intro_state(self.esp).ticked
        ticked.symmetric_difference_update({i})
        self.query_one(IntroTable).update_cell(str(i), "tick", self._tick(i))
        self.tick_timer()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_tick()  # enter ticks too

    def action_open_link(self) -> None:
        i = self._current()
        if i is None:
            return
        url = self.esp.config.intro.resources[i].url
        if url:
            self.app.open_url(url)
            # No browser may open (remote shell): say what was tried; c copies it.
            self.notify(f"opening {url} · c copies it")

    def action_copy_link(self) -> None:
        i = self._current()
        if i is None:
            return
        url = self.esp.config.intro.resources[i].url
        if url:
            self.app.copy_to_clipboard(url)
            self.notify(f"copied {url}")

    def action_restart(self) -> None:
        intro_state(self.esp).started_at = self.esp.now()
        self.tick_timer()

    def action_back(self) -> None:
        self.dismiss(None)


def open_intro(app: EspApp) -> None:
    """`D` on the roster."""
    app.push_screen(IntroScreen())
