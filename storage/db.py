"""Open the esp-tui SQLite database safely: 0600 file, WAL, synchronous=FULL, busy timeout.

Why the database file is never opened or closed outside SQLite
--------------------------------------------------------------
SQLite coordinates processes with POSIX advisory (fcntl) locks, and POSIX drops *every* lock a
process holds on a file as soon as the process closes *any* descriptor of that file. If this
module opened the DB file itself (to create it, chmod it, copy it, back it up...) and closed
that descriptor while the app, its sync worker or another thread had a connection open, those
connections would silently lose their locks. The next esp-tui process (the CLI in another shell)
would then believe it is the last connection, checkpoint and delete the `-wal` file under the
running app, and the app's later commits would go to a WAL nobody reads: "Note saved" for a
note that is not in the file, then `disk I/O error`, then a corrupt file (SQLite's "How To
Corrupt An SQLite Database File", §2.2). So:

- a NEW database file is created once, 0600, with O_CREAT|O_EXCL|O_NOFOLLOW (no connection can
  hold a lock on a file that did not exist; a process-wide lock serialises our own threads);
- an EXISTING file is never opened, chmodded or copied by us: only SQLite touches it (backups
  use the SQLite backup API, see storage/backup.py);
- one connection per thread (the sync worker opens its own), all through `connect()`.

Write transactions begin IMMEDIATE (`EspDatabase.atomic`), so the busy timeout applies to the
whole transaction instead of failing at once when a read-then-write transaction meets another
writer; a lock still held after the timeout becomes `DatabaseBusy`, a one-line message.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Generator, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000
DB_ENV = "ESP_TUI_DB"
MIGRATION_SET = "esp-tui"  # storage.migrations.MIGRATIONS.name
BUSY_MESSAGE = "another esp-tui is writing the database; retry in a moment"

_create_lock = threading.Lock()


class StorageError(RuntimeError):
    """A database problem the TL can act on; str() is a one-line message."""


class DatabaseBusy(StorageError):
    """The write lock was still held by another connection after the busy timeout."""


class NotEspDatabase(StorageError):
    """The file is not an esp-tui database (another program's SQLite file, or not SQLite)."""


class NoDatabase(StorageError):
    """connect(create=False) on a path with no database: nothing was created."""


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


def data_version(db: Database) -> int:
    """Changes whenever ANOTHER connection (the CLI, a worker, another esp-tui) committed since
    this connection last asked: a cheap way for a screen to notice writes it did not make."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def query(db: Database, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
    """Run a SELECT whose rows are sqlite3.Row, so row mappers read columns by name."""
    cur = db.conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(sql, list(params))


def count(db: Database, sql: str, params: Iterable[Any] = ()) -> int:
    """The single integer a `SELECT COUNT(*) ...` (or MAX, ...) returns; 0 for NULL."""
    row = db.conn.execute(sql, list(params)).fetchone()
    return int(row[0] or 0) if row else 0


def is_locked_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


class EspDatabase(Database):
    """sqlite-utils' Database whose outermost transaction is `BEGIN IMMEDIATE`.

    sqlite-utils' own `atomic()` issues a deferred `BEGIN`: a transaction that reads before it
    writes then fails at once with SQLITE_BUSY when another connection wrote in between (the
    busy handler cannot help a deferred transaction upgrading its read snapshot). IMMEDIATE
    takes the write lock first, so the busy timeout applies. Nested blocks stay savepoints.
    """

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:
            savepoint = f"esp_{secrets.token_hex(8)}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if is_locked_error(e):
                raise DatabaseBusy(BUSY_MESSAGE) from None
            raise
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if is_locked_error(e):
                raise DatabaseBusy(BUSY_MESSAGE) from None
            raise
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise


def _create_private(path: Path) -> None:
    """Create a NEW, empty database file with mode 0600 (SQLite copies the mode to -wal and
    -shm). An existing path — file or symlink — is left exactly as it is: see the module
    docstring for why we must never open and close a file SQLite may have open."""
    with _create_lock:
        if path.exists() or path.is_symlink():
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            return  # another process created it first; it is theirs to shape
        os.close(fd)  # safe: nobody can hold a lock on a file that did not exist a moment ago


def _check_is_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another program's SQLite file before changing anything in it (no WAL switch, no
    tables). An empty database (new file) is ours to set up."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return
    if "_sqlite_migrations" in tables:
        names = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        }
        if names:
            from storage.migrations import MIGRATIONS

            known = {m.name for m in MIGRATIONS._migrations}
            newer = sorted(names - known)
            if newer:
                raise StorageError(
                    f"{path}: made by a newer esp-tui (schema {newer[-1]}); upgrade esp-tui"
                )
            return
    raise NotEspDatabase(
        f"{path}: not an esp-tui database (it holds other tables: "
        f"{', '.join(sorted(tables)[:3])}{'…' if len(tables) > 3 else ''}); "
        "pass another --db"
    )


def connect(path: Path, *, create: bool = True) -> EspDatabase:
    """Open (creating if needed, unless `create` is false) and migrate the database at `path`.

    A symlink is followed only to an esp-tui database; another program's SQLite file, or a
    file that is not SQLite at all, is refused untouched (NotEspDatabase)."""
    from storage.migrations import migrate

    memory = str(path) == ":memory:"
    if not memory:
        if path.is_symlink() and not path.exists():
            raise StorageError(f"{path}: a symlink to nothing; pass another --db")
        if path.exists() and not path.is_file():
            raise StorageError(f"{path}: not a file; pass another --db")
        if not create and not path.exists():
            raise NoDatabase(
                f"{path}: no esp-tui database here yet (nothing was written); "
                "`esp-tui roster import FILE --cohort NAME --start YYYY-MM-DD` creates it"
            )
        _create_private(path)
    conn: sqlite3.Connection | None = None
    try:
        # isolation_level=None: the driver never opens transactions behind our back;
        # every write goes through db.atomic() (BEGIN IMMEDIATE ... COMMIT).
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_is_ours(conn, path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = EspDatabase(conn)
        migrate(db)
    except DatabaseBusy:
        if conn is not None:
            conn.close()
        raise StorageError(
            f"{path}: the database is locked by another esp-tui; close it and retry"
        ) from None
    except StorageError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.OperationalError as e:
        if conn is not None:
            conn.close()
        if is_locked_error(e):
            raise StorageError(
                f"{path}: the database is locked by another esp-tui; close it and retry"
            ) from None
        raise StorageError(f"{path}: cannot open the database: {e}") from None
    except sqlite3.DatabaseError as e:
        if conn is not None:
            conn.close()
        raise NotEspDatabase(f"{path}: not an esp-tui database ({e})") from None
    return db
