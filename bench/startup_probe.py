"""Startup probe for bench_attendance: start an app, exit once its first real screen is painted.

    python -m bench.startup_probe hello           a bare Textual app with one Static
    python -m bench.startup_probe roster DB_PATH  esp-tui on DB_PATH, exits when the roster
                                                  (rows filled) has been painted

The parent times the process from its start (imports included), as the TL would feel it: to
the moment the first real screen is painted (the probe writes one byte to the file descriptor
named by $ESP_BENCH_PAINTED_FD), and to the process's exit.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

# The benchmark's cohort clock: day 1 of the bench cohort, 09:14 New York.
BENCH_NOW = datetime(2026, 11, 23, 14, 14, tzinfo=UTC)


def painted() -> None:
    """Tell the parent the screen is on the terminal (the frame was written), once."""
    fd = os.environ.pop("ESP_BENCH_PAINTED_FD", None)
    if fd is not None:
        os.write(int(fd), b"p")


def hello() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

        def on_ready(self) -> None:
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            painted()
            self.exit()

    Hello().run()


def roster(db_path: str) -> None:
    from esp_tui.app import EspApp
    from esp_tui.config import load_config
    from esp_tui.screens.roster import RosterScreen, RosterTable
    from storage.db import connect

    class Probe(EspApp):
        def on_ready(self) -> None:
            self.set_interval(0.005, self._check)

        def _check(self) -> None:
            screen = self.screen
            if isinstance(screen, RosterScreen) and screen.query_one(RosterTable).row_count:
                self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            painted()
            self.exit()

    Probe(load_config(), connect(Path(db_path)), clock=lambda: BENCH_NOW).run()


if __name__ == "__main__":
    if sys.argv[1:2] == ["hello"]:
        hello()
    else:
        roster(sys.argv[2])
