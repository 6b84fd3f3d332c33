"""Day-1 intro (`D`): the resources the TL reviews with the agents in the first 60-90 minutes,
ticked off from the keyboard, with a running timer against config.intro.target_minutes.

The timer's start and the ticks are kept in the database per cohort (esp_tui/services/intro.py):
leaving the intro, viewing another cohort or restarting the app keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from esp_tui.messages import DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.services import intro as svc
from esp_tui.widgets.plain import cell
from esp_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from datetime import datetime

    from esp_tui.app import EspApp


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

    def __init__(self) -> None:
        super().__init__()
        self.started_at: datetime | None = None
        self.ticked: set[str] = set()  # resource titles

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
        self._load()
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

    def _load(self) -> None:
        """The cohort's intro as stored; its timer starts now on the first opening. With no
        cohort yet there is nothing to keep it in: it runs for this screen only."""
        now = self.esp.now()
        if self.esp.cohort is None:
            self.started_at = self.started_at or now
            return
        self.ticked = set(svc.load_intro(self.esp.db).ticked)
        self.started_at = svc.start_intro(self.esp.db, now)

    def data_changed(self, change: DataChanged) -> None:
        """Another esp-tui on this database ticked or restarted the timer: show it."""
        if change.agent_ids is None and self.esp.cohort is not None:
            intro = svc.load_intro(self.esp.db)
            self.ticked, self.started_at = set(intro.ticked), intro.started_at or self.started_at
            table = self.query_one(IntroTable)
            for i in range(table.row_count):
                table.update_cell(str(i), "tick", self._tick(i))
            self.tick_timer()

    def _title(self, i: int) -> str:
        return self.esp.config.intro.resources[i].title

    def _tick(self, i: int) -> Text:
        ticked = self._title(i) in self.ticked
        return Text("✓" if ticked else "☐", style="bold green" if ticked else "")

    def tick_timer(self) -> None:
        assert self.started_at is not None
        elapsed = (self.esp.now() - self.started_at).total_seconds()
        titles = [r.title for r in self.esp.config.intro.resources]
        done = sum(t in self.ticked for t in titles)
        self.query_one("#timer", Static).update(
            timer_text(elapsed, self.esp.config.intro.target_minutes, done, len(titles))
        )

    def _current(self) -> int | None:
        table = self.query_one(IntroTable)
        return table.cursor_row if table.row_count else None

    def action_tick(self) -> None:
        i = self._current()
        if i is None:
            return
        title = self._title(i)
        if self.esp.cohort is None:
            self.ticked.symmetric_difference_update({title})
        elif svc.toggle_tick(self.esp.db, title, self.esp.now()):
            self.ticked.add(title)
        else:
            self.ticked.discard(title)
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
            from esp_tui.screens.copied_dialog import copy_text

            copy_text(self.app, url, self.esp.config.intro.resources[i].title)

    def action_restart(self) -> None:
        now = self.esp.now()
        self.started_at = now if self.esp.cohort is None else svc.restart_timer(self.esp.db, now)
        self.tick_timer()

    def action_back(self) -> None:
        self.dismiss(None)


def open_intro(app: EspApp) -> None:
    """`D` on the roster."""
    app.push_screen(IntroScreen())
