"""Restore a backup over the live esp-tui database, through SQLite's backup API only.

Restore takes the live database away from everybody first: a fresh connection sets
`locking_mode=EXCLUSIVE` and runs `BEGIN EXCLUSIVE` with a short busy timeout. In WAL mode every
open esp-tui connection (any process, or another connection of this one) holds a SHARED lock on
the database file for as long as it is open, so failing to get the EXCLUSIVE lock means another
esp-tui has it open, and nothing is changed. Holding the lock, it backs up the current database
(the pre-restore backup), then copies the checked file into the live database with the backup
API — in place, under SQLite's own locks and journal — and checks the result.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.backup import (
    DEFAULT_KEEP,
    BackupError,
    BadBackupFile,
    check_backup_file,
    create_new_private,
    first_problem,
    make_backup,
    open_existing,
    prune,
)
from storage.db import StorageError

# How long restore waits for the exclusive lock before deciding somebody has the DB open.
RESTORE_LOCK_TIMEOUT_MS = 250


class DatabaseInUse(StorageError):
    """Another esp-tui (another process, or another connection of this one) has the DB open."""


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    database: Path
    pre_restore: Path | None  # the replaced database, kept as a backup (None: there was none)
    schema_version: int
    agents: int


def restore(
    live_path: Path, file: Path, backups_dir: Path, keep: int = DEFAULT_KEEP
) -> RestoreResult:
    """Replace the database at `live_path` with the checked `file`, in place, only while no
    other connection has it open. The replaced database is first kept as a backup
    ('pre-restore'). Raises BadBackupFile, DatabaseInUse or BackupError; nothing is changed
    when any of them is raised before the copy starts (and the copy itself is one SQLite
    transaction)."""
    live_path = Path(live_path)
    file = Path(file)
    info = check_backup_file(file)
    if live_path.exists() and os.path.samefile(live_path, file):
        raise BadBackupFile(f"{file}: that is the database itself; pass a backup of it")
    directory = Path(backups_dir)  # created by the pre-restore backup, if there is one
    existed = live_path.exists()
    if not existed:
        live_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            create_new_private(live_path)
        except FileExistsError:
            existed = True
    live = _lock_exclusively(live_path)
    pre: Path | None = None
    switched = False
    try:
        if existed and _has_tables(live):
            _refuse_foreign(live, live_path)
            pre = make_backup(live, directory, reason="pre-restore", keep=None, stem=live_path.stem)
        src = open_existing(file, readonly=True)
        try:
            # Out of WAL while we hold the exclusive lock: a rollback-journal destination
            # takes the file's page size too (a WAL one cannot change it). The copy is one
            # transaction: a crash mid-way leaves a hot journal SQLite rolls back.
            switched = True
            live.execute("PRAGMA journal_mode = DELETE")
            src.backup(live)
        finally:
            src.close()
        rows = [r[0] for r in live.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:  # pragma: no cover - the source was checked just before
            kept = f"; the replaced database is kept as {pre}" if pre else ""
            raise BackupError(
                f"{live_path}: integrity check failed after the restore "
                f"({first_problem(rows)}){kept}"
            )
        agents = live.execute("SELECT count(*) FROM agents").fetchone()[0]
    except sqlite3.Error as e:
        kept = f"; the replaced database is kept as {pre}" if pre else ""
        raise BackupError(f"{live_path}: restore from {file} failed: {e}{kept}") from None
    finally:
        if switched:
            _back_to_wal(live)
        live.close()
    prune(directory, live_path.stem, keep, exclude=[file])
    return RestoreResult(
        restored_from=file,
        database=live_path,
        pre_restore=pre,
        schema_version=info.schema_version,
        agents=agents,
    )


def _lock_exclusively(live_path: Path) -> sqlite3.Connection:
    """A connection to the live DB holding SQLite's EXCLUSIVE lock until it is closed, or
    DatabaseInUse. Every open esp-tui connection holds a SHARED lock on a WAL database, so the
    lock is only granted when nobody else has it open."""
    conn = open_existing(live_path, readonly=False, timeout_ms=RESTORE_LOCK_TIMEOUT_MS)
    try:
        conn.execute(f"PRAGMA busy_timeout = {RESTORE_LOCK_TIMEOUT_MS}")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # The lock outlives the transaction (locking_mode=EXCLUSIVE); the backup API needs a
        # destination with no open transaction.
        conn.execute("COMMIT")
    except sqlite3.OperationalError as e:
        conn.close()
        if "locked" in str(e) or "busy" in str(e):
            raise DatabaseInUse(
                f"{live_path}: another esp-tui has the database open; quit it and retry "
                "(nothing was changed)"
            ) from None
        raise StorageError(f"{live_path}: cannot open the database: {e}") from None
    except sqlite3.DatabaseError as e:
        conn.close()
        raise StorageError(
            f"{live_path}: not an esp-tui database ({e}); nothing restored"
        ) from None
    return conn


def _back_to_wal(live: sqlite3.Connection) -> None:
    """Leave exclusive locking, then WAL again. In that order: an exclusive-mode connection
    keeps a (zeroed) rollback journal beside the database instead of deleting it; the switch
    to WAL in normal mode removes it. The restore is complete by then."""
    try:
        live.execute("PRAGMA locking_mode = NORMAL")
        live.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error:
        pass  # the next storage.db.connect() sets WAL again


def _has_tables(conn: sqlite3.Connection) -> bool:
    return int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) > 0


def _refuse_foreign(conn: sqlite3.Connection, live_path: Path) -> None:
    """Never overwrite another program's SQLite file that --db happens to point at."""
    from storage.migrations import MIGRATIONS

    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if (
        "_sqlite_migrations" in tables
        and conn.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATIONS.name]
        ).fetchone()[0]
    ):
        return
    raise StorageError(
        f"{live_path}: not an esp-tui database; restore will not replace it (pass another --db)"
    )
