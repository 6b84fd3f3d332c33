"""Open the esp-tui SQLite database safely: 0600 file, WAL, synchronous=FULL, busy timeout."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000
DB_ENV = "ESP_TUI_DB"


class StorageError(RuntimeError):
    """A database problem the TL can act on; str() is a one-line message."""


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("esp-tui", appauthor=False) / "esp.db"


def resolve_db_path(cli_path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    """--db PATH, else $ESP_TUI_DB, else the platform user data dir."""
    if cli_path:
        return Path(cli_path).expanduser()
    if env.get(DB_ENV):
        return Path(env[DB_ENV]).expanduser()
    return default_db_path()


def _create_private(path: Path) -> None:
    """Create the DB file with mode 0600 before SQLite touches it (SQLite copies the mode to
    the -wal and -shm files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: Path) -> Database:
    """Open (creating if needed) and migrate the database at `path`."""
    from storage.migrations import migrate

    if str(path) != ":memory:":
        _create_private(path)
    try:
        # isolation_level=None: the driver never opens transactions behind our back;
        # every write goes through db.atomic() (BEGIN ... COMMIT).
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn)
        migrate(db)
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise StorageError(
                f"{path}: the database is locked by another esp-tui; close it and retry"
            ) from None
        raise StorageError(f"{path}: cannot open the database: {e}") from None
    except sqlite3.DatabaseError as e:
        raise StorageError(f"{path}: not an esp-tui database ({e})") from None
    return db


def is_locked_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )
