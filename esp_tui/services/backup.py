"""Automatic backups: after a successful sync and when the app quits.

A failed backup must never cost the TL the action it follows (a sync the sheet accepted, a
quit): `backup_after` never raises, it returns the one line to show as a warning.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from esp_tui.config import Config


def backup_after(
    db: Database | sqlite3.Connection,
    db_path: Path | str | None,
    config: Config,
    reason: str,
) -> str | None:
    """Back `db` (an open connection to the database at `db_path`) up into
    `<db dir>/backups/`, keeping the newest `[backup] keep`. Returns None when done (or when
    there is nothing to back up: no path, or an in-memory DB), else a one-line warning."""
    if db_path is None or str(db_path) in ("", ":memory:"):
        return None
    try:
        from storage.backup import backups_dir_for, make_backup

        path = Path(db_path)
        make_backup(
            db, backups_dir_for(path), reason=reason, keep=config.backup.keep, stem=path.stem
        )
    except Exception as e:  # never into the caller: the action before the backup succeeded
        return f"backup after {reason} failed: {e}"
    return None
