"""What every CLI handler gets: the parsed args, the environment, config and DB built lazily."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

    from esp_tui.config import Config

EXIT_OK = 0
EXIT_FAIL = 1  # the command ran and the answer is "no" (e.g. `check` found gaps)
EXIT_USAGE = 2  # bad input: nothing was written


class CliError(Exception):
    """Raised by handlers for a one-line error; main() prints it and exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        from esp_tui.domain.text import printable

        super().__init__(printable(message))  # it may quote user text: no raw escapes
        self.code = code


class CliContext:
    def __init__(self, args: argparse.Namespace, env: Mapping[str, str] | None = None) -> None:
        self.args = args
        self.env: Mapping[str, str] = os.environ if env is None else env

    @cached_property
    def config(self) -> Config:
        from esp_tui.config import load_config

        config = load_config(getattr(self.args, "config", None), self.env)
        if config.keymap:  # checked against the app's bindings (loads Textual: only when set)
            from esp_tui.keymap import check_keymap

            check_keymap(config)
        return config

    def check_config(self) -> None:
        """Load and check the config now (raises ConfigError): main() calls it before any
        command runs, so a bad config never leaves a database file behind."""
        self.config  # noqa: B018 (a cached property: evaluated for its check)

    @cached_property
    def db_path(self):  # -> Path
        from storage.db import resolve_db_path

        return resolve_db_path(getattr(self.args, "db", None), self.env)

    @cached_property
    def db(self) -> Database:
        """The connection, working on `--cohort NAME` when given (else the current cohort).

        Only the commands that start a database (the app, `roster import`, `cohort new`: their
        parsers set `creates_db`) create a missing one; any other command on a path with no
        database stops with one line and leaves no file behind."""
        from storage.db import connect

        args = self.args
        creates = getattr(args, "creates_db", False) or getattr(args, "func", None) is None
        db = connect(self.db_path, create=creates)
        name = getattr(self.args, "cohort_scope", None)
        if name is not None:
            from esp_tui.services.cohorts import CohortError, scope_to

            try:
                scope_to(db, name)
            except CohortError as e:
                db.close()
                raise CliError(f"--cohort: {e}") from None
        return db

    def close(self) -> None:
        """Close the DB connection if one was opened (SQLite closes its own file)."""
        db = self.__dict__.pop("db", None)
        if db is not None:
            db.close()

    def today(self) -> date:
        return self.now().date()

    def now(self) -> datetime:
        """Now in the cohort's timezone (the DB's cohort if one is open, else config's)."""
        from datetime import UTC

        from esp_tui.clock import resolve_timezone

        zone = self.config.cohort.timezone
        if "db" in self.__dict__:
            from storage.cohort import get_cohort

            cohort = get_cohort(self.db)
            if cohort is not None:
                zone = cohort.timezone
        return datetime.now(UTC).astimezone(resolve_timezone(zone))

    # Every line a command prints goes through here. User text in it (names, notes, tickets,
    # tree files, sheet values) may hold escape sequences: none reaches the terminal raw
    # (esp_tui/domain/text.py). Commands also pass table cells through `visible`.
    def out(self, text: str = "") -> None:
        from esp_tui.domain.text import printable

        print(printable(text))

    def print_json(self, data: Any) -> None:
        import json

        from esp_tui.domain.text import json_safe

        print(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))

    def warn(self, text: str) -> None:
        from esp_tui.domain.text import printable

        print(f"esp-tui: warning: {printable(text)}", file=sys.stderr)
