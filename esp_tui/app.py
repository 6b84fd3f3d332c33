"""The Textual app: thin. Screens live in esp_tui/screens/, rules in esp_tui/domain/."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from esp_tui.clock import Clock, cohort_zone, system_clock
from esp_tui.config import Config
from esp_tui.domain.models import Cohort
from esp_tui.messages import CohortChanged, DataChanged
from esp_tui.screens.base import EspScreen
from esp_tui.screens.roster import RosterScreen
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
            from esp_tui.keymap import normalized

            self.set_keymap(normalized(self.config.keymap))  # checked by make_app
        self.push_screen(RosterScreen())

    # -- failed workers -----------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for failed workers (every @work has exit_on_error=False, so none
        ends the app): an error dialog in plain text, and the app keeps running. Textual posts
        StateChanged to the worker's own node without bubbling, so a screen that runs workers
        forwards the event here (CloseScreen.on_worker_state_changed)."""
        error = event.worker.error
        if event.state != WorkerState.ERROR or error is None:
            return
        from esp_tui.screens.error_dialog import ErrorDialog
        from esp_tui.services.sync import describe_error

        what = event.worker.name or "a background task"
        title = f"Error in {what} (esp-tui keeps running)"
        self.push_screen(ErrorDialog(title, describe_error(error)))

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

    def header_marks(self) -> list[tuple[str, str]]:
        """(kind, text) marks after the left side: closed · read-only, viewing past cohort."""
        from esp_tui.services.header import cohort_marks

        return cohort_marks(self.db, self.cohort, self.now().date())

    def header_right(self) -> str:
        from esp_tui.services.header import header_parts

        return " · ".join(header_parts(self.db, self.config, self.now()))

    def header_texts(self) -> tuple[str, str]:
        return self.header_left(), self.header_right()

    # -- the cohort on screen -------------------------------------------------------------------
    def refresh_cohort(self) -> None:
        """Re-read the cohort this connection works on (another process may have closed,
        reopened or rescheduled it). Never moves the connection to another cohort: the CLI
        switching the database's current cohort leaves an open app where it is."""
        self.cohort = get_cohort(self.db)
        zone = self.cohort.timezone if self.cohort else self.config.cohort.timezone
        self.zone = cohort_zone(zone)

    def switch_cohort(self, cohort_id: int, *, make_current: bool = False) -> Cohort | None:
        """View another cohort in this window (the cohort picker): scope the connection to it,
        or also make it the database's current cohort, then have every screen on the stack
        that shows cohort data reload (CohortChanged, their `cohort_changed` hook), so nothing
        of the old one stays.
        The picker opens from the roster only (`C`, its palette entry), so no screen showing
        one agent or one day (agent, tasks, close, a prompt holding typed text) is open then."""
        from esp_tui.services.cohorts import use_cohort
        from storage.cohort import cohort_by_id, use

        target = cohort_by_id(self.db, cohort_id)
        if target is None:
            self.notify(f"cohort #{cohort_id} is not in this database", severity="error")
            return None
        if make_current:
            use_cohort(self.db, target.name)
        else:
            use(self.db, cohort_id)
        self.refresh_cohort()
        self._deliver(CohortChanged)
        return self.cohort

    def require_writable(self) -> None:
        """Before asking anything for a stamp or a note: a closed cohort refuses at once
        (CohortClosed, which run_action turns into the toast), not after a prompt."""
        from storage.cohort import require_open

        if self.cohort is not None:
            require_open(self.db)

    # -- data changed: the hub of esp_tui/messages.py ----------------------------------------
    def on_data_changed(self, message: DataChanged) -> None:
        """Whatever wrote posts DataChanged here: re-read the cohort if another process wrote
        (it may have closed or reopened it), then hand a copy to every screen on the stack but
        the one that wrote (it has repainted itself), and to every header."""
        if message.delivered:
            return  # a delivered copy nobody stopped: never delivered twice
        if message.outside:
            self.refresh_cohort()
        self._deliver(message.delivery, skip=message.origin)

    def _deliver(
        self, make: Callable[[], DataChanged | CohortChanged], *, skip: Screen | None = None
    ) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, EspScreen) and screen is not skip:
                screen.post_message(make())
            for header in screen.query(StatusHeader):
                header.post_message(make())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast is plain text: messages carry agent names, notes and error texts, so
        they are never parsed as markup (`markup` is ignored: `Widget.notify` always passes
        True) and their control characters are shown escaped (esp_tui/domain/text.py)."""
        from esp_tui.domain.text import visible

        super().notify(
            visible(message, multiline=True),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from esp_tui.commands import screen_commands

        yield from screen_commands(self, screen)
        yield from super().get_system_commands(screen)

    # A database lock still held past the busy timeout (another esp-tui writing) is a message,
    # not a crash: the transaction was rolled back, nothing was half-written, and the TL can
    # press the key again. Every key binding and palette action passes through run_action
    # (public API); a prompt's callback reaches Textual's private _handle_exception instead.
    # tests/test_shared_db.py fails loudly if a Textual upgrade changes either path.
    def _busy(self, error: Exception) -> None:
        self.notify(f"{error}: nothing was saved", severity="error", markup=False)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        from storage.cohort import CohortClosed
        from storage.db import DatabaseBusy

        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (DatabaseBusy, CohortClosed) as error:
            self._busy(error)
            return True

    # A character typed into a text field is text, never a key binding: `?` in a ticket field
    # types `?` (not help), `[` in the roster filter types `[` (not the previous day). Textual
    # checks priority bindings before the focused widget sees the key, through the private
    # _check_bindings; tests/test_form_dialogs.py fails loudly if an upgrade changes that path.
    async def _check_bindings(self, key: str, priority: bool = False) -> bool:
        if self._typing_into_field(key):
            return False
        return await super()._check_bindings(key, priority)

    def _typing_into_field(self, key: str) -> bool:
        from textual.keys import REPLACED_KEYS, key_to_character
        from textual.widgets import Input, TextArea

        char = key_to_character(REPLACED_KEYS.get(key, key))  # "slash" is known as "solidus"
        if char is None or not char.isprintable():
            return False  # enter, escape, tab, ctrl+s...: still the screen's keys
        focused = self.focused
        if isinstance(focused, TextArea):
            return not focused.read_only
        return isinstance(focused, Input)

    def _handle_exception(self, error: Exception) -> None:
        from storage.cohort import CohortClosed
        from storage.db import DatabaseBusy

        if isinstance(error, (DatabaseBusy, CohortClosed)):
            self._busy(error)
            return
        super()._handle_exception(error)

    # -- actions ----------------------------------------------------------------------------
    def action_help(self) -> None:
        from esp_tui.screens.help import HelpScreen, binding_rows

        self.push_screen(HelpScreen(binding_rows(self.screen.active_bindings)))

    async def action_quit(self) -> None:
        """Quit (`q`, `ctrl+q`), backing the database up first. A failed backup never stops
        the quit: its one line is printed once the terminal is back."""
        from rich.text import Text

        from esp_tui.services.backup import backup_after

        warning = backup_after(self.db, self.db_path, self.config, "quit")
        self.exit(message=Text(f"esp-tui: warning: {warning}") if warning else None)


def make_app(
    config: Config, db: Database, *, db_path: Path | None = None, clock: Clock = system_clock
) -> EspApp:
    """The one factory the CLI and the tests use. A keymap that names an unknown binding or
    takes another binding's key is refused here (ConfigError), before the app starts."""
    if config.keymap:
        from esp_tui.keymap import check_keymap

        check_keymap(config)
    return EspApp(config, db, db_path=db_path, clock=clock)
