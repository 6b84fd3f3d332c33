"""The "sync to the sheet" user action, as the Close screen runs it in its worker thread.

The screen only renders: opening a connection for the worker thread, reaching the sheet and
running the three-way sync all happen here. Google libraries load on first call, not at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from esp_tui.config import Config
from esp_tui.domain.models import Cohort

if TYPE_CHECKING:
    from esp_tui.sync.engine import SyncReport
    from esp_tui.sync.plan import CellKey, Resolution


class SyncFailed(RuntimeError):
    """The sheet could not be synced; str() is the one line to show. Nothing was recorded."""


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
    from esp_tui.sync.engine import connect, run_sync
    from esp_tui.sync.layout import LayoutError
    from esp_tui.sync.transport import SheetsError
    from storage.db import connect as connect_db

    own = connect_db(db_path) if db_path else db
    try:
        target = connect(config, env)
        return run_sync(
            own, config, cohort, target, now=now, dry_run=dry_run,
            resolutions=resolutions, progress=progress,
        )  # fmt: skip
    except (SheetsError, LayoutError) as err:
        raise SyncFailed(str(err)) from None
    finally:
        if own is not db:
            own.close()
