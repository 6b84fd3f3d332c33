"""Online backups of the esp-tui database, through SQLite's backup API only.

Never a file copy: the live database (and its -wal/-shm) is read and written by SQLite alone,
because closing any descriptor of that file would drop every lock this process holds on it
(see storage/db.py). What this module opens itself are NEW files (a backup being created,
O_CREAT|O_EXCL, 0600) and the backups directory.

Backups are single self-contained files (rollback-journal mode, no -wal to forget) named
`<db stem>-<UTC timestamp>-<reason>.db` in `<db dir>/backups/` (0700); the newest `keep` per
database are kept.

Restore is in storage/restore.py.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from storage.db import StorageError

BACKUPS_DIRNAME = "backups"
DEFAULT_KEEP = 14
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}\.\d{6}Z)-(?P<reason>[a-z][a-z-]*)\.db$")


class BackupError(StorageError):
    """A backup could not be written; str() names the file."""


class BadBackupFile(StorageError):
    """The file offered to restore is not a usable esp-tui database; str() names the file."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema_version: int
    agents: int


Source = Database | sqlite3.Connection | Path


def backups_dir_for(db_path: Path) -> Path:
    """Where the backups of the database at `db_path` go: `<its dir>/backups/`."""
    return Path(db_path).parent / BACKUPS_DIRNAME


# ----------------------------------------------------------------------------- backup
def make_backup(
    source: Source,
    backups_dir: Path,
    *,
    reason: str,
    keep: int | None = DEFAULT_KEEP,
    stem: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Back up `source` (an open connection, or the path of a database) into a new file in
    `backups_dir`, then prune that database's backups to the newest `keep` (None: no pruning).
    Returns the new file's path."""
    if not re.fullmatch(r"[a-z][a-z-]*", reason):
        raise ValueError(f"backup reason must be lowercase letters and '-', got {reason!r}")
    stem = stem or _stem_of(source)
    directory = ensure_backups_dir(backups_dir)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    for _ in range(1000):
        path = directory / f"{stem}-{when.strftime(_STAMP)}-{reason}.db"
        try:
            create_new_private(path)
        except FileExistsError:
            when += timedelta(microseconds=1)  # same microsecond: the next name, still ordered
            continue
        break
    else:  # pragma: no cover - a thousand backups in one millisecond
        raise BackupError(f"{directory}: cannot find a free backup name")
    _copy_into_new(source, path)
    if keep is not None:
        prune(directory, stem, keep)
    return path


def backup_to(source: Source, out: Path) -> Path:
    """Back up `source` into `out`, a file that must not exist yet (FileExistsError)."""
    out = Path(out)
    try:
        create_new_private(out)
    except FileExistsError:
        raise
    except OSError as e:
        raise BackupError(f"{out}: cannot create the backup: {e.strerror or e}") from None
    _copy_into_new(source, out)
    return out


def ensure_backups_dir(backups_dir: Path) -> Path:
    """The backups directory, created (and kept) mode 0700."""
    directory = Path(backups_dir)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.stat().st_mode & 0o777 != 0o700:
            os.chmod(directory, 0o700)
    except OSError as e:
        raise BackupError(
            f"{directory}: cannot create the backups folder: {e.strerror or e}"
        ) from None
    return directory


def list_backups(backups_dir: Path, stem: str) -> list[Path]:
    """The backups of database `stem` in `backups_dir`, oldest first."""
    directory = Path(backups_dir)
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        m = _NAME.match(p.name)
        if m and m["stem"] == stem and p.is_file():
            found.append((m["stamp"], p.name, p))
    return [p for _, _, p in sorted(found)]


def prune(backups_dir: Path, stem: str, keep: int, *, exclude: Iterable[Path] = ()) -> list[Path]:
    """Delete all but the newest `keep` backups of database `stem` (never one in `exclude`).
    Returns the deleted paths."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    spared = {_same_key(p) for p in exclude}
    old = list_backups(backups_dir, stem)[:-keep]
    deleted = []
    for p in old:
        if _same_key(p) in spared:
            continue
        try:
            p.unlink()
        except FileNotFoundError:
            continue
        deleted.append(p)
    return deleted


def _same_key(p: Path) -> str:
    return os.path.realpath(p)


def _stem_of(source: Source) -> str:
    if isinstance(source, Path):
        return source.stem
    conn = source.conn if isinstance(source, Database) else source
    for _, name, filename in conn.execute("PRAGMA database_list"):
        if name == "main" and filename:
            return Path(filename).stem
    return "esp"


def create_new_private(path: Path) -> None:
    """Create `path` empty with mode 0600. It is a NEW file (O_EXCL): nobody holds a lock on it,
    so opening and closing it here is safe."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    os.close(fd)


def _copy_into_new(source: Source, dest: Path) -> None:
    """Copy `source` into the new empty file `dest` with the backup API; on failure, remove it."""
    own: sqlite3.Connection | None = None
    target: sqlite3.Connection | None = None
    try:
        if isinstance(source, Path):
            own = open_existing(source, readonly=False)
            conn = own
        else:
            conn = source.conn if isinstance(source, Database) else source
        target = sqlite3.connect(str(dest), isolation_level=None)
        conn.backup(target)
        # The copy carries the source's WAL flag; make it a self-contained rollback-journal
        # file, so it can be moved, mailed or opened read-only without a -wal beside it.
        target.execute("PRAGMA journal_mode = DELETE")
        target.close()
        target = None
    except (sqlite3.Error, OSError) as e:
        if target is not None:
            target.close()
        dest.unlink(missing_ok=True)
        raise BackupError(f"{dest}: backup failed: {e}") from None
    finally:
        if own is not None:
            own.close()


def open_existing(path: Path, *, readonly: bool, timeout_ms: int = 5000) -> sqlite3.Connection:
    """A plain connection to an existing database file (SQLite never creates it here)."""
    mode = "ro" if readonly else "rw"
    return sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode={mode}",
        uri=True,
        timeout=timeout_ms / 1000,
        isolation_level=None,
        check_same_thread=False,
    )


# ----------------------------------------------------------------------------- check
def check_backup_file(path: Path) -> BackupInfo:
    """Check that `path` is an intact esp-tui database this esp-tui can open: integrity_check
    ok, esp-tui's migrations recorded, schema version not newer than ours. Opens it read-only;
    raises BadBackupFile with one line naming the file."""
    from storage.migrations import MIGRATIONS, latest_version

    path = Path(path)
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a file"
        raise BadBackupFile(f"{path}: {what}")
    try:
        conn = open_existing(path, readonly=True)
    except sqlite3.Error as e:
        raise BadBackupFile(f"{path}: cannot open: {e}") from None
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as e:
            if "not a database" in str(e):
                raise BadBackupFile(f"{path}: not a SQLite database") from None
            raise BadBackupFile(f"{path}: damaged, integrity check failed ({e})") from None
        if rows != ["ok"]:
            raise BadBackupFile(f"{path}: damaged, integrity check failed ({first_problem(rows)})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        names: list[str] = []
        if "_sqlite_migrations" in tables:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                    [MIGRATIONS.name],
                )
            ]
        if not names or "agents" not in tables:
            raise BadBackupFile(f"{path}: a SQLite database, but not an esp-tui one")
        ours = latest_version()
        known = {m.name for m in MIGRATIONS._migrations}
        version = max(len(names), conn.execute("PRAGMA user_version").fetchone()[0])
        if version > ours or set(names) - known:
            raise BadBackupFile(
                f"{path}: made by a newer esp-tui (schema version {version}, this esp-tui "
                f"knows {ours}); upgrade esp-tui to restore it"
            )
        agents = conn.execute("SELECT count(*) FROM agents").fetchone()[0]
        return BackupInfo(path=path, schema_version=version, agents=agents)
    except sqlite3.DatabaseError as e:
        raise BadBackupFile(f"{path}: damaged ({e})") from None
    finally:
        conn.close()


def first_problem(rows: list[str]) -> str:
    for row in rows:
        for line in str(row).splitlines():
            if line.strip() and not line.startswith("***"):
                return line.strip()[:200]
    return "not ok"
