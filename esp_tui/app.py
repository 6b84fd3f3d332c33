"""The Textual app: thin. Screens live in esp_tui/screens/, rules in esp_tui/domain/."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from esp_tui.config import Config
from esp_tui.domain.models import Cohort
from esp_tui.screens.roster import RosterScreen
from esp_tui.services.clock import Clock, cohort_zone, system_clock
from esp_tui.widgets.status_header import StatusHeader
from storage.cohort import get_cohort


class EspApp(App[None]):
    # Absolute, so subclasses defined elsewhere (the startup benchmark) find it too.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "esp-tui"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit esp-tui (everything is saved)"),
        Binding(
            "question_mark",
            "help",
            "Help",
            key_display="?",
            id="help",
            tooltip="Help: every key of this screen",
        ),
    ]

    def __init__(
        self,
        config: Config,
        db: Database,
        *,
        db_path: Path | None = None,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__()
        self.config = config
        self.db = db
        self.db_path = db_path
        self.clock = clock
        self.cohort: Cohort | None = get_cohort(db)
        self.zone = cohort_zone(self.cohort.timezone if self.cohort else config.cohort.timezone)

    # -- time -------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Now, in the cohort's timezone."""
        return self.clock().astimezone(self.zone)

    def today_day(self) -> int | None:
        return self.cohort.current_day(self.now().date()) if self.cohort else None

    # -- lifecycle --------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        self.push_screen(RosterScreen())

    def header_left(self) -> str:
        now = self.now()
        when = now.strftime("%a %d %b %H:%M")
        if self.cohort is None:
            return f"ESP · no cohort · {when}"
        day = self.cohort.day_of(now.date())
        if day is None:
            before = now.date() < self.cohort.start_date
            where = "before day 1" if before else f"after day {self.cohort.days}"
        else:
            where = f"Day {day} of {self.cohort.days}"
        return f"ESP · {self.cohort.name} · {where} · {when}"

    def header_right(self) -> str:
        from esp_tui.services.header import header_parts

        return " · ".join(header_parts(self.db, self.config, self.now()))

    def header_texts(self) -> tuple[str, str]:
        return self.header_left(), self.header_right()

    def refresh_header(self) -> None:
        """Call after an action that changes a header count."""
        for header in self.screen.query(StatusHeader):
            header.pull()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from esp_tui.commands import screen_commands

        yield from screen_commands(self, screen)
        yield from super().get_system_commands(screen)

    # -- actions ----------------------------------------------------------------------------
    def action_help(self) -> None:
        from esp_tui.screens.help import HelpScreen, binding_rows

        self.push_screen(HelpScreen(binding_rows(self.screen.active_bindings)))


def make_app(
    config: Config, db: Database, *, db_path: Path | None = None, clock: Clock = system_clock
) -> EspApp:
    """The one factory the CLI and the tests use."""
    return EspApp(config, db, db_path=db_path, clock=clock)
