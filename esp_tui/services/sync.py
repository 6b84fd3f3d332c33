"""The "sync to the sheet" user action, as the Close screen runs it in its worker thread.

The screen only renders: opening a connection for the worker thread, reaching the sheet and
running the three-way sync all happen here. Google libraries load on first call, not at import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort

if TYPE_CHECKING:
    from esp_tui.sync.engine import SyncReport
    from esp_tui.sync.plan import CellKey, Conflict, Resolution


class SyncFailed(RuntimeError):
    """The sheet could not be synced; str() is the one line to show (esp_tui/sync/errors.py
    worded it). `bad_input`: our own data or config was wrong and nothing was sent."""

    def __init__(self, message: str, *, bad_input: bool = False) -> None:
        super().__init__(message)
        self.bad_input = bad_input


def describe_error(exc: BaseException) -> str:
    """One line for any exception (the app's failed-worker dialog uses it)."""
    if isinstance(exc, SyncFailed):
        return str(exc)
    from esp_tui.sync.errors import describe

    return describe(exc).message


def still_valid(
    resolutions: Mapping[CellKey, Resolution], conflicts: Iterable[Conflict]
) -> dict[CellKey, Resolution]:
    """The TL's choices that still apply: one made against a sheet value that has changed
    since is dropped (the TL decides again on what the sheet says now)."""
    shown = {c.key: c.sheet for c in conflicts}
    return {
        k: r for k, r in resolutions.items() if k not in shown or r.sheet_value == shown[k]
    }


def overwrites_pm_edits(
    conflicts: Iterable[Conflict], resolutions: Mapping[CellKey, Resolution]
) -> list[Conflict]:
    """The conflicts the next sync would overwrite with ours (resolved keep-local): a PM's
    edit is lost unless the TL confirms."""
    return [
        c
        for c in conflicts
        if (r := resolutions.get(c.key)) is not None and r.choice == "keep-local"
    ]


def keep(choice: str, sheet_value: str) -> Resolution:
    """The TL's choice for one conflicted cell (keep-sheet / keep-local), valid while the sheet
    still shows `sheet_value`."""
    from esp_tui.sync.plan import Resolution

    return Resolution(choice, sheet_value)  # type: ignore[arg-type]


def sync_day(
    db: Database,
    db_path: Path | None,
    config: Config,
    cohort: Cohort,
    env: Mapping[str, str],
    *,
    now: Callable[[], datetime],
    dry_run: bool,
    resolutions: Mapping[CellKey, Resolution],
    progress: Callable[[float, str], None],
) -> SyncReport:
    """Sync (or dry-run) the cohort to the sheet. Call from a worker thread: it opens its own
    SQLite connection when the DB has a path, so a stamp typed during the sync can never land
    inside the sync's transaction."""
    from esp_tui.sync.engine import Target, connect, run_sync
    from esp_tui.sync.errors import describe
    from storage.db import connect as connect_db

    own = db
    target: Target | None = None
    try:
        own = connect_db(db_path) if db_path else db
        if own is not db and cohort.id is not None:
            from storage.cohort import use

            use(own, cohort.id)  # the worker's connection syncs the cohort the TL is on
        target = connect(config, env)
        report = run_sync(
            own, config, cohort, target, now=now, dry_run=dry_run,
            resolutions=resolutions, progress=progress,
        )  # fmt: skip
        if not dry_run:
            from esp_tui.services.backup import backup_after

            warning = backup_after(own, db_path, config, "sync")
            if warning:
                report.warnings.append(warning)
        return report
    except Exception as err:  # every error becomes one line (sync/errors.py): never a crash
        said = describe(
            err,
            identity=target.identity if target else None,
            spreadsheet=target.key if target else None,
        )
        raise SyncFailed(said.message, bad_input=said.bad_input) from err
    finally:
        if own is not db:
            own.close()
